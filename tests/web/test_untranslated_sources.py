"""No words a person reads are left out of the translation catalogue, decided from the sources where that can
be decided: Python calls that show text (flash messages, form errors and labels, choice labels, error kinds,
email subjects) given a bare literal, and template text outside `{% translate %}` / `{% blocktranslate %}`.

The rendered check (`test_untranslated_pages.py`) catches what the sources cannot tell (text built at run time).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType
from django.utils.functional import Promise

import caravan
from caravan import error_codes

ROOT = Path(caravan.__file__).resolve().parent
# Pages a person reads: every app's templates (the web face's, the moving pages, the client API's OAuth pages).
TEMPLATE_FOLDERS = sorted(folder for folder in ROOT.rglob("templates") if folder.is_dir())
# Operators' tools speak English (the CLI, management commands, migrations): not read in the web pages.
NOT_SHOWN_IN_PAGES = ("migrations", "management", "cli.py", "config.py", "settings.py")

# Words that stay as they are in every language: names of things, and the formats people type.
ALLOWED_WORDS = {
    "ALT",  # the badge on described images, as every Mastodon client shows it (lang="en", hidden from readers)
    "Caravan",
    "Mastodon",
    "ActivityPub",
    "GoToSocial",
    "Misskey",
    "Pleroma",
    "Akkoma",
    "fediverse",
    "RSS",
    "Atom",
    "JSON",
    "CSV",
    "csv",
    "zip",
    "tar",
    "gz",
    "https",
    "http",
    "www",
    "QR",
    "SVG",
    "OAuth",
    "English",
    "X",
    "UTC",
    "GIF",
    "JPEG",
    "PNG",
    "WebP",
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Attributes whose values a person reads or hears.
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label", "content"}
HIDDEN_ELEMENTS = ("script", "style", "code")
MARK = "\ue000"  # stands for a variable or a tag in the text given to the HTML parser


def _latin_words(text: str) -> list[str]:
    # Addresses, handles, hashtags and placeholders (%(name)s, {name}) are not words to translate.
    text = re.sub(r"https?://\S+|@\S+|\S+@\S+|#\w+|%\(\w+\)[sd]|\{\w*\}", " ", text.replace(MARK, " "))
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS and len(word) > 1]


class _Shown(HTMLParser):
    """Collects the text and shown attributes of an HTML fragment, outside scripts, styles and code (addresses,
    keys and the like, shown as they are)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if not value or name not in SHOWN_ATTRIBUTES:
                continue
            if name == "content" and attributes.get("name") not in ("description",):
                continue  # <meta http-equiv content=...> and the like are not read
            if name == "label" and tag != "option":
                continue
            if name == "placeholder" and attributes.get("dir") == "ltr":
                continue  # an example of what a left-to-right field takes (a domain, a zone name), not a sentence
            self.found.append(value)
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.found.append(attributes["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_ELEMENTS:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.found.append(data)


def untranslated_in_template(source: str) -> list[str]:
    """The Latin words of a template that a person would read untranslated."""
    pieces: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until is not None:
                if name == skip_until:
                    skip_until = None
                continue
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                skip_until = "end" + name
            pieces.append(MARK)
        elif token.token_type == TokenType.TEXT:
            if skip_until is None:
                pieces.append(token.contents)
        elif skip_until is None:
            pieces.append(MARK)
    parser = _Shown()
    parser.feed("".join(pieces))
    parser.close()
    return [word for text in parser.found for word in _latin_words(text)]


def test_template_text_is_all_translated():
    assert {ROOT / "web" / "templates", ROOT / "moving" / "templates"} <= set(TEMPLATE_FOLDERS)
    problems = []
    for folder in TEMPLATE_FOLDERS:
        for path in sorted(folder.rglob("*.html")):
            words = untranslated_in_template(path.read_text(encoding="utf-8"))
            if words:
                problems.append(f"{path.relative_to(ROOT)}: {' '.join(dict.fromkeys(words))}")
    assert not problems, "Text outside {% translate %}:\n" + "\n".join(problems)


def test_the_template_check_finds_untranslated_words():
    """The check itself: text, shown attributes and button values are caught; translated, variable, script
    and brand text are not."""
    assert untranslated_in_template("<p>Hello <b>{{ name }}</b></p>") == ["Hello"]
    assert untranslated_in_template('<input placeholder="Search" value="{{ q }}">') == ["Search"]
    assert untranslated_in_template('<img alt="A cat" src="/x.png">') == ["cat"]
    assert (
        untranslated_in_template(
            '{% load i18n %}<p>{% translate "Hello" %} {{ x }} Mastodon · @someone https://a.example/</p>'
            "{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}<script>let word = 1;</script>"
            '<input type="hidden" name="action" value="move"><a href="/about" class="nav link">1</a>'
        )
        == []
    )


def _literal_text(node: ast.AST | None) -> bool:
    """A bare string (or f-string, or a literal formatted with %) that nobody translated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LATIN_WORD.search(node.value)) and bool(_latin_words(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _literal_text(node.left) or _literal_text(node.right)
    return False


def _call_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        owner = function.value
        prefix = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        return f"{prefix}.{function.attr}"
    return function.id if isinstance(function, ast.Name) else ""


# Calls whose text argument (position, keywords) a person reads.
SHOWN_ARGUMENTS = {
    "messages.success": (1, ()),
    "messages.error": (1, ()),
    "messages.info": (1, ()),
    "messages.warning": (1, ()),
    "messages.add_message": (2, ()),
    "ValidationError": (0, ("message",)),
    "forms.ValidationError": (0, ("message",)),
    "self.add_error": (1, ("error",)),
    "form.add_error": (1, ("error",)),
    "ErrorKind": (1, ("message",)),
    "mail.send": (1, ("subject",)),
}
# Keywords that name shown text in any call (form fields, model fields' labels).
SHOWN_KEYWORDS = {"label", "help_text", "verbose_name", "empty_label", "subject"}


def _parse(source: str) -> ast.Module:
    """`ast.parse`, asked once more after CPython 3.11's spurious "AST constructor recursion depth mismatch"
    (python/cpython#106905: the depth is kept per interpreter, and a thread left over from an earlier test
    parsing at the same moment upsets it; it failed one CI run on a file nobody had changed)."""
    try:
        return ast.parse(source)
    except SystemError:
        return ast.parse(source)


def untranslated_in_python(source: str) -> list[tuple[int, str]]:
    """(line, what) for each bare literal in a place a person reads it."""
    problems = []
    tree = _parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            position, keywords = SHOWN_ARGUMENTS.get(name, (None, ()))
            if position is not None and len(node.args) > position and _literal_text(node.args[position]):
                problems.append((node.lineno, name))
            for keyword in node.keywords:
                if (keyword.arg in keywords or keyword.arg in SHOWN_KEYWORDS) and _literal_text(
                    keyword.value
                ):
                    problems.append((node.lineno, f"{name}({keyword.arg}=)"))
                if (
                    keyword.arg == "error_messages"
                    and isinstance(keyword.value, ast.Dict)
                    and any(_literal_text(value) for value in keyword.value.values)
                ):
                    problems.append((node.lineno, f"{name}(error_messages=)"))
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(base, (ast.Attribute, ast.Name))
            and (base.attr if isinstance(base, ast.Attribute) else base.id)
            in ("TextChoices", "IntegerChoices")
            for base in node.bases
        ):
            # A choice's label is what get_FOO_display() and forms show.
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Tuple)
                    and len(statement.value.elts) == 2
                    and _literal_text(statement.value.elts[1])
                ):
                    problems.append((statement.lineno, f"{node.name} label"))
    return problems


def test_python_sources_mark_shown_text_for_translation():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if any(part in NOT_SHOWN_IN_PAGES for part in relative.parts):
            continue
        for line, what in untranslated_in_python(path.read_text(encoding="utf-8")):
            problems.append(f"{relative}:{line}: {what}")
    assert not problems, "Shown text not marked for translation:\n" + "\n".join(problems)


def test_the_python_check_finds_bare_literals():
    found = untranslated_in_python(
        "messages.success(request, 'Saved.')\n"
        "messages.success(request, _('Saved.'))\n"
        "raise ValidationError(f'Too long: {n}')\n"
        "name = forms.CharField(label='Your name')\n"
        "class Kind(models.TextChoices):\n    A = 'a', 'Apples'\n    B = 'b', _('Bananas')\n"
    )
    assert sorted(line for line, _ in found) == [1, 3, 4, 6]


def test_every_error_kind_message_is_translated():
    """Every kind in the catalogue carries a lazily translated message (rendered in the reader's language), but
    for a bare placeholder filled with text already in the reader's language (Django's password reasons)."""
    kinds = [value for value in vars(error_codes).values() if isinstance(value, error_codes.ErrorKind)]
    assert len(kinds) > 100
    bare = [
        kind.code for kind in kinds if not isinstance(kind.message, Promise) and _latin_words(kind.message)
    ]
    assert not bare, f"error kinds whose message is not marked for translation: {bare}"


def test_djangos_own_messages_that_people_read_are_in_arabic():
    """Password rules and form field errors come from Django; those its Arabic catalogue lacks are in ours
    (caravan/django_words.py), and each is still Django's wording."""
    from django import forms
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    class Form(forms.Form):
        name = forms.CharField(max_length=3)
        site = forms.URLField(assume_scheme="https")
        count = forms.IntegerField(min_value=1)

    with translation.override("ar"):
        messages = []
        for password in ("short", "password", "12345678901"):
            try:
                validate_password(password)
            except ValidationError as error:
                messages.extend(error.messages)
        form = Form({"name": "long", "site": "not a url", "count": "0"})
        messages.extend(message for errors in form.errors.values() for message in errors)
        messages.extend(Form({}).errors["name"])
    assert len(messages) >= 6
    assert [message for message in messages if _latin_words(message)] == []

    import polib
    from django.conf import locale

    django_msgids = {
        entry.msgid for entry in polib.pofile(str(Path(locale.__file__).parent / "en/LC_MESSAGES/django.po"))
    }
    django_msgids |= {
        entry.msgid
        for entry in polib.pofile(
            str(Path(validate_password.__code__.co_filename).parent / "locale/en/LC_MESSAGES/django.po")
        )
    }
    ours = ast.parse((ROOT / "django_words.py").read_text(encoding="utf-8"))
    marked = [
        node.args[0].value
        for node in ast.walk(ours)
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
    ]
    assert marked and set(marked) <= django_msgids
