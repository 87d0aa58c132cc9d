"""The error catalogue: every kind has a stable code and an Arabic translation of each of its forms, and an
error renders in the active language, its English kept for logs, ActivityPub and stored reports."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

import caravan
from caravan import error_codes
from caravan.error_codes import BY_CODE, ErrorKind
from caravan.errors import DomainError, Throttled, shown

CATALOG = Path(caravan.__file__).resolve().parent / "locale" / "ar" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Django's password validators word their reasons in the active language already.
ALREADY_TRANSLATED = {error_codes.PASSWORD_REJECTED}


class _Echo(dict):
    """Fills every %(name)s with itself, so rendering a message gives back its msgid."""

    def __missing__(self, key: str) -> str:
        return f"%({key})s"


def _msgid(kind: ErrorKind) -> str:
    """The English as written in the catalogue (the plural msgid for a plural message)."""
    with translation.override(None):
        return str(kind.message % _Echo())


def test_codes_are_unique_and_named_as_their_constants():
    kinds = {name: value for name, value in vars(error_codes).items() if isinstance(value, ErrorKind)}
    assert len(BY_CODE) == len(kinds) > 150
    for name, kind in kinds.items():
        assert kind.code == name.lower(), name
        assert 400 <= kind.status < 600


def test_every_code_has_an_arabic_translation_of_each_form():
    po = polib.pofile(str(CATALOG))
    entries = {entry.msgid_plural or entry.msgid: entry for entry in po if not entry.obsolete}
    for kind in BY_CODE.values():
        if kind in ALREADY_TRANSLATED:
            continue
        msgid = _msgid(kind)
        entry = entries.get(msgid)
        assert entry is not None and "fuzzy" not in entry.flags, f"{kind.code}: {msgid!r} is not in the .po"
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert len(forms) == (6 if entry.msgid_plural else 1) and all(forms), kind.code
        allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        for arabic in forms:
            # A form may leave the number out ("حرف واحد"), never name a parameter the message lacks.
            assert set(PLACEHOLDER.findall(arabic)) <= allowed, (kind.code, arabic)
            assert re.search("[\u0600-\u06ff]", arabic), (kind.code, arabic)


@pytest.mark.parametrize(
    ("count", "arabic"),
    [
        (1, "حقل واحد في الملف الشخصي على الأكثر."),
        (2, "حقلان في الملف الشخصي على الأكثر."),
        (4, "4 حقول في الملف الشخصي على الأكثر."),
        (11, "11 حقلًا في الملف الشخصي على الأكثر."),
        (100, "100 حقل في الملف الشخصي على الأكثر."),
    ],
)
def test_numbers_take_the_arabic_plural_form_they_need(count, arabic):
    error = DomainError(error_codes.TOO_MANY_PROFILE_FIELDS, field="fields", limit=count)
    with translation.override("ar"):
        assert error.message == arabic
    assert (
        error.english
        == str(error)
        == ("At most 1 profile field." if count == 1 else f"At most {count} profile fields.")
    )


def test_an_error_renders_in_the_active_language_and_keeps_its_english():
    error = DomainError(error_codes.POST_TOO_LONG, field="status", length=612, limit=500)
    assert (error.code, error.status, error.field) == ("post_too_long", 422, "status")
    with translation.override("ar"):
        assert error.message == "طول منشورك 612 حرفًا؛ والحد الأقصى على هذا الخادم 500."
        assert error.english == "Your post is 612 characters long; the limit on this server is 500."
    throttled = Throttled(error_codes.SIGN_UPS_FROM_NETWORK, retry_after=61)
    assert throttled.status == 429 and throttled.english.endswith("Try again in 2 minutes.")


def test_a_stored_report_shows_in_the_reader_language_with_its_cause():
    cause = DomainError(error_codes.IMAGE_TOO_LARGE, megabytes=8)
    entry = DomainError(error_codes.IMAGE_SKIPPED, name="cat.png", reason=cause).stored()
    assert entry["code"] == "image_skipped" and entry["params"]["reason"]["code"] == "image_too_large"
    assert entry["reason"] == "Image cat.png skipped: Images can be at most 8 MB."
    with translation.override("ar"):
        assert shown(entry) == "تُخطّيت الصورة cat.png: لا يزيد حجم الصورة عن 8 ميغابايت."
        # Reports written before codes, or naming a code this version no longer has, show their English.
        assert shown({"reason": "An old note."}) == "An old note."
        assert shown({"code": "gone_since", "params": {}, "reason": "Gone."}) == "Gone."
