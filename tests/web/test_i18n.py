"""The Arabic catalog covers every string, and the committed .mo matches the .po (no compile on install)."""

from pathlib import Path

import polib
import pytest

import caravan

CATALOG = Path(caravan.__file__).resolve().parent / "locale" / "ar" / "LC_MESSAGES"


def test_every_string_has_an_arabic_translation():
    """The .po is the source of the Arabic (scripts/compile_messages.py): no entry without it, none fuzzy,
    every plural form filled, and nothing left over that no code uses."""
    po = polib.pofile(str(CATALOG / "django.po"))
    assert len(po) > 200
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == [] and po.obsolete_entries() == []
    for entry in po:
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert all(form.strip() for form in forms), entry.msgid
        assert len(forms) == (6 if entry.msgid_plural else 1), entry.msgid  # Arabic has six plural forms


def _messages(catalogue) -> dict[str, object]:
    return {
        entry.msgid: (entry.msgid_plural, dict(entry.msgstr_plural)) if entry.msgid_plural else entry.msgstr
        for entry in catalogue
        if entry.msgid
    }


def test_compiled_catalog_matches_the_source():
    compiled = polib.mofile(str(CATALOG / "django.mo"))
    source = polib.pofile(str(CATALOG / "django.po"))
    assert _messages(compiled) == _messages(source)
    assert compiled.metadata["Plural-Forms"] == source.metadata["Plural-Forms"]


@pytest.mark.django_db
def test_arabic_pages_are_right_to_left_and_translated(client):
    body = client.get("/about", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in body and "قواعد الخادم" in body
    body = client.get("/about", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en" dir="ltr">' in body and "Server rules" in body


def test_server_error_page_follows_the_active_language():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ar"):
        page = render_to_string("500.html")
    assert 'lang="ar" dir="rtl"' in page and "خطأ في الخادم" in page


@pytest.mark.django_db
def test_forged_form_gets_a_friendly_403_in_arabic():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/auth/sign_in?lang=ar", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    assert "انتهت صلاحية النموذج" in response.content.decode()


def test_the_catalogue_is_current_with_the_sources(tmp_path):
    """makemessages, run on a copy of the sources, finds exactly the catalogue's messages: a message written where
    xgettext cannot read it (inside an f-string, through a wrapper instead of `gettext(...)`) would leave its
    entry obsolete here, and the page would fall back to English once the entry is dropped."""
    import os
    import shutil
    import subprocess
    import sys

    package = Path(caravan.__file__).resolve().parent
    copy = tmp_path / "caravan"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    environment = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "caravan.settings"}
    command = [
        sys.executable,
        "-m",
        "django",
        "makemessages",
        "-l",
        "ar",
        "--no-location",
        "--ignore",
        "locale/*",
    ]
    subprocess.run(command, cwd=copy, env=environment, check=True, timeout=600, capture_output=True)
    fresh = polib.pofile(str(copy / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    assert [entry.msgid for entry in fresh.obsolete_entries()] == []
    assert [entry.msgid for entry in fresh.untranslated_entries()] == []
