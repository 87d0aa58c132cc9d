"""Real headless Chromium against a live Caravan: a moderator opens the queue, reads a reported followers-only
post, limits the account with a rule and a reason; the person, on a phone in Arabic, follows the notification to
the notice and reads the decision right to left."""

import pytest

from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation.models import ModerationAction
from caravan.moderation.services import create_report
from caravan.publishing import create_post
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_limits_an_account_and_the_person_reads_why_in_arabic(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    moderator, reporter, target = make_user("mod"), make_user("alice"), make_user("mallory")
    set_role(moderator, "moderator")
    rule = add_rule("No harassment")
    insult = create_post(target.account, "a followers-only insult", visibility="private")
    report = create_report(reporter.account, target.account, rule_ids=[rule.id], comment="mean to me")
    report.post_ids = [insult.id]  # as another server's Flag could cite it
    report.save()

    page = sign_in(browser, base, "mod", locale="en", extra_http_headers={"Accept-Language": "en"})
    page.click("nav details.nav-more summary")  # Moderation sits in the navigation's More menu
    page.click("nav >> text=Moderation")
    page.wait_for_url(f"{base}/moderation/reports")
    page.click(f"#report-{report.id} a")
    page.wait_for_selector(f"#post-{insult.id} >> text=a followers-only insult")
    page.click("text=I will handle it")
    page.wait_for_selector("text=Handled by")
    page.check("input[name=kind][value=limit]")
    page.fill("textarea[name=reason]", "You insulted someone who asked you to stop.")
    page.click("section[aria-labelledby=act-heading] button[type=submit]")
    page.wait_for_selector("text=The action was taken and the person has been told.")
    action = ModerationAction.objects.get()
    assert action.kind == "limit" and list(action.rules.all()) == [rule] and action.post_ids == [insult.id]

    phone = sign_in(
        browser,
        base,
        "mallory",
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
        viewport={"width": 390, "height": 844},
    )
    phone.goto(f"{base}/notifications")
    phone.click(f"a[href='/notices/{action.id}']")
    phone.wait_for_url(f"{base}/notices/{action.id}")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    text = phone.locator("main").inner_text()
    assert "قرار بشأن حسابك" in text and "قُيّد الحساب" in text
    assert "No harassment" in text and "You insulted someone who asked you to stop." in text
    assert "a followers-only insult" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
