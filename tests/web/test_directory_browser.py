"""Real headless Chromium: a person who imported their X archive chooses, in Arabic on a phone, to be findable
by their old X account and to show it on their profile, then withdraws; a second listing of the same id shows
as disputed; the import pages link here; nothing shows before the choice."""

import pytest

from caravan.directory.models import Claim, Entry
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_to_be_found_showing_it_and_withdrawing_in_arabic(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    jane = make_user("jane")
    Claim.objects.create(account=jane.account, x_id=1001, handle="janex")
    arabic = {"locale": "ar", "extra_http_headers": {"Accept-Language": "ar"}}
    phone = sign_in(browser, base, "jane", viewport={"width": 390, "height": 844}, **arabic)
    phone.goto(f"{base}/settings/import/people")
    phone.click("a[href='/settings/directory']")
    phone.wait_for_url(f"{base}/settings/directory")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert "أنت غير مُدرج." in phone.locator("#directory-state").inner_text()
    profile = phone.context.new_page()
    profile.goto(f"{base}/@jane")
    assert profile.locator("#formerly-on-x").count() == 0  # nothing shown before the choice

    phone.check("input[name=listed]")
    phone.check("input[name=show_on_profile]")
    phone.click("form.card button[type=submit]")
    phone.wait_for_selector("text=حُفظت اختياراتك في الدليل.")
    assert "أنت مُدرج في الدليل." in phone.locator("#directory-state").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert Entry.objects.filter(account=jane.account, x_id=1001).exists()
    profile.reload()
    assert "janex" in profile.locator("#formerly-on-x").inner_text()

    other = make_user("other")
    Claim.objects.create(account=other.account, x_id=1001, handle="janex")
    from caravan.directory import services as directory

    directory.choose(other.account, listed=True)
    phone.reload()
    assert phone.locator("#directory-disputed").is_visible()
    profile.reload()
    assert profile.locator("#formerly-on-x").count() == 0  # a disputed handle is not shown

    phone.uncheck("input[name=listed]")
    phone.click("form.card button[type=submit]")
    phone.wait_for_selector("text=حُفظت اختياراتك في الدليل.")
    assert "أنت غير مُدرج." in phone.locator("#directory-state").inner_text()
    assert not Entry.objects.filter(account=jane.account).exists()
    assert not directory.listing_of(other.account).disputed


def test_without_an_archive_the_page_says_to_import_one_first(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    make_user("sam")
    page = sign_in(browser, base, "sam")
    page.goto(f"{base}/settings/import")
    page.click("a[href='/settings/directory']")
    page.wait_for_url(f"{base}/settings/directory")
    assert page.locator("input[name=listed]").count() == 0
    assert page.locator("a[href='/settings/import']").count() == 1
