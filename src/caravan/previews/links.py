"""Which link of a post gets a card, and the one spelling of a URL that cards are kept under. Pure functions."""

from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

from caravan.untrusted import http_url


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str, str]] = []  # (href, class, rel)
        self._text: list[str] | None = None
        self.texts: list[str] = []
        # Inside Mastodon's `quote-inline` fallback ("RE: <link to the quoted post>"): links there are skipped.
        self._quote_tag = ""
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if self._quote_depth:
            self._quote_depth += tag == self._quote_tag
            return
        if "quote-inline" in values.get("class", "").split():
            self._quote_tag, self._quote_depth = tag, 1
            return
        if tag == "a":
            self.anchors.append((values.get("href", ""), values.get("class", ""), values.get("rel", "")))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._quote_depth:
            self._quote_depth -= tag == self._quote_tag
            return
        if tag == "a" and self._text is not None:
            self.texts.append("".join(self._text))
            self._text = None


def first_link(content_html: str, media_urls: set[str] | frozenset[str] = frozenset()) -> str:
    """The first link of a post's HTML that deserves a card, normalized; "" when there is none. Mentions and
    hashtags are skipped (by class, rel=tag, or text starting with @ or #, as Mastodon's FetchLinkCardService),
    and so are the link to a quoted post (Mastodon's `quote-inline` paragraph), links to the post's own media and
    anything but http(s)."""
    parser = _Anchors()
    try:
        parser.feed(content_html or "")
        parser.close()
    except Exception:  # html.parser raises on nothing documented, but this is text from elsewhere
        return ""
    texts = parser.texts + [""] * (len(parser.anchors) - len(parser.texts))
    for (href, css, rel), text in zip(parser.anchors, texts, strict=False):
        classes, rels = css.split(), rel.split()
        if {"mention", "hashtag", "u-url"} & set(classes) or "tag" in rels:
            continue
        if text.strip()[:1] in ("@", "#"):
            continue
        url = normalize_url(href)
        if not url or url in media_urls or href in media_urls:
            continue
        return url
    return ""


def normalize_url(url: str) -> str:
    """The spelling a card is kept under: http(s) only, scheme and host lower-cased, default port and fragment
    dropped, an empty path as "/". "" for anything that is not an absolute http(s) URL."""
    url = http_url((url or "").strip())
    if not url or len(url) > 2000:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    scheme = parts.scheme.lower()
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))
