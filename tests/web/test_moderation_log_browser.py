"""Real headless Chromium, no JavaScript, an Arabic phone: a visitor reads the public moderation log right to
left, its chart drawn by the server with this month's bar on the left (months read from the right), nothing
wider than the screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation
from caravan.moderation.models import ModerationAction
from tests.web.test_browser import browser  # noqa: F401 - the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/caravan-moderation-log-arabic-phone.png"  # noqa: S108 - looked at by a person


def test_a_visitor_reads_the_log_in_arabic_on_a_phone_without_javascript(browser, live_server, make_user):  # noqa: F811
    moderator = set_role(make_user("modquinn"), "moderator")
    mallory = make_user("mallory").account
    rule = add_rule("لا مضايقة للأعضاء")
    earlier = moderation.take_action(moderator, mallory, "warn", rule_ids=[rule.id], reason="تحذير أول.")
    ModerationAction.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=75))
    moderation.take_action(
        moderator, mallory, "limit", rule_ids=[rule.id], reason="إهانات متكررة بعد التحذير."
    )

    context = browser.new_context(
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/about")
    page.click("a[href='/about/moderation']")
    page.wait_for_url(f"{live_server.url}/about/moderation")
    assert page.locator("html").get_attribute("dir") == "rtl"
    text = page.locator("main").inner_text()
    assert "سجل الإشراف" in text and "إهانات متكررة بعد التحذير." in text and "لا مضايقة للأعضاء" in text
    assert "modquinn" not in text and "mallory" not in text
    bars = page.locator("#monthly-chart g.bar")
    assert bars.count() == 2
    boxes = {bars.nth(i).get_attribute("data-month"): bars.nth(i).bounding_box() for i in range(bars.count())}
    newest, oldest = boxes[max(boxes)], boxes[min(boxes)]
    assert newest["height"] > 0 and oldest["height"] > 0
    assert newest["x"] < oldest["x"]  # read from the right: the latest month is leftmost
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOT, full_page=True)
    context.close()
