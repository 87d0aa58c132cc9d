"""A post card as HTML, written in Python rather than a template: the one place a post's markup is made, for
every page that lists posts (`{% post_card card %}` in `caravan_text`).

Why Python: a page shows up to forty posts, and Django's template engine spent about half of a timeline page's
server time walking `_post.html` forty times (decision 0041). Here each card is a few string joins.

The rules a template would keep, kept by hand:
- every value from a post, an account or a request goes through `escape` (or is already `SafeString`: the
  cleaned content, an icon, a name isolated in `<bdi>`);
- sentences come from the catalogue with the same msgids `blocktranslate` used (`%(name)s` placeholders), their
  values escaped, so translations and the untranslated-words checks stay as they were;
- counts and times go through `web.display` (the reader's digits, zone and calendar), like `|digits` and
  `{% when %}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.template.backends.utils import csrf_input
from django.template.defaultfilters import timeuntil_filter
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_noop, ngettext

from caravan.web import display, icons
from caravan.web.cards import PostCard, QuoteCard
from caravan.web.templatetags.caravan_text import isolate, when


@dataclass
class Page:
    """What a card needs from the page around it: who reads, in which language, and the request (for the CSRF
    token, the path to come back to, and the note that the page's shared action form is needed)."""

    request: object
    viewer: object
    language: str

    @property
    def full_path(self) -> str:
        return self.request.get_full_path() if self.request is not None else "/"

    def csrf_input(self) -> str:
        return csrf_input(self.request)

    def uses_post_actions(self) -> None:
        # The base template writes the one `#post-actions` form the buttons submit (`post_actions_form`).
        if self.request is not None:
            self.request.caravan_post_actions = True


def say(text: str, **values: object) -> str:
    """A translated sentence (`gettext(...)` at the call, so makemessages finds it) with its values escaped,
    as `blocktranslate ... with` does."""
    return text % {key: conditional_escape(value) for key, value in values.items()} if values else text


def counted(text: str, count: int) -> str:
    """A translated sentence with its count (`ngettext(..., count)` at the call) in the reader's digits, as
    `blocktranslate count counter=n|digits` does."""
    return text % {"counter": display.shown_digits(count)}


def _lang(language: str) -> str:
    return f' lang="{escape(language)}"' if language else ""


def _pressed(on: bool) -> str:
    return "true" if on else "false"


def post_card_html(card: PostCard, page: Page, *, focus: bool = False, compact: bool = False) -> SafeString:
    """The card; `compact` leaves out the actions, the link card, the quote and the reply line (a favourite
    or boost of one's own post shows what it was, as Mastodon's grouped notifications do: the post's own page
    has the rest)."""
    post = card.post
    author = post.account
    lang = escape(page.language)
    out: list[str] = []
    if card.filtered:
        title = say(gettext("Filtered: %(title)s"), title=isolate(card.filtered_title))
        anyway = escape(gettext("Show anyway"))
        out.append(
            f'<details class="filtered-post" lang="{lang}"><summary>{title} '
            f'<span class="show-filtered">{anyway}</span></summary>'
        )
    kind = " focus" if focus else " compact" if compact else ""
    out.append(f'<article class="post{kind}" id="post-{post.id}"{_lang(post.language)}>')
    if card.boosted_by is not None:
        name = isolate(card.boosted_by.name)
        boosted = say(gettext("%(name)s boosted"), name=name)
        out.append(f'<p class="boosted-by" lang="{lang}">{boosted}</p>')
    profile = escape(author.profile_path)
    path = escape(card.path)
    out.append(
        f'<header class="post-head" lang="{lang}"><a href="{profile}" tabindex="-1" aria-hidden="true">'
        f'<img class="avatar" src="{escape(card.avatar)}" alt=""></a>'
        f'<div class="who"><a href="{profile}"><bdi><strong>{escape(author.name)}</strong></bdi></a> '
        f'<span class="handle"><bdi>{escape(author.handle)}</bdi></span> '
        f'<a class="when" href="{path}">{when(post.created_at)}</a></div></header>'
    )
    if post.in_reply_to_account_id and not focus and not compact:
        if card.reply_to is not None:
            handle = isolate(card.reply_to.handle)
            replying = say(gettext("Replying to %(handle)s"), handle=handle)
            said = f'<a href="{escape(card.reply_to.path)}">{replying}</a>'
        else:
            said = escape(gettext("In reply to a post"))
        out.append(f'<p class="reply-to" lang="{lang}">{said}</p>')
    if post.spoiler_text:
        more = escape(gettext("show more"))
        out.append(
            f'<details class="cw"><summary><bdi>{escape(post.spoiler_text)}</bdi> '
            f'<span class="muted" lang="{lang}">({more})</span></summary>'
        )
    out.append(f'<div class="content" dir="auto">{card.content}</div>')
    if card.media:
        out.append(_media(card, lang))
    if card.link is not None and not compact:
        out.append(_link(card))
    if card.quote is not None and not compact:
        out.append(_quote(card.quote, post.id, page))
    if card.poll is not None:
        out.append(_poll(card, page))
    if post.spoiler_text:
        out.append("</details>")
    if not compact:
        out.append(_actions(card, page, lang, path))
    out.append("</article>")
    if card.filtered:
        out.append("</details>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or already safe


def _media(card: PostCard, lang: str) -> str:
    post = card.post
    behind = post.shown_sensitive and not post.spoiler_text
    out = []
    if behind:
        sensitive = escape(gettext("Sensitive media"))
        out.append(f'<details class="sensitive"><summary lang="{lang}">{sensitive}</summary>')
    out.append('<div class="media">')
    for item in card.media:
        if not item.src:
            continue
        href = escape(item.href)
        size = f' width="{int(item.width)}" height="{int(item.height or 0)}"' if item.width else ""
        badge = '<span class="alt-badge" aria-hidden="true" lang="en">ALT</span>' if item.description else ""
        out.append(
            f'<a class="media-item" href="{href}" data-full="{href}"><img src="{escape(item.src)}" '
            f'alt="{escape(item.description)}" loading="lazy"{size}>{badge}</a>'
        )
    out.append("</div>")
    if behind:
        out.append("</details>")
    return "".join(out)


def _link(card: PostCard) -> str:
    link = card.link
    image = ""
    if link.image:
        image = f'<img src="{escape(link.image)}" alt="{escape(link.image_description)}" loading="lazy">'
    description = ""
    if link.description:
        shortened = escape(Truncator(link.description).chars(200))
        description = f'<span class="link-card-description"><bdi>{shortened}</bdi></span>'
    return (
        f'<a class="link-card" href="{escape(link.url)}" rel="nofollow noopener noreferrer" target="_blank"'
        f'{_lang(link.language)}>{image}<span class="link-card-text">'
        f'<span class="link-card-provider"><bdi>{escape(link.provider)}</bdi></span> '
        f'<strong class="link-card-title"><bdi>{escape(link.title)}</bdi></strong> {description}</span></a>'
    )


HIDDEN_QUOTE = gettext_noop("Quoted post hidden: you block or mute its author.")
QUOTE_STATES = {
    "revoked": gettext_noop("The author removed their post from this quote."),
    "deleted": gettext_noop("The quoted post was deleted."),
    "rejected": gettext_noop("The quoted author did not allow this quote."),
    "blocked_account": HIDDEN_QUOTE,
    "blocked_domain": HIDDEN_QUOTE,
    "muted_account": HIDDEN_QUOTE,
}
QUOTE_UNAVAILABLE = gettext_noop("The quoted post is not available.")


def _quote(quote: QuoteCard, post_id: int, page: Page) -> str:
    lang = escape(page.language)
    out = [f'<div class="quoted" lang="{lang}">']
    if quote.card is not None:
        quoted = quote.card.post
        path = escape(quote.card.path)
        head = say(
            gettext("%(name)s (%(handle)s) wrote:"),
            name=isolate(quoted.account.name),
            handle=isolate(quoted.account.handle),
        )
        out.append(f'<blockquote class="quoted-post" cite="{path}"{_lang(quoted.language)}>')
        out.append(f'<p class="quoted-head"><a href="{path}">{head}</a></p>')
        if quoted.spoiler_text:
            out.append(f'<details class="cw"><summary><bdi>{escape(quoted.spoiler_text)}</bdi></summary>')
        out.append(f'<div class="content" dir="auto">{quote.card.content}</div>')
        if quoted.spoiler_text:
            out.append("</details>")
        out.append("</blockquote>")
    elif quote.state == "pending":
        if quote.link:
            link = escape(quote.link)
            quoting = escape(gettext("Quoting"))
            said = f'{quoting} <a href="{link}" rel="nofollow noopener noreferrer">{link}</a>'
        else:
            said = escape(gettext("Waiting for the quoted author's approval."))
        out.append(f'<p class="muted quote-state">{said}</p>')
    else:
        said = escape(gettext(QUOTE_STATES.get(quote.state, QUOTE_UNAVAILABLE)))
        out.append(f'<p class="muted quote-state">{said}</p>')
    if quote.revocable:
        remove = escape(gettext("Remove my post from this quote"))
        out.append(
            f'<form class="inline" method="post" action="/posts/{post_id}/revoke_quote">{page.csrf_input()}'
            f'<input type="hidden" name="next" value="{escape(page.full_path)}">'
            f'<button type="submit" class="secondary">{remove}</button></form>'
        )
    out.append("</div>")
    return "".join(out)


def _poll(card: PostCard, page: Page) -> str:
    poll = card.poll
    out = [f'<div class="poll" lang="{escape(page.language)}">']
    if poll.can_vote:
        kind = "checkbox" if poll.multiple else "radio"
        out.append(
            f'<form method="post" action="/posts/{card.post.id}/vote">{page.csrf_input()}'
            f'<input type="hidden" name="next" value="{escape(page.full_path)}">'
        )
        for index, option in enumerate(poll.options):
            out.append(
                f'<label class="check"><input type="{kind}" name="choice" value="{index}"> '
                f"<bdi>{escape(option.title)}</bdi></label>"
            )
        vote = escape(gettext("Vote"))
        out.append(f'<button type="submit">{vote}</button></form>')
    else:
        out.append('<ul class="plain">')
        for option in poll.options:
            chosen = " ✓" if option.chosen else ""
            percent = int(option.percent)
            out.append(
                f"<li><bdi>{escape(option.title)}</bdi>{chosen} — {display.shown_digits(percent)}%"
                f'<div class="bar"><span style="inline-size: {percent}%"></span></div></li>'
            )
        out.append("</ul>")
    voters = counted(
        ngettext("%(counter)s person voted", "%(counter)s people voted", poll.voters), poll.voters
    )
    if poll.expired:
        ends = escape(gettext("Closed"))
    else:
        ends = say(gettext("Ends in %(when)s"), when=display.shown_digits(timeuntil_filter(poll.expires_at)))
    out.append(f'<p class="muted">{voters} · {ends}</p></div>')
    return "".join(out)


VISIBILITY = {
    "public": gettext_noop("Public"),
    "unlisted": gettext_noop("Unlisted"),
    "private": gettext_noop("Followers only"),
    "direct": gettext_noop("Mentioned people only"),
}


def _count_button(post_id: int, verbs: tuple[str, str], on: bool, name: str, label: str, count: int) -> str:
    """A boost or favourite button on the shared action form: the verb (or its undo, when `on`), the state, the
    words with the count for assistive technology and the count alone for the eye."""
    verb = verbs[1] if on else verbs[0]
    return (
        f'<button type="submit" form="post-actions" formaction="/posts/{post_id}/{verb}" '
        f'class="act {name}" aria-pressed="{_pressed(on)}">{icons.icon(name)}'
        f'<span class="visually-hidden">{label}</span>'
        f'<span aria-hidden="true">{display.shown_digits(count)}</span></button>'
    )


def _actions(card: PostCard, page: Page, lang: str, path: str) -> str:
    post = card.post
    replies = post.replies_count or 0
    boosts = post.reblogs_count or 0
    favourites = post.favourites_count or 0
    out = [f'<footer class="actions" lang="{lang}">']
    if page.viewer is not None:
        page.uses_post_actions()
        label = counted(
            ngettext("Reply, %(counter)s reply so far", "Reply, %(counter)s replies so far", replies), replies
        )
        out.append(
            f'<a class="act reply" href="/compose?in_reply_to={post.id}">{icons.icon("reply")}'
            f'<span class="visually-hidden">{label}</span>'
            f'<span aria-hidden="true">{display.shown_digits(replies)}</span></a>'
        )
        if card.can_boost:
            label = counted(ngettext("Boost, %(counter)s boost", "Boost, %(counter)s boosts", boosts), boosts)
            out.append(_count_button(post.id, ("reblog", "unreblog"), card.reblogged, "boost", label, boosts))
        label = counted(
            ngettext("Favourite, %(counter)s favourite", "Favourite, %(counter)s favourites", favourites),
            favourites,
        )
        verbs = ("favourite", "unfavourite")
        out.append(_count_button(post.id, verbs, card.favourited, "favourite", label, favourites))
        verb = "unbookmark" if card.bookmarked else "bookmark"
        bookmark = escape(gettext("Bookmark"))
        out.append(
            f'<button type="submit" form="post-actions" formaction="/posts/{post.id}/{verb}" class="act bookmark" '
            f'aria-pressed="{_pressed(card.bookmarked)}">{icons.icon("bookmark")}'
            f'<span class="visually-hidden">{bookmark}</span></button>'
        )
        if card.can_quote:
            quote_words = escape(gettext("Quote"))
            out.append(
                f'<a class="act quote-action" href="/compose?quote={post.id}">{icons.icon("quote")}'
                f'<span class="visually-hidden">{quote_words}</span></a>'
            )
    else:
        shown_replies = counted(ngettext("%(counter)s reply", "%(counter)s replies", replies), replies)
        shown_boosts = counted(ngettext("%(counter)s boost", "%(counter)s boosts", boosts), boosts)
        shown_favourites = counted(
            ngettext("%(counter)s favourite", "%(counter)s favourites", favourites), favourites
        )
        out.append(
            f'<a class="act" href="{path}">{shown_replies}</a> '
            f'<span class="muted">{shown_boosts} · {shown_favourites}</span>'
        )
    edited = ""
    if post.edited_at:
        edited_words = escape(gettext("Edited"))
        edited = f'<a href="{path}/history">{edited_words}</a> · '
    shown = escape(gettext(VISIBILITY.get(post.visibility, VISIBILITY["direct"])))
    out.append(f' <span class="muted visibility">{edited}{shown}</span>')
    if page.viewer is not None:
        out.append(_more_menu(card, page, path))
    out.append("</footer>")
    return "".join(out)


def _more_menu(card: PostCard, page: Page, path: str) -> str:
    post = card.post
    more, open_thread = escape(gettext("More actions")), escape(gettext("Open the thread"))
    out = [
        f'<details class="post-more"><summary aria-label="{more}">{icons.icon("more")}'
        f'</summary><ul class="post-more-menu"><li><a href="{path}">{open_thread}</a></li>'
    ]
    if card.own:
        edit = escape(gettext("Edit"))
        out.append(f'<li><a href="{path}/edit">{edit}</a></li>')
        if card.can_boost:
            if card.pinned:
                verb, words = "unpin", gettext("Unpin from profile")
            else:
                verb, words = "pin", gettext("Pin to profile")
            out.append(
                f'<li><button type="submit" form="post-actions" formaction="/posts/{post.id}/{verb}" '
                f'aria-pressed="{_pressed(card.pinned)}">{escape(words)}</button></li>'
            )
        back = escape(quote(page.full_path, safe="/"))
        delete = escape(gettext("Delete"))
        out.append(
            f'<li class="separated"><a class="danger delete" href="/posts/{post.id}/delete?next={back}" '
            f"data-confirm-dialog>{delete}</a></li>"
        )
    else:
        report = escape(gettext("Report"))
        out.append(
            f'<li class="separated"><a class="report danger" href="/report/{post.account_id}?post={post.id}">'
            f"{report}</a></li>"
        )
    out.append("</ul></details>")
    return "".join(out)
