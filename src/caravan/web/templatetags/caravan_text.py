"""Template filters for text from elsewhere: names isolated from the sentence around them, links only to
http(s) addresses."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from caravan.untrusted import http_url, without_bidi_controls

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
