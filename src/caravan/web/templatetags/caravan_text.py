"""Template filters for text from elsewhere (names isolated from the sentence around them, links only to http(s)
addresses) and for what the interface writes itself (numbers in the reader's digits, times as people read them:
see `web.display`)."""

from datetime import datetime

from django import template
from django.template.backends.utils import csrf_input
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from caravan.untrusted import http_url, without_bidi_controls
from caravan.web import display, icons

register = template.Library()


@register.filter
def isolate(name: object) -> SafeString:
    """A name or handle as `<bdi>`: right-to-left letters in it cannot reorder a translated sentence
    ("X followed you"), and any bidi controls it held are gone. Use inside `blocktranslate ... with`."""
    return format_html("<bdi>{}</bdi>", without_bidi_controls(str(name or "")))


@register.filter
def clean_html(html: object) -> SafeString:
    """Stored HTML (a post, an earlier version of one) cleaned for the page, as post cards show it."""
    from caravan.web.cards import local_links

    return local_links(str(html or ""))


@register.filter(name="http_url")
def http_url_filter(url: object) -> str:
    """The URL if it is absolute http(s), else "" (pair it with `default:`)."""
    return http_url(url)


@register.filter
def digits(value: object) -> object:
    """A number or date the interface shows, in the reader's digits (Western or Eastern Arabic). A count stays
    a number, so `blocktranslate count counter=n|digits` still picks the right plural. Never for user text."""
    return display.shown_digits(value)


@register.simple_tag
def when(moment: datetime | None) -> SafeString:
    """A time as people read it: "3 min", "2 h", "5 d", then the date, in the reader's zone and digits, with
    the exact local time (and the Hijri date, when chosen) on hover as the title. Empty for no time."""
    if moment is None:
        return mark_safe("")  # noqa: S308 - empty
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        display.exact_text(moment),
        display.relative_text(moment),
    )


@register.simple_tag(name="icon")
def icon_tag(name: str) -> SafeString:
    """`{% icon "boost" %}`: one of the interface's icons (`web/icons.py`), ready made."""
    return icons.icon(name)


# A page's post action buttons (boost, favourite, bookmark, pin) all submit one form through `form=` and
# `formaction=`, so forty posts carry one CSRF token, not two hundred. A post card notes that the page needs it
# (`post_html.Page.uses_post_actions`); the base template writes it once, after the content, only then.
@register.simple_tag(takes_context=True)
def post_actions_form(context) -> SafeString:
    request = context.request
    if not getattr(request, "caravan_post_actions", False):
        return mark_safe("")  # noqa: S308 - empty
    return format_html(
        '<form id="post-actions" method="post" hidden>{}<input type="hidden" name="next" value="{}"></form>',
        csrf_input(request),
        request.get_full_path(),
    )


@register.simple_tag(takes_context=True)
def post_card(context, card, focus: bool = False, compact: bool = False) -> SafeString:
    """`{% post_card card %}` (`focus=True` for a thread's opened post, `compact=True` without the actions): the
    card's HTML, made in Python by `web.post_html` (one post's markup, for every page)."""
    from caravan.web.post_html import Page, post_card_html

    page = Page(getattr(context, "request", None), context.get("viewer"), context.get("language") or "")
    return post_card_html(card, page, focus=focus, compact=compact)
