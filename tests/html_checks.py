"""What hostile-input tests assert on emitted HTML: a real HTML parser walks it and lists whatever a browser could
run or be sent to (event handlers, script or data URLs, style, script-capable elements)."""

import re
from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "base", "frame", "link"}
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "data"}
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


class _Collector(HTMLParser):
    def __init__(self, allow_relative: bool, allowed_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_relative = allow_relative
        self.allowed_tags = allowed_tags
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        own_script = (
            tag == "script" and self.allow_relative and (dict(attrs).get("src") or "").startswith("/static/")
        )
        # Our templates' own icons: inline SVG marked as decoration (anything inside one is still checked).
        own_icon = (
            tag == "svg"
            and self.allow_relative
            and "icon" in (dict(attrs).get("class") or "").split()
            and dict(attrs).get("aria-hidden") == "true"
        )
        if tag in DANGEROUS_TAGS and tag not in self.allowed_tags and not own_script and not own_icon:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            elif name == "style" and tag not in self.allowed_tags:
                self.problems.append(f"{tag}[style]")
            elif name in URL_ATTRIBUTES and value:
                lowered = "".join(value.split()).lower()
                if lowered.startswith(("http://", "https://")):
                    continue
                if self.allow_relative and not SCHEME.match(lowered) and not lowered.startswith("//"):
                    continue
                self.problems.append(f"{tag}[{name}={value[:40]!r}]")


def unsafe_markup(
    html: str, *, allow_relative: bool = False, allowed_tags: frozenset[str] = frozenset()
) -> list[str]:
    """Everything in `html` that could run script, style the page or link outside http(s); [] when safe.
    `allow_relative`: our own pages link to themselves (/paths, ?query); content from elsewhere may not.
    `allowed_tags`: tags our own templates use this way (the page's stylesheet link, a poll bar's style)."""
    collector = _Collector(allow_relative, set(allowed_tags))
    collector.feed(html or "")
    collector.close()
    return collector.problems
