"""The shared site works as the web tests expect: a person made through the API signs in through the form on
`caravan serve`, in English and in Arabic, and sees their home page."""

import pytest

from tests.web.served import LOOK_IDS, LOOKS, unique

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_a_person_signs_in_and_reaches_home(site, chromium, locale, viewport):
    person = site.person(unique("sam"))
    page = site.page(chromium, person, locale=locale, viewport=viewport)
    assert page.url == f"{site.base}/home"
    html = page.locator("html")
    assert html.get_attribute("lang") == locale
    assert html.get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.context.close()
