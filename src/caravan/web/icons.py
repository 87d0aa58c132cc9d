"""The interface's icons: inline SVG, hidden from assistive technology (the button or link around one has the
name). Each is a small reference into one sprite file, made once per name, so a page with forty posts
pays neither a template nor the shapes' bytes per icon."""

from functools import cache

from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

SHAPES = {
    "home": '<path d="M3 11l9-8 9 8"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
    "bell": '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0"/>',
    "explore": '<circle cx="12" cy="12" r="9"/><path d="M15.5 8.5l-2 5-5 2 2-5z"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="M20 20l-4-4"/>',
    "more": '<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/><circle cx="19" cy="12" r="1.5"/>',
    "profile": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "write": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13 7l4 4"/>',
    "reply": '<path d="M10 8L4 13l6 5"/><path d="M4 13h10a6 6 0 0 1 6 6"/>',
    "boost": '<path d="M4 9l3-3 3 3"/><path d="M7 6v9a3 3 0 0 0 3 3h7"/><path d="M20 15l-3 3-3-3"/><path d="M17 18V9a3 3 0 0 0-3-3H9"/>',
    "favourite": '<path d="M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z"/>',
    "bookmark": '<path d="M6 3h12v18l-6-4-6 4z"/>',
    "quote": '<path d="M7 7h4v4c0 3-2 5-4 6"/><path d="M14 7h4v4c0 3-2 5-4 6"/>',
    "sign-in": '<path d="M10 17l5-5-5-5"/><path d="M15 12H3"/><path d="M14 3h6v18h-6"/>',
    "local": '<path d="M12 21s-7-6-7-11a7 7 0 0 1 14 0c0 5-7 11-7 11z"/><circle cx="12" cy="10" r="2.5"/>',
}

# Icons that point along the line of text (an arrow back to the post, into the door, the opening quote mark):
# a right-to-left page draws them mirrored (`[dir=rtl] .icon.directional` in the stylesheet).
DIRECTIONAL = frozenset({"reply", "sign-in", "quote"})

SPRITE = "caravan/icons.svg"  # in web/static: every shape as a <symbol>, made from SHAPES by sprite()


def sprite() -> str:
    """The sprite file's text: one `<symbol>` a shape. `tests/web/test_icons.py` checks the file matches."""
    symbols = "".join(
        f'<symbol id="{name}" viewBox="0 0 24 24">{shape}</symbol>' for name, shape in SHAPES.items()
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg">{symbols}</svg>\n'


@cache
def icon(name: str) -> SafeString:
    """The icon as a reference into the sprite (about 130 bytes where the shape itself was 300; the browser
    fetches the sprite once). An unknown name is a programming error, so it fails loudly. Stroke and fill come
    from the `.icon` rule in the stylesheet."""
    if name not in SHAPES:
        raise KeyError(name)
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false" width="22" height="22">'
        '<use href="{}#{}"></use></svg>',
        "icon directional" if name in DIRECTIONAL else "icon",
        static(SPRITE),
        name,
    )
