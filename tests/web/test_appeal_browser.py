"""Real headless Chromium against a live Caravan: a suspended person signs in to the notice, appeals it in Arabic
on a phone; the moderator who suspended them asks a question but cannot decide; a second moderator approves; the
person, unsuspended, reads the outcome."""

import pytest

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation.models import Appeal, AppealState
from caravan.moderation.services import take_action
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_suspended_person_appeals_and_a_second_moderator_lifts_it(browser, live_server, make_user):  # noqa: F811
    base = live_server.url
    acting = set_role(make_user("mod"), "moderator")
    set_role(make_user("mod2"), "moderator")
    person = make_user("mallory")
    action = take_action(acting, person.account, "suspend", rule_ids=[add_rule("No spam").id], reason="Spam.")
    english = {"locale": "en", "extra_http_headers": {"Accept-Language": "en"}}

    phone = sign_in(
        browser,
        base,
        "mallory",
        f"/notices/{action.id}",
        locale="ar",
        extra_http_headers={"Accept-Language": "ar"},
        viewport={"width": 390, "height": 844},
    )
    assert phone.locator("html").get_attribute("dir") == "rtl"
    phone.fill("textarea[name=text]", "لم أنشر إزعاجا، كانت روابط متجري")
    phone.click("section#appeal button[type=submit]")
    phone.wait_for_url(f"{base}/notices/{action.id}/appeal")
    assert "أُرسل طعنك إلى المشرفين." in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    moderator = sign_in(browser, base, "mod", "/home", **english)
    moderator.goto(f"{base}/moderation/appeals")
    moderator.click(f"#appeal-{Appeal.objects.get().id} a")
    moderator.wait_for_selector("text=لم أنشر إزعاجا")
    assert moderator.locator("input[name=decision]").count() == 0
    assert moderator.locator(".acting-moderator").is_visible()
    moderator.fill("textarea[name=text]", "Which shop?")
    moderator.click("#conversation button[type=submit]")
    moderator.wait_for_selector(".from-moderator >> text=Which shop?")

    phone.reload()
    phone.wait_for_selector(".from-moderator >> text=Which shop?")
    phone.fill("textarea[name=text]", "متجر الكتب")
    phone.click("#conversation button[type=submit]")
    phone.wait_for_selector(".from-person >> text=متجر الكتب")

    second = sign_in(browser, base, "mod2", "/home", **english)
    second.goto(f"{base}/notices/{action.id}/appeal")
    second.wait_for_selector(".from-person >> text=متجر الكتب")
    second.check("input[name=decision][value=approve]")
    second.fill("textarea[name=reason]", "Links to your own shop are allowed.")
    second.click(".appeal-decision button[type=submit]")
    second.wait_for_selector("text=The appeal was decided and the person has been told.")
    assert Appeal.objects.get().state == AppealState.APPROVED
    assert Account.objects.get(pk=person.account.pk).suspended_at is None

    phone.reload()
    text = phone.locator("main").inner_text()
    assert "قُبل: رُفع القرار" in text and "Links to your own shop are allowed." in text
    assert phone.locator("#conversation textarea").count() == 0
