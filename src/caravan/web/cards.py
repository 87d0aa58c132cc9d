"""What a page needs to show a post or an account: the post, its original if it is a boost, the viewer's own
state (favourited, boosted, bookmarked, voted) and poll results, gathered in a fixed number of queries.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from caravan.accounts.models import Account
from caravan.filters.services import ActiveFilters, filterable_text
from caravan.posts.models import Post, Quote
from caravan.posts.rendering import profile_field_html, sanitize_html
from caravan.posts.selectors import ViewerState, quote_views, viewer_state
from caravan.posts.visibility import readable_among
from caravan.previews.models import PreviewCard
from caravan.previews.selectors import cards_for_posts
from caravan.publishing import quoting
from caravan.untrusted import http_url, without_bidi_controls


def avatar_url(account: Account) -> str:
    if account.avatar:
        return account.avatar.url
    return http_url(account.avatar_remote_url) or static("caravan/avatar.svg")


def header_url(account: Account) -> str:
    if account.header:
        return account.header.url
    return http_url(account.header_remote_url)


def profile_fields(account: Account) -> list[tuple[str, SafeString]]:
    """(name, value as safe HTML) for each profile field: local values are text, remote ones cleaned HTML."""
    return [
        (
            without_bidi_controls(str(item.get("name", ""))),
            local_links(profile_field_html(str(item.get("value", "")), local=account.is_local)),
        )
        for item in account.fields or []
        if isinstance(item, dict)
    ]


@dataclass
class MediaView:
    """An attachment as a page links and shows it; `href` and `src` are "" when there is nothing safe."""

    href: str
    src: str
    description: str
    width: int | None
    height: int | None


@dataclass
class ReplyView:
    """The post a reply answers, as far as the viewer may read it: its author's handle and its page."""

    handle: str
    path: str


@dataclass
class LinkView:
    """A post's link card as a page shows it: plain text (escaped and isolated by the template), http(s) URLs
    only; `image` is Caravan's own re-encoded copy."""

    url: str
    title: str
    description: str
    provider: str
    image: str
    image_description: str
    language: str


def link_view(card: PreviewCard | None) -> LinkView | None:
    url = http_url(card.url) if card is not None else ""
    if not url:
        return None
    return LinkView(
        url=url,
        title=card.title,
        description=card.description,
        provider=card.provider_name or (urlsplit(url).hostname or ""),
        image=card.image.url if card.image else "",
        image_description=card.image_description,
        language=card.language,
    )


def media_view(item) -> MediaView:
    remote = http_url(item.remote_url)
    href = item.file.url if item.file else remote
    src = item.thumbnail.url if item.thumbnail else href
    return MediaView(href, src, item.description, item.thumbnail_width, item.thumbnail_height)


def post_path(post: Post) -> str:
    """Where this server shows a post: /@user/<id> for local authors, /@user@domain/<id> for remote ones."""
    return f"/@{post.account.acct}/{post.id}"


EMOJI_CODE = re.compile(r":[A-Za-z0-9_]{1,64}:")
# Opening tags that get their own direction. Cleaned HTML never carries `dir` (the cleaner drops it) and escapes
# `<` and `>` inside attribute values, so a tag's end is its first `>`.
OWN_DIRECTION_TAG = re.compile(r"<(p|li|blockquote|h[1-6]|a)(?=[\s>])")


# Numbers the bidi algorithm would break up in right-to-left text: a leading "+" ("+966" would show "966+") and
# digit groups joined by spaces (a phone number's groups would show in reverse order).
SPACED_NUMBER = re.compile(r"\+\d+(?:[ \u00a0]\d+)*|\d+(?:[ \u00a0]\d+)+")


def _isolate_numbers(html: str) -> str:
    parts = re.split(r"(<[^>]*>)", html)
    in_link = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            if re.match(r"<a[\s>]", part):
                in_link += 1
            elif part.startswith("</a"):
                in_link = max(0, in_link - 1)
        elif part and not in_link:
            parts[index] = SPACED_NUMBER.sub(r'<span class="number" dir="ltr">\g<0></span>', part)
    return "".join(parts)


def with_own_directions(html: str) -> str:
    """Cleaned post HTML laid out as its author wrote it, whatever the page's language: each paragraph (list
    item, quote, heading) takes the direction of its own first strong letter (`dir="auto"`), and each link,
    mention and hashtag is isolated with its own direction. The `dir=auto` rule skips elements that have `dir`,
    so an Arabic reply that starts with "@omar" is right to left, an English one left to right, and "@omar"
    reads "@omar" in both. Phone-like numbers ("+966 55 123 4567") are kept left to right in one piece.
    For the web pages only: the HTML stored and sent to clients stays as it was."""
    return _isolate_numbers(OWN_DIRECTION_TAG.sub(r'<\1 dir="auto"', html))


