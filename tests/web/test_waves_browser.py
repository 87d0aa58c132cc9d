"""Real headless Chromium, scripts off, an Arabic phone: a moderator opens the waves page, the chart is drawn
inside the page (oldest hour at the right), the table opens, and a member's link leads to their profile. And a
moderator ticks a whole cluster and suspends it in one go; each member then reads their own notice."""

import pytest

from caravan.accounts.models import Account
from caravan.instance.services import add_rule
from caravan.moderation.models import ModerationAction
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
    page.click("main details summary")  # the navigation has a <details> menu too
    assert page.locator("table.wave-table caption").is_visible()
    wave = built.wave[0]
    page.locator(f"section[aria-labelledby=rings-heading] a[href='/@{wave.username}']").click()
    page.wait_for_url(f"{base}/@{wave.username}")
    context.close()


def test_a_moderator_selects_a_cluster_and_suspends_it_without_javascript(browser, live_server):  # noqa: F811
    base = live_server.url
    built = build_wave()
    rule = add_rule("No spam")
    page = browser.new_context(java_script_enabled=False, locale="en").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/sign_in")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{base}/moderation/waves")
    domain = page.locator("section[aria-labelledby=clusters-email_domain]")
    domain.locator("input[name=cluster]").check()  # the whole cluster: its box carries every listed member
    page.check("input[name=kind][value=suspend]")
    page.check(f"input[name=rule_ids][value='{rule.id}']")
    page.fill("#id_bulk_reason", "These accounts arrived together to sell watches.")
    page.click("#bulk button[type=submit]")
    assert page.locator("h1").inner_text() == "Action on a wave"
    assert "Account suspended: 5 accounts acted on" in page.locator("#acted-heading").inner_text()
    assert page.locator("ul.acted li").count() == 5
    assert "0 accounts skipped" in page.locator("#skipped-heading").inner_text()
    page.context.close()
    wave_ids = [account.id for account in built.wave]
    assert Account.objects.filter(pk__in=wave_ids, suspended_at__isnull=False).count() == 5
    assert not Account.objects.filter(pk__in=[a.id for a in built.ordinary], suspended_at__isnull=False)
    actions = {
        a.target_account_id: a.id for a in ModerationAction.objects.filter(target_account_id__in=wave_ids)
    }
    assert len(actions) == 5
    # A member of the wave signs in and is shown their own notice, with the reason.
    person = browser.new_context(java_script_enabled=False).new_page()
    person.goto(f"{base}/auth/sign_in")
    person.fill("input[name=username]", built.wave[2].username)
    person.fill("input[name=password]", PASSWORD)
    person.click("main form button[type=submit]")
    person.wait_for_url(f"{base}/notices/{actions[built.wave[2].id]}")
    assert "These accounts arrived together to sell watches." in person.content()
    person.context.close()
