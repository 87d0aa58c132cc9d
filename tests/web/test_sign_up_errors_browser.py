"""Sign-up tells everything that is wrong at once, each error beside its field and tied to it for screen
readers, and keeps what was typed but the password."""

import pytest

from tests.web.served import LOOK_IDS, LOOKS, unique

pytestmark = pytest.mark.browser

EXPECTED = {  # a phrase of each error, in each language
    "en": {"username": "taken", "password": "too short", "agreement": "rules"},
    "ar": {"username": "مأخوذ", "password": "قصيرة", "agreement": "قواعد الخادم"},
}


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_sign_up_shows_every_error_at_once_and_keeps_the_username(site, chromium, locale, viewport):
    taken = site.person(unique("taken")).username
    page = site.page(chromium, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/auth/sign_up")
    page.fill("#id_username", taken.upper())
    page.fill("#id_email", f"{taken}.new@example.org")
    page.fill("#id_password", "short")
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    assert page.url.endswith("/auth/sign_up")
    for field, phrase in EXPECTED[locale].items():
        control = page.locator(f"#id_{field}")
        assert control.get_attribute("aria-invalid") == "true", field
        described = control.get_attribute("aria-describedby").split()
        error = page.locator(f"#{described[0]}")
        assert phrase in error.inner_text(), (field, error.inner_text())
        # The error sits right after its field, not in a list at the top of the form.
        assert error.evaluate("(e, c) => !!(c.compareDocumentPosition(e) & 4)", control.element_handle())
    assert page.locator("#id_email").get_attribute("aria-invalid") is None
    assert page.input_value("#id_username") == taken.upper()
    assert page.input_value("#id_email") == f"{taken}.new@example.org"
    assert page.input_value("#id_password") == ""
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.context.close()