def local_links(html: str, emojis: list[dict] | None = None) -> SafeString:
    """Stored HTML, cleaned again (rows stored under older rules are safe too), with mentions and tags linked by
    BASE_URL made relative so they work on whatever host serves us, and each paragraph and link given its own
    direction (`with_own_directions`). A remote post's custom emoji (:shortcode:)
    become small images, their http(s) URLs escaped."""
    html = with_own_directions(sanitize_html(html).replace(f'href="{settings.BASE_URL}/', 'href="/'))
    if emojis:
        images = {
            f":{e['shortcode']}:": (
                f'<img class="emoji" src="{escape(url)}" alt=":{escape(e["shortcode"])}:" '
                'width="20" height="20" loading="lazy">'
            )
            for e in emojis
            if (url := http_url(e.get("url")))
        }
        # Only in text between tags, never inside a tag's attributes.
        parts = re.split(r"(<[^>]*>)", html)
        for index, part in enumerate(parts):
            if not part.startswith("<"):
                parts[index] = EMOJI_CODE.sub(lambda m: images.get(m.group(0), m.group(0)), part)
        html = "".join(parts)
    return mark_safe(html)  # noqa: S308 - rendered or sanitized; emoji parts escaped above


@dataclass
class PollOption:
    title: str
    votes: int
    percent: int
    chosen: bool


@dataclass
class PollCard:
    id: int
    multiple: bool
    expired: bool
    voted: bool
    can_vote: bool
    voters: int
    options: list[PollOption] = field(default_factory=list)
    expires_at: object = None


@dataclass
class QuoteCard:
    """What a post quotes, as the viewer may see it: the quoted post's card only when the quote is accepted and
    the viewer may read it; otherwise the state alone (and a legacy quote's address, as a link)."""

    state: str
    card: "PostCard | None"
    link: str
    revocable: bool  # the viewer wrote the quoted post and may take it back


@dataclass
class PostCard:
    post: Post  # the original, when `boosted_by` is set
    boosted_by: Account | None
    boost_id: int | None
    path: str
    content: SafeString
    avatar: str
    media: list[MediaView]
    poll: PollCard | None
    favourited: bool
    reblogged: bool
    bookmarked: bool
    pinned: bool
    own: bool
    can_boost: bool
    link: LinkView | None = None
    can_quote: bool = False
    quote: QuoteCard | None = None
    filtered: list[str] = field(default_factory=list)  # titles of matching warn (or blur) filters
    # What a reply answers; None when it answers nothing or the viewer may not read the parent.
    reply_to: ReplyView | None = None

    @property
    def id(self) -> int:
        return self.post.id

    @property
    def filtered_title(self) -> str:
        return ", ".join(self.filtered)


def _poll_card(post: Post, state: ViewerState, viewer: Account | None) -> PollCard | None:
    poll = getattr(post, "poll", None)
    if poll is None:
        return None
    chosen = state.poll_votes.get(post.id, [])
    expired = bool(poll.expires_at and poll.expires_at <= timezone.now())
    # Multiple-choice polls count people, not votes, as the share's denominator (as Mastodon does).
    total = (poll.voters_count or poll.votes_count) if poll.multiple else poll.votes_count
    options = []
    for index, option in enumerate(poll.options):
        votes = int(option.get("votes_count") or 0)
        options.append(
            PollOption(
                option.get("title", ""), votes, round(100 * votes / total) if total else 0, index in chosen
            )
        )
    own = viewer is not None and viewer.id == post.account_id
    return PollCard(
        id=poll.id,
        multiple=poll.multiple,
        expired=expired,
        voted=bool(chosen),
        can_vote=viewer is not None and not own and not expired and not chosen,
        voters=poll.voters_count or poll.votes_count,
        options=options,
        expires_at=poll.expires_at,
    )


def _quote_cards(originals: list[Post], viewer: Account | None) -> dict[int, QuoteCard]:
    """The quotes of these posts, read through the visibility rule (`posts.selectors.quote_views`); a quoted
    post is shown one level deep, never its own quote."""
    views = quote_views(viewer, [p.id for p in originals])
    if not views:
        return {}
    rows = {
        q.post_id: q
        for q in Quote.objects.filter(post_id__in=list(views)).only(
            "post_id", "quoted_uri", "legacy", "quoted_account_id"
        )
    }
    shown = [view.quoted for view in views.values() if view.quoted is not None]
    nested = {card.post.id: card for card in post_cards(shown, viewer, with_quotes=False)}
    quotes = {}
    for post_id, view in views.items():
        row = rows[post_id]
        quotes[post_id] = QuoteCard(
            state=view.state,
            card=nested.get(view.quoted.id) if view.quoted is not None else None,
            link=http_url(row.quoted_uri) if row.legacy else "",
            revocable=viewer is not None
            and row.quoted_account_id == viewer.id
            and view.state in ("accepted", "pending"),
        )
    return quotes


