"""The icons: each page carries a small reference into one sprite file, and that file holds every shape."""

from pathlib import Path

import caravan
from caravan.web import icons

SPRITE_FILE = Path(caravan.__file__).resolve().parent / "web" / "static" / "caravan" / "icons.svg"


def test_the_sprite_file_holds_every_shape_as_icons_py_makes_it():
    # The file is committed (no build step); a shape changed in icons.py without remaking it fails here.
    # To remake it: PYTHONPATH=src python -c "from caravan.web.icons import sprite; print(sprite(), end='')" >
    # src/caravan/web/static/caravan/icons.svg
    assert SPRITE_FILE.read_text() == icons.sprite()
    for name in icons.SHAPES:
        assert f'<symbol id="{name}" ' in SPRITE_FILE.read_text()


def test_an_icon_is_a_reference_into_the_sprite_hidden_from_readers():
    markup = str(icons.icon("boost"))
    assert markup.startswith('<svg class="icon" aria-hidden="true"')
    assert '<use href="/static/caravan/icons.svg#boost"></use>' in markup
    assert len(markup) < 160  # the shape's own bytes stay in the sprite
