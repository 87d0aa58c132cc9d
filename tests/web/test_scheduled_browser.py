"""Real headless Chromium without JavaScript, in Arabic on a phone: a person schedules a post with an image from the
compose form, finds it on the scheduled posts page, moves it (a time too soon is refused with the reason), and
cancels it; a post that could not be published shows why; nothing is published before its time."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from caravan import error_codes, publishing
from caravan.posts.models import Post, ScheduledPost
from caravan.publishing import scheduling
from caravan.worker import run_pending_tasks
from tests.domain.test_media import crafted
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scheduling_moving_and_cancelling_in_arabic_without_javascript(  # noqa: F811
    browser,  # noqa: F811
    live_server,
    make_user,
    tmp_path: Path,
):
    base = live_server.url
    make_user("jane")
    arabic = {"locale": "ar", "extra_http_headers": {"Accept-Language": "ar"}, "java_script_enabled": False}
    phone = sign_in(browser, base, "jane", viewport={"width": 390, "height": 844}, **arabic)
    image = tmp_path / "photo.png"
    image.write_bytes(crafted("png"))

    phone.goto(f"{base}/compose")
    phone.fill("#id_text", "موعدنا غدًا")
    phone.locator("summary", has_text="جدولة لوقت لاحق").click()
    tomorrow = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    phone.fill("#id_scheduled_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    phone.locator("details:has(input[name=media_1]) > summary").click()
    phone.set_input_files("input[name=media_1]", str(image))
    phone.click("form.compose > p > button[type=submit]")
    phone.wait_for_url(f"{base}/scheduled*")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    scheduled = ScheduledPost.objects.get()
    assert scheduled.scheduled_at == tomorrow and scheduled.media.count() == 1
    card = phone.locator(f"#scheduled-{scheduled.id}")
    assert "موعدنا غدًا" in card.inner_text()
    assert tomorrow.strftime("%Y-%m-%d %H:%M") in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert not Post.objects.exists()  # nothing is published before its time
    run_pending_tasks()
    assert not Post.objects.exists()

    later = tomorrow + timedelta(days=2, hours=3)
    card.locator("input[name=scheduled_at]").fill(later.strftime("%Y-%m-%dT%H:%M"))
    card.locator("form[action$='/time'] button").click()
    phone.wait_for_url(f"{base}/scheduled")
    assert ScheduledPost.objects.get().scheduled_at == later

    soon = timezone.now() + timedelta(minutes=1)
    card = phone.locator(f"#scheduled-{scheduled.id}")
    card.locator("input[name=scheduled_at]").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    card.locator("form[action$='/time'] button").click()
    assert (
        "يجب أن يكون موعد النشر بعد 5 دقائق على الأقل من الآن." in phone.locator("[role=alert]").inner_text()
    )
    assert ScheduledPost.objects.get().scheduled_at == later

    phone.goto(f"{base}/scheduled")
    phone.locator(f"#scheduled-{scheduled.id} form[action$='/cancel'] button").click()
    phone.wait_for_url(f"{base}/scheduled")
    assert "ليست لديك منشورات مجدولة." in phone.locator("main").inner_text()
    assert not ScheduledPost.objects.exists()


def test_a_post_that_could_not_be_published_shows_why(browser, live_server, make_user, caravan_settings):  # noqa: F811
    import time

    base = live_server.url
    jane, bob = make_user("jane"), make_user("bob")
    caravan_settings(SCHEDULED_MIN_AHEAD=1)
    parent = publishing.create_post(bob.account, "ask me")
    scheduled = scheduling.schedule_post(
        jane.account, timezone.now() + timedelta(seconds=1.2), "my answer", in_reply_to=parent
    )
    publishing.delete_post(parent, bob.account)
    time.sleep(1.3)
    run_pending_tasks()
    page = sign_in(browser, base, "jane")
    page.goto(f"{base}/scheduled")
    failed = page.locator(f"#scheduled-{scheduled.id}")
    assert "my answer" in failed.inner_text()
    assert failed.locator(".errors").inner_text().strip() == str(error_codes.REPLY_TARGET_UNAVAILABLE.message)
    assert not Post.objects.filter(account=jane.account).exists()
    failed.locator("form[action$='/cancel'] button").click()
    page.wait_for_url(f"{base}/scheduled")
    assert not ScheduledPost.objects.exists()
