"""Turning what a local user typed into the HTML Mastodon clients expect, and counting its length.

The renderer links URLs, @mentions and #hashtags and escapes everything else; it never passes raw HTML through.
Remote HTML takes the other path: `sanitize_html`, which every face also applies to whatever HTML it emits.
"""

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3
from django.conf import settings

from caravan.untrusted import http_url

URL_RE = r"https?://[^\s<>\"'\u200b]+"
MENTION_RE = (
    r"(?<![\w/@])@(?P<username>[A-Za-z0-9_]+(?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@(?P<domain>[\w.-]+\w))?"
)
HASHTAG_RE = r"(?<![\w/&#])#(?P<tag>[\w·]*[^\W\d][\w·]*)"
TOKEN_RE = re.compile(f"(?P<url>{URL_RE})|(?P<mention>{MENTION_RE})|(?P<hashtag>{HASHTAG_RE})", re.UNICODE)
TRAILING_PUNCTUATION = ".,;:!?)]}'\"،؛؟"


def normalize_tag(name: str) -> str:
    """Hashtags match whatever their case or Unicode form."""
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass
class MentionedAccount:
    username: str
    domain: str  # "" for local
    account: object | None = None  # the resolved Account, when known


@dataclass
class RenderedText:
    html: str
    mentions: list = field(default_factory=list)  # resolved Account objects, in order, unique
    tags: list[str] = field(default_factory=list)  # display forms, unique by normalized form


def _split_url(raw: str) -> tuple[str, str]:
    trimmed = raw.rstrip(TRAILING_PUNCTUATION)
    # keep a closing parenthesis that balances one inside the URL (Wikipedia links)
    while raw[len(trimmed) : len(trimmed) + 1] == ")" and trimmed.count("(") > trimmed.count(")"):
        trimmed += ")"
    return trimmed, raw[len(trimmed) :]


def _link_html(url: str) -> str:
    match = re.match(r"(https?://)(?:www\.)?(.*)", url)
    scheme, rest = (match.group(1), match.group(2)) if match else ("", url)
    visible, hidden = rest[:30], rest[30:]
    ellipsis_class = "ellipsis" if hidden else ""
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="nofollow noopener noreferrer">'
        f'<span class="invisible">{html.escape(scheme)}</span>'
        f'<span class="{ellipsis_class}">{html.escape(visible)}</span>'
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


def render_text(text: str, resolve_mention: Callable[[str, str], object | None]) -> RenderedText:
    """Render `text` to HTML. `resolve_mention(username, domain)` returns an Account or None."""
    result = RenderedText(html="")
    seen_mentions: set[int] = set()
    seen_tags: set[str] = set()

    def render_inline(segment: str) -> str:
        out: list[str] = []
        pos = 0
        for match in TOKEN_RE.finditer(segment):
            out.append(html.escape(segment[pos : match.start()], quote=False))
            pos = match.end()
            if match.group("url"):
                url, rest = _split_url(match.group("url"))
                out.append(_link_html(url) + html.escape(rest, quote=False))
            elif match.group("mention"):
                username, domain = match.group("username"), (match.group("domain") or "").lower()
                if domain == settings.DOMAIN.lower():
                    domain = ""
                account = resolve_mention(username, domain)
                if account is None:
                    out.append(html.escape(match.group(0), quote=False))
                    continue
                if account.id not in seen_mentions:
                    seen_mentions.add(account.id)
                    result.mentions.append(account)
                href = html.escape(http_url(account.url) or account.uri, quote=True)
                out.append(
                    f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">'
                    f"@<span>{html.escape(account.username)}</span></a></span>"
                )
            else:
                tag = match.group("tag")
                key = normalize_tag(tag)
                if key not in seen_tags:
                    seen_tags.add(key)
                    result.tags.append(tag)
                href = html.escape(f"{settings.BASE_URL}/tags/{key}", quote=True)
                out.append(
                    f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{html.escape(tag)}</span></a>'
                )
        out.append(html.escape(segment[pos:], quote=False))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    result.html = "".join(
        "<p>" + "<br />".join(render_inline(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return result


def count_characters(text: str) -> int:
    """Length as Mastodon counts it: every URL is 23 characters, a remote mention counts only its @username."""
    per_url = settings.CARAVAN["CHARS_PER_URL"]
    counted = re.sub(URL_RE, "x" * per_url, text)
    counted = re.sub(MENTION_RE, lambda m: "@" + m.group("username"), counted)
    return len(counted)


ALLOWED_TAGS = {
    "p",
    "br",
    "span",
    "a",
    "del",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "translate"},
    "span": {"translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
ALLOWED_CLASSES = {
    "a": {"mention", "hashtag", "u-url", "h-card", "ellipsis", "invisible"},
    "span": {"h-card", "invisible", "ellipsis", "mention"},
}


# Mastodon also keeps dat:, ipfs:, magnet:, xmpp: and a few more; links from elsewhere here are http(s) only, as
# every other URL from elsewhere (issue 8). The text of any other link stays.
LINK_SCHEMES = {"http", "https"}

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    # Our own links open in a new tab; nothing else may be set on `target`.
    tag_attribute_values={"a": {"target": {"_blank"}}},
    url_schemes=LINK_SCHEMES,
    # A relative link would point into this server ("/settings/delete") while looking like the author's.
    url_relative="deny",
    link_rel="nofollow noopener noreferrer",
    allowed_classes=ALLOWED_CLASSES,
)


def sanitize_html(value: str) -> str:
    """HTML reduced to what Mastodon keeps: no scripts, styles, images or event handlers, and links only to
    absolute http(s) URLs. For remote HTML when stored, and for any HTML when emitted."""
    return _CLEANER.clean(value or "")


def profile_field_html(value: str, *, local: bool) -> str:
    """A profile field's value as HTML. A local value is what its owner typed (text, URLs made links); a
    remote one is HTML from its server."""
    if not local:
        return sanitize_html(value)
    out: list[str] = []
    pos = 0
    for match in re.finditer(URL_RE, value or ""):
        url, rest = _split_url(match.group(0))
        out.append(html.escape(value[pos : match.start()], quote=False))
        out.append(_link_html(url) + html.escape(rest, quote=False))
        pos = match.end()
    out.append(html.escape((value or "")[pos:], quote=False))
    return "".join(out)


def markup_free(text: str) -> str:
    """Plain text (a content warning) that stays text when a reader takes it for HTML, as some servers do with
    `summary`: a `<` that could open a tag is escaped; "<3", "a < b" and "Q&A" are left alone."""
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text or "")


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment, for search and previews."""
    value = re.sub(r"<br\s*/?>", "\n", value or "")
    value = re.sub(r"</p>\s*<p>", "\n\n", value)
    value = re.sub(r"<[^>]+>", "", value)
    return html.unescape(value).strip()
