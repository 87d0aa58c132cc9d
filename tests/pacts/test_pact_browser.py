"""Real headless Chromium, JavaScript off, Arabic on a phone: a person makes a pact from the people page, one of
their people reads "0 of 2: you would make it 1" and commits; the count they see changes."""

import pytest

from caravan.moving.models import FollowCandidate
from caravan.pacts.models import Pact
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "locale": "ar",
    "extra_http_headers": {"Accept-Language": "ar"},
    "viewport": {"width": 390, "height": 844},
    "java_script_enabled": False,
}


def test_a_pact_in_arabic_on_a_phone_without_javascript(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    owner = make_user("owner")
    people = [make_user(name) for name in ("salma", "karim", "nour")]
    for person in people:
        FollowCandidate.objects.create(
            account=owner.account,
            old_handle="x:" + person.username,
            found_handle=person.account.acct,
            target=person.account,
        )

    page = sign_in(browser, base, "owner", "/home", **PHONE)
    page.goto(f"{base}/settings/import/people")
    page.click("a[href='/pacts/new?people=matched']")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("input[name=threshold]", "2")
    page.check("input[name=auto_follow]")
    page.click("form.pact-form button[type=submit]")
    pact = Pact.objects.get()
    page.wait_for_url(f"{base}/pacts/{pact.id}")
    assert "التزم 0 من 2" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    salma = sign_in(browser, base, "salma", "/home", **PHONE)
    salma.goto(f"{base}/notifications")
    salma.click(f"a[href='/pacts/{pact.id}']")
    assert "0 من 2: بالتزامك يصبحون 1" in salma.locator("main").inner_text()
    salma.click(f"form[action='/pacts/{pact.id}/commit'] button")
    salma.wait_for_selector("text=لقد التزمت. يمكنك الانسحاب حتى يتحقق الميثاق.")
    assert "التزم 1 من 2" in salma.locator("main").inner_text()

    karim = sign_in(browser, base, "karim", "/home", **PHONE)
    karim.goto(f"{base}/pacts/{pact.id}")
    assert "1 من 2: بالتزامك يصبحون 2" in karim.locator("main").inner_text()
    page.reload()
    assert "التزم 1 من 2" in page.locator("main").inner_text()
    assert karim.evaluate("document.documentElement.scrollWidth") <= 390
