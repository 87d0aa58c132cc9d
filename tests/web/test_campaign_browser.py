"""Real headless Chromium on an Arabic phone, no JavaScript: a member opens a campaign, joins it, and sees the
headline count and the server-drawn chart change; then changes level and leaves, nothing wider than the screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.campaigns import services
from tests.web.test_browser import browser, sign_in  # noqa: F401 - the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/caravan-campaign-arabic-phone.png"  # noqa: S108 - looked at by a person


def _polyline_top(page, series: str) -> float:
    """The highest point of a series line (SVG y grows downwards, so the smallest y)."""
    points = page.locator(f"#campaign-chart polyline[data-series={series}]").get_attribute("points")
    return min(float(p.split(",")[1]) for p in points.split())


def test_joining_in_arabic_on_a_phone_changes_the_count_and_the_chart(browser, live_server, make_user):  # noqa: F811
    owner = make_user("organiser").account
    campaign = services.start_campaign(owner, title="نترك المنصة معًا", description="وصف الحملة", target=3)
    other = make_user("early").account
    member = make_user("layla")
    Account.objects.filter(pk__in=[other.pk, member.account_id]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    other.refresh_from_db()
    services.join(campaign, other, "moved")

    page = sign_in(
        browser,
        live_server.url,
        "layla",
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
    )
    page.goto(f"{live_server.url}/campaigns")
    page.click(f"a[href='{campaign.path}']")
    page.wait_for_url(f"{live_server.url}{campaign.path}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "نترك المنصة معًا" in page.locator("h1").inner_text()
    assert page.locator("#headline-count").inner_text() == "1"
    before = _polyline_top(page, "total")
    assert page.locator("#campaign-chart polyline[data-series=total]").get_attribute("data-latest") == "1"

    page.check("input[name=level][value=will_move]")
    page.click("#join-button")
    page.wait_for_url(f"{live_server.url}{campaign.path}")
    assert "احتُسب التزامك" in page.locator(".messages").inner_text()
    assert page.locator("#headline-count").inner_text() == "2"
    assert page.locator("#count-will_move").get_attribute("data-verified") == "1"
    assert page.locator("#campaign-chart polyline[data-series=total]").get_attribute("data-latest") == "2"
    assert _polyline_top(page, "total") < before  # the line rose
    assert "سأنتقل عند بلوغ الهدف" in page.locator("#your-level").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.check("input[name=level][value=left]")
    page.click("#join-button")
    page.wait_for_url(f"{live_server.url}{campaign.path}")
    assert page.locator("#count-left").get_attribute("data-verified") == "1"
    assert page.locator("#headline-count").inner_text() == "2"
    page.click("#leave-button")  # leaving asks first: a page that says what happens, with one button
    page.wait_for_url(f"{live_server.url}{campaign.path}/leave")
    assert page.locator("#headline-count").count() == 0
    page.click(".confirm-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{campaign.path}")
    assert page.locator("#headline-count").inner_text() == "1"
    page.context.close()
