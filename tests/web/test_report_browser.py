"""Real headless Chromium: a signed-in person opens a post, presses Report, fills the form (category, rule,
the post, a comment) and sends it; the moderators' report row holds exactly that."""

import pytest

from caravan.instance.services import add_rule
from caravan.moderation.models import Report
from caravan.publishing import create_post
from tests.web.test_browser import browser, sign_up  # noqa: F401 - the module's Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_reports_a_post_from_its_page(browser, live_server, make_account):  # noqa: F811
    base = live_server.url
    rule = add_rule("No harassment")
    mallory = make_account("mallory")
    post = create_post(mallory, "a nasty post")
    page = browser.new_context(java_script_enabled=False).new_page()
    page.set_default_timeout(15_000)
    sign_up(page, base, "reporter")
    page.goto(f"{base}/@mallory/{post.id}")
    page.click("article.post.focus details.post-more summary")  # Report sits in the post's More menu
    page.click("article.post.focus a.report")
    page.wait_for_url(f"{base}/report/{mallory.id}?post={post.id}")
    assert page.is_checked(f"input[name=post_ids][value='{post.id}']")
    page.check("input[name=category][value=violation]")
    page.check(f"input[name=rule_ids][value='{rule.id}']")
    page.fill("textarea[name=comment]", "please look")
    page.click("form.report-form button[type=submit]")
    page.wait_for_url(f"{base}/@mallory")
    assert "Your report has been sent" in page.inner_text("main")
    report = Report.objects.get()
    assert report.reporter.username == "reporter" and report.target_account == mallory
    assert (report.category, report.rule_ids, report.post_ids, report.comment) == (
        "violation",
        [rule.id],
        [post.id],
        "please look",
    )
