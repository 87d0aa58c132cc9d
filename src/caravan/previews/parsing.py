"""Reading what a page says about itself: OpenGraph and Twitter meta tags, the oEmbed link, the title, the
language; and reading an oEmbed answer. Pure functions over bytes already fetched; everything returned is plain
text or an http(s) URL (`untrusted.http_url`), never markup from the page."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin

import orjson
from django.utils.dateparse import parse_datetime
from django.utils.html import escape

from caravan.untrusted import http_url, without_bidi_controls

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def plain(text: str | None, limit: int) -> str:
    """Text from elsewhere as one plain line: bidi controls and other control characters out, runs of
    whitespace as one space, at most `limit` characters."""
    text = without_bidi_controls(text or "")
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")
    return _SPACES.sub(" ", text).strip()[:limit]


@dataclass
class PageFacts:
    """What a page said about itself, before any image or oEmbed is fetched."""

    title: str = ""
    description: str = ""
    type: str = "link"
    site_name: str = ""
    image: str = ""
    image_alt: str = ""
    author: str = ""
    language: str = ""
    published_at: datetime | None = None
    oembed_url: str = ""
    meta: dict[str, str] = field(default_factory=dict)


class _HeadReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self.in_title = False
        self.oembed = ""
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "html" and not self.lang:
            self.lang = values.get("lang", "")
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])  # the first one counts
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            kind = values.get("type", "").lower()
            if "alternate" in rels and kind in ("application/json+oembed", "text/json+oembed"):
                self.oembed = self.oembed or values.get("href", "")
        elif tag == "title" and not self.title:
            self.in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)


def decode_page(body: bytes, content_type: str) -> str:
    """The page as text: the charset of the Content-Type, else of a meta tag, else UTF-8; bad bytes replaced."""
    charset = ""
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]{1,40})", content_type or "", re.IGNORECASE)
    if match:
        charset = match.group(1)
    else:
        found = _CHARSET.search(body[:4096])
        if found:
            charset = found.group(1).decode("ascii")
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def read_page(body: bytes, content_type: str, page_url: str) -> PageFacts:
    """The facts of an HTML page fetched from `page_url` (relative image and oEmbed links resolved)."""
    reader = _HeadReader()
    try:
        reader.feed(decode_page(body, content_type))
        reader.close()
    except Exception:  # a page html.parser cannot read has nothing to show
        return PageFacts()
    meta = reader.meta

    def first(*keys: str) -> str:
        return next((meta[key] for key in keys if meta.get(key, "").strip()), "")

    def absolute(value: str) -> str:
        return http_url(urljoin(page_url, value.strip())) if value.strip() else ""

    published = first("article:published_time", "og:article:published_time")
    og_type = first("og:type").lower()
    return PageFacts(
        title=plain(first("og:title", "twitter:title") or "".join(reader.title), 300),
        description=plain(first("og:description", "twitter:description", "description"), 1000),
        type="video" if og_type.startswith("video") else "link",
        site_name=plain(first("og:site_name", "application-name"), 200),
        image=absolute(first("og:image", "og:image:url", "og:image:secure_url", "twitter:image")),
        image_alt=plain(first("og:image:alt", "twitter:image:alt"), 1500),
        author=plain(first("author", "article:author", "twitter:creator"), 200),
        language=plain(first("og:locale") or reader.lang, 16).replace("_", "-").split("-")[0].lower(),
        published_at=_date(published),
        oembed_url=absolute(reader.oembed),
        meta=meta,
    )


def _date(value: str) -> datetime | None:
    try:
        return parse_datetime(value.strip()) if value else None
    except ValueError:
        return None


@dataclass
class OEmbedFacts:
    type: str = ""
    title: str = ""
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    thumbnail_url: str = ""
    width: int = 0
    height: int = 0
    html: str = ""
    embed_url: str = ""


class _FirstIframe(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.src = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe" and not self.src:
            self.src = dict(attrs).get("src") or ""


def _size(value: object) -> int:
    try:
        number = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number <= 4000 else 0


def read_oembed(body: bytes) -> OEmbedFacts:
    """An oEmbed JSON answer. Its `html` is never kept as written: only the address of its first iframe, if an
    https one, which Caravan writes into an iframe of its own (sandboxed, no other attributes)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return OEmbedFacts()
    if not isinstance(data, dict):
        return OEmbedFacts()
    kind = str(data.get("type") or "").lower()
    width, height = _size(data.get("width")), _size(data.get("height"))
    facts = OEmbedFacts(
        type=kind if kind in ("photo", "video", "rich", "link") else "",
        title=plain(str(data.get("title") or ""), 300),
        author_name=plain(str(data.get("author_name") or ""), 200),
        author_url=http_url(data.get("author_url")),
        provider_name=plain(str(data.get("provider_name") or ""), 200),
        provider_url=http_url(data.get("provider_url")),
        thumbnail_url=http_url(data.get("thumbnail_url")),
        width=width,
        height=height,
    )
    if kind == "photo":
        facts.embed_url = http_url(data.get("url"))
    elif kind in ("video", "rich") and isinstance(data.get("html"), str):
        finder = _FirstIframe()
        try:
            finder.feed(data["html"][:100_000])
        except Exception:  # unreadable markup embeds nothing
            finder.src = ""
        src = http_url(finder.src)
        if src.startswith("https://"):
            facts.embed_url = src
            facts.html = (
                f'<iframe src="{escape(src)}" width="{width or 480}" height="{height or 270}" '
                'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" '
                'allowfullscreen="true" frameborder="0"></iframe>'
            )
    return facts
