"""Real headless Chromium against a live Caravan, the whole chain in one go, as the people involved click it: a
person reports a post; a moderator suspends the account under a rule with a reason; the suspended person signs in
to the notice and appeals; the moderator who acted cannot decide, a second moderator approves with a reason; the
public log shows the decision and the outcome, never the reporter or the report's words. Once in English on a
desktop and once in Arabic on a phone (every participant's browser in that language and size)."""

import pytest

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation.models import Appeal, AppealState, ModerationAction, Report
from caravan.publishing import create_post
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"locale": "en", "extra_http_headers": {"Accept-Language": "en"}}
PHONE_ARABIC = {
    "locale": "ar",
    "extra_http_headers": {"Accept-Language": "ar"},
    "viewport": {"width": 390, "height": 844},
}


@pytest.mark.parametrize("options", [DESKTOP, PHONE_ARABIC], ids=["english-desktop", "arabic-phone"])
def test_report_suspend_appeal_decide_and_the_public_log(browser, live_server, make_user, options):  # noqa: F811
    base = live_server.url
    rule = add_rule("No spam")
    make_user("reporter")
    mallory = make_user("mallory").account
    set_role(make_user("mod"), "moderator")
    set_role(make_user("mod2"), "moderator")
    spam = create_post(mallory, "Buy cheap watches at my shop")
    arabic = options["locale"] == "ar"

    def fits(page) -> None:
        """The page is laid out for the reader: right to left in Arabic, and never wider than a phone."""
        assert page.locator("html").get_attribute("dir") == ("rtl" if arabic else "ltr")
        if arabic:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The reporter presses Report on the post.
    reporter = sign_in(browser, base, "reporter", **options)
    reporter.goto(f"{base}/@mallory/{spam.id}")
    reporter.click("article.post.focus details.post-more summary")  # Report sits in the post's More menu
    reporter.click("article.post.focus a.report")
    reporter.wait_for_url(f"{base}/report/{mallory.id}?post={spam.id}")
    fits(reporter)
    reporter.check("input[name=category][value=spam]")
    reporter.fill("textarea[name=comment]", "the reporter's private words")
    reporter.click("form.report-form button[type=submit]")
    reporter.wait_for_url(f"{base}/@mallory")
    report = Report.objects.get()
    assert (report.reporter.username, report.target_account_id, report.post_ids) == (
        "reporter",
        mallory.id,
        [spam.id],
    )

    # The first moderator finds it in the queue and suspends the account.
    moderator = sign_in(browser, base, "mod", **options)
    moderator.goto(f"{base}/moderation/reports")
    moderator.click(f"#report-{report.id} a")
    moderator.wait_for_selector(f"#post-{spam.id}")
    fits(moderator)
    moderator.check("input[name=kind][value=suspend]")
    moderator.check(f"section[aria-labelledby=act-heading] input[name=rule_ids][value='{rule.id}']")
    moderator.fill("textarea[name=reason]", "Advertising the same shop again and again.")
    moderator.click("section[aria-labelledby=act-heading] button[type=submit]")
    moderator.wait_for_selector("[id^=action-]")  # the decision now listed in the account's history
    action = ModerationAction.objects.get()
    assert (action.kind, action.report_id, action.moderator.username) == ("suspend", report.id, "mod")
    assert list(action.rules.all()) == [rule]
    assert Account.objects.get(pk=mallory.pk).suspended_at is not None

    # The suspended person signs in straight to the notice, reads why, and appeals.
    person = sign_in(browser, base, "mallory", f"/notices/{action.id}", **options)
    fits(person)
    notice = person.locator("main").inner_text()
    assert "No spam" in notice and "Advertising the same shop again and again." in notice
    assert "Buy cheap watches" in notice  # the post the decision is about
    assert "reporter" not in notice and "private words" not in notice
    person.fill("section#appeal textarea[name=text]", "It was my first post about the shop.")
    person.click("section#appeal button[type=submit]")
    person.wait_for_url(f"{base}/notices/{action.id}/appeal")
    person.wait_for_selector("#conversation")
    appeal = Appeal.objects.get()

    # The moderator who acted cannot decide the appeal; a second moderator can, and approves.
    moderator.goto(f"{base}/notices/{action.id}/appeal")
    moderator.wait_for_selector("text=It was my first post about the shop.")
    assert moderator.locator("input[name=decision]").count() == 0
    second = sign_in(browser, base, "mod2", **options)
    second.goto(f"{base}/notices/{action.id}/appeal")
    fits(second)
    second.check("input[name=decision][value=approve]")
    second.fill("textarea[name=reason]", "A first advertisement is allowed.")
    second.click(".appeal-decision button[type=submit]")
    second.wait_for_selector(".appeal-decision", state="detached")  # decided: no form any more
    appeal.refresh_from_db()
    assert appeal.state == AppealState.APPROVED and appeal.decided_by.username == "mod2"
    assert Account.objects.get(pk=mallory.pk).suspended_at is None

    # Anyone, signed out, reads the decision and the appeal's outcome in the public log; never who reported.
    visitor = browser.new_context(**options).new_page()
    visitor.goto(f"{base}/about/moderation")
    fits(visitor)
    entry = visitor.locator(f"#decision-{action.id}")
    assert entry.get_attribute("data-kind") == "suspend"
    text = entry.inner_text()
    assert "No spam" in text and "Advertising the same shop again and again." in text
    assert "A first advertisement is allowed." in text
    whole = visitor.locator("main").inner_text()
    for secret in ("reporter", "private words", "It was my first post", "mod2"):
        assert secret not in whole
    visitor.context.close()
    for page in (reporter, moderator, person, second):
        page.context.close()
