"""Real headless Chromium, scripts off, an Arabic phone: a moderator opens the waves page, the chart is drawn
inside the page (oldest hour at the right), the table opens, and a member's link leads to their profile."""

import pytest

from tests.moderation.wave import PASSWORD, build_wave
from tests.web.test_browser import browser  # noqa: F401 - the module's Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_reads_the_waves_page_in_arabic_on_a_phone(browser, live_server):  # noqa: F811
    base = live_server.url
    built = build_wave()
    context = browser.new_context(
        java_script_enabled=False, locale="ar", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/sign_in")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{base}/moderation/waves?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    chart = page.locator("svg.wave-chart").bounding_box()
    assert chart["width"] > 300 and chart["height"] > 50 and chart["x"] >= 0
    # nothing spills sideways (wide tables scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    bars = page.locator("svg.wave-chart rect.bar")
    assert bars.count() == 48
    first, last = bars.first.bounding_box(), bars.last.bounding_box()
    assert first["x"] > last["x"]  # time runs from the right, as the page reads
    tallest = max(bars.nth(i).bounding_box()["height"] for i in range(48))
    assert tallest > 40
    page.click("details summary")
    assert page.locator("table.wave-table caption").is_visible()
    wave = built.wave[0]
    page.locator(f"section[aria-labelledby=rings-heading] a[href='/@{wave.username}']").click()
    page.wait_for_url(f"{base}/@{wave.username}")
    context.close()