def _can_quote(post: Post, viewer: Account | None) -> bool:
    if viewer is None:
        return False
    if post.account_id == viewer.id:
        return True
    return post.visibility in ("public", "unlisted") and quoting.decide(post, viewer) != quoting.REJECT


def _reply_views(originals: list[Post], viewer: Account | None) -> dict[int, ReplyView]:
    """What each reply answers, keyed by the parent's id: one query for the whole page, through the visibility
    rule, so a reply to a post the viewer may not read names nobody."""
    on_page = {item.id: item for item in originals}  # read through the rule already (the callers' contract)
    views = {
        item.in_reply_to_id: ReplyView(handle=parent.account.handle, path=post_path(parent))
        for item in originals
        if (parent := on_page.get(item.in_reply_to_id)) is not None
    }
    # A thread page holds every parent it shows; a timeline reads the parents it does not hold in one plain query
    # and asks the rule in its batch form (public parents cost one query for blocks, not the whole rule).
    missing = {item.in_reply_to_id for item in originals if item.in_reply_to_id} - set(views)
    if missing:
        parents = list(
            Post.objects.filter(id__in=missing, reblog_of__isnull=True)
            .select_related("account")
            .only(
                "id",
                "visibility",
                "reblog_of_id",
                "account__username",
                "account__domain",
                "account__suspended_at",
                "account__limited_at",
            )
        )
        readable = readable_among(parents, viewer)
        for parent in parents:
            if parent.id in readable:
                views[parent.id] = ReplyView(handle=parent.account.handle, path=post_path(parent))
    return views


def post_cards(
    posts: list[Post],
    viewer: Account | None,
    *,
    with_quotes: bool = True,
    context: str | None = None,
    compact: frozenset[int] = frozenset(),
) -> list[PostCard]:
    """Cards for posts already filtered by visibility (selectors do that); never widens what is shown.

    With a filter `context` (home, public, thread, account, notifications), the viewer's filters apply as in
    the API: a post a "hide" filter matches is left out, one a "warn" filter matches carries its titles.
    Posts whose ids are in `compact` are shown without their link card, quote and reply line (a notification
    about one's own post), so those are not read for them."""
    filters = ActiveFilters(viewer, context)
    verdicts: dict[int, list] = {}
    if filters:
        for item in posts:
            original = item.reblog_of if item.reblog_of_id else item
            verdicts[item.id] = filters.matches(original.id, filterable_text(original))
        posts = [item for item in posts if not any(m.hides for m in verdicts[item.id])]
    state = viewer_state(viewer, posts)
    originals = [item.reblog_of if item.reblog_of_id else item for item in posts]
    detailed = [item for item in originals if item.id not in compact]
    links = cards_for_posts([item.id for item in detailed]) if detailed else {}
    quotes = _quote_cards(detailed, viewer) if with_quotes and detailed else {}
    replies = _reply_views(detailed, viewer) if detailed else {}
    cards = []
    for item in posts:
        original = item.reblog_of if item.reblog_of_id else item
        own = viewer is not None and original.account_id == viewer.id
        cards.append(
            PostCard(
                post=original,
                boosted_by=item.account if item.reblog_of_id else None,
                boost_id=item.id if item.reblog_of_id else None,
                path=post_path(original),
                content=local_links(original.content, original.emojis),
                avatar=avatar_url(original.account),
                media=[media_view(m) for m in original.attached("media_attachments")],
                poll=_poll_card(original, state, viewer),
                favourited=original.id in state.favourited,
                reblogged=original.id in state.reblogged,
                bookmarked=original.id in state.bookmarked,
                pinned=original.id in state.pinned,
                own=own,
                can_boost=original.visibility in ("public", "unlisted"),
                link=link_view(links.get(original.id)),
                can_quote=with_quotes and _can_quote(original, viewer),
                quote=quotes.get(original.id),
                filtered=[m.filter.title for m in verdicts.get(item.id, ())],
                reply_to=replies.get(original.in_reply_to_id) if original.in_reply_to_id else None,
            )
        )
    return cards
