"""The Arabic catalog covers every string, and the committed .mo matches the .po (no compile on install)."""

from pathlib import Path

import polib
import pytest

import caravan

CATALOG = Path(caravan.__file__).resolve().parent / "locale" / "ar" / "LC_MESSAGES"


def test_every_string_has_an_arabic_translation():
    po = polib.pofile(str(CATALOG / "django.po"))
    assert len(po) > 200
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []


def test_compiled_catalog_matches_the_source():
    compiled = {
        entry.msgid: entry.msgstr for entry in polib.mofile(str(CATALOG / "django.mo")) if entry.msgid
    }
    source = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(CATALOG / "django.po"))
        if not entry.msgid_plural
    }
    assert {k: v for k, v in compiled.items() if k in source} == source


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
