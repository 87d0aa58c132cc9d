"""Real headless Chromium, without JavaScript: strangers' private mentions wait in the "Filtered notifications"
section of the notifications page; accepting one sender shows its notification in the list and lets later ones
through, dismissing another deletes its notifications; the policy is chosen under settings, in English and in
Arabic (right to left, no sideways scrolling on a phone). Plus the forms' refusals, with the plain test client."""

import pytest

from caravan import publishing
from caravan.notifications.models import Notification, NotificationPolicy, NotificationRequest
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.browser
def test_accepting_and_dismissing_filtered_senders_in_english(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    jane = make_user("jane").account
    carol, mallory = make_user("carol").account, make_user("mallory").account
    publishing.create_post(carol, "@jane a quiet word", visibility="direct")
    publishing.create_post(mallory, "@jane buy my stuff", visibility="direct")
    publishing.create_post(mallory, "@jane really, buy it", visibility="direct")
    page = sign_in(browser, base, "jane", java_script_enabled=False)
    page.goto(f"{base}/notifications")
    section = page.locator("#filtered-notifications")
    assert "Filtered notifications" in section.inner_text()
    assert "No notifications yet." in page.locator("main").inner_text()
    rows = {row.locator("a bdi").inner_text(): row for row in section.locator("li.held-request").all()}
    assert set(rows) == {carol.name, mallory.name}
    assert "2 notifications" in rows[mallory.name].inner_text()
    assert "1 notification" in rows[carol.name].inner_text()

    rows[carol.name].locator("button", has_text="Accept").click()
    page.wait_for_selector("text=Accepted: their notifications are in your list now.")
    assert "mentioned you" in page.locator("section.notification").first.inner_text()
    publishing.create_post(carol, "@jane and again", visibility="direct")
    assert Notification.objects.filter(recipient=jane, from_account=carol, filtered=False).count() == 2

    page.locator("#filtered-notifications li.held-request button", has_text="Dismiss").click()
    page.wait_for_selector("text=Dismissed: those notifications are gone.")
    assert page.locator("#filtered-notifications").count() == 0
    assert not Notification.objects.filter(recipient=jane, from_account=mallory).exists()
    assert not NotificationRequest.objects.filter(recipient=jane).exists()


@pytest.mark.browser
def test_choosing_the_policy_and_reviewing_in_arabic_on_a_phone(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    nadia = make_user("nadia").account
    omar = make_user("omar").account
    arabic = {"locale": "ar", "extra_http_headers": {"Accept-Language": "ar"}}
    phone = sign_in(browser, base, "nadia", viewport={"width": 390, "height": 844}, **arabic)
    phone.goto(f"{base}/settings/notifications")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert "إشعارات من أشخاص قد لا تعرفهم" in phone.locator("main").inner_text()
    phone.select_option("select[name=for_new_accounts]", "filter")
    phone.select_option("select[name=for_private_mentions]", "drop")
    phone.click("#notification-policy button[type=submit]")
    phone.wait_for_selector("text=حُفظت اختياراتك للإشعارات.")
    policy = NotificationPolicy.objects.get(account=nadia)
    assert (policy.for_new_accounts, policy.for_private_mentions) == ("filter", "drop")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    from caravan import relationships

    relationships.follow(omar, nadia)  # omar's account is new: held
    publishing.create_post(omar, "@nadia secret", visibility="direct")  # dropped: never made
    phone.goto(f"{base}/notifications")
    section = phone.locator("#filtered-notifications")
    assert "الإشعارات المُصفّاة" in section.inner_text()
    assert "إشعار واحد" in section.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    section.locator("button", has_text="قبول").click()
    phone.wait_for_selector("text=قُبل: إشعاراته في قائمتك الآن.")
    assert Notification.objects.filter(recipient=nadia, filtered=False).values_list(
        "type", flat=True
    ).get() == ("follow")


def test_forms_refuse_bad_input_and_other_peoples_requests(signed_in, make_user):
    web, user = signed_in("lina")
    stranger = make_user("sami").account
    publishing.create_post(stranger, "@lina hello", visibility="direct")
    request = NotificationRequest.objects.get(recipient=user.account)
    answer = web.post("/settings/notifications", {"for_not_following": "<script>"})
    assert answer.status_code == 422 and "for_not_following" in answer.content.decode()
    assert not NotificationPolicy.objects.filter(account=user.account).exists()
    other, _ = signed_in("rami")
    assert other.post(f"/notifications/requests/{request.id}/accept").status_code == 404
    assert other.post("/notifications/requests/notanumber/dismiss").status_code == 404
    assert web.get(f"/notifications/requests/{request.id}/accept").status_code == 405
    assert NotificationRequest.objects.filter(pk=request.id).exists()
