"""Acting on an account without a report: the moderators' page `/moderation/accounts/<id>` (local or remote)
shows the account, its reports and decisions (lift buttons on standing ones) and the action form; profiles link
to it for moderators only; everyone else gets 403. Through Django's test client (the URLs, middleware and views
`caravan serve` runs), in English and Arabic."""

from datetime import timedelta

import pytest
from django.test import Client

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import retention
from caravan.moderation.models import ModerationAction
from caravan.moderation.services import create_report, take_action
from caravan.notifications.models import Notification
from caravan.profiles import upsert_remote_account
from caravan.publishing import create_post
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(make_user):
    moderator, mallory, alice = make_user("mod"), make_user("mallory"), make_user("alice")
    set_role(moderator, "moderator")
    return {
        "moderator": moderator,
        "mallory": mallory,
        "alice": alice,
        "rule": add_rule("No spam"),
        "public": create_post(mallory.account, "buy my pills"),
        "hidden": create_post(mallory.account, "a followers-only aside", visibility="private"),
    }


def test_only_moderators_see_the_page_and_the_profile_link(case, make_user):
    mallory = case["mallory"].account
    for user in (case["alice"], case["mallory"], make_user("bystander")):
        client = _client(user)
        assert client.get(f"/moderation/accounts/{mallory.id}").status_code == 403
        response = client.post(
            f"/moderation/accounts/{mallory.id}/act",
            {"kind": "suspend", "rule_ids": [case["rule"].id], "reason": "x"},
        )
        assert response.status_code == 403
        assert "/moderation/accounts/" not in client.get("/@mallory").content.decode()
    assert not ModerationAction.objects.exists()
    anonymous = Client().get(f"/moderation/accounts/{mallory.id}")
    assert anonymous.status_code == 302 and "/auth/sign_in" in anonymous["Location"]
    assert "/moderation/accounts/" not in Client().get("/@mallory").content.decode()
    moderator = _client(case["moderator"])
    assert f'href="/moderation/accounts/{mallory.id}"' in moderator.get("/@mallory").content.decode()
    assert moderator.get("/moderation/accounts/999999999").status_code == 404
    assert moderator.get(f"/moderation/accounts/{2**63}").status_code == 404


def test_a_moderator_acts_from_the_account_page_and_lifts_from_it(case):
    mallory, rule = case["mallory"], case["rule"]
    report = create_report(case["alice"].account, mallory.account, comment="spam everywhere")
    client = _client(case["moderator"])
    page = client.get(f"/moderation/accounts/{mallory.account.id}").content.decode()
    assert "@mallory" in page and f'href="/moderation/reports/{report.id}"' in page
    assert "No decisions yet." in page and "In good standing." in page
    # The posts offered to cite are those the moderator may read: not the followers-only one.
    assert "buy my pills" in page and "a followers-only aside" not in page

    response = client.post(
        f"/moderation/accounts/{mallory.account.id}/act",
        {"kind": "limit", "rule_ids": [rule.id], "status_ids": [case["public"].id], "reason": "Spam links."},
    )
    assert (
        response.status_code == 302 and response["Location"] == f"/moderation/accounts/{mallory.account.id}"
    )
    action = ModerationAction.objects.get()
    assert (action.kind, action.report, action.post_ids) == ("limit", None, [case["public"].id])
    assert Account.objects.get(pk=mallory.account.id).limited_at is not None
    assert Notification.objects.filter(recipient=mallory.account, type="moderation_warning").exists()
    page = client.get(response["Location"]).content.decode()
    assert "The action was taken and the person has been told." in page
    assert f'id="action-{action.id}"' in page and "Spam links." in page and "Limited since" in page

    lifted = client.post(f"/moderation/actions/{action.id}/lift", {"reason": "Fine now.", "from": "account"})
    assert lifted["Location"] == f"/moderation/accounts/{mallory.account.id}"
    assert Account.objects.get(pk=mallory.account.id).limited_at is None
    assert "Lifted on" in client.get(lifted["Location"]).content.decode()


def test_bad_action_forms_get_a_message_and_change_nothing(case):
    mallory, rule = case["mallory"].account, case["rule"]
    client = _client(case["moderator"])
    url = f"/moderation/accounts/{mallory.id}/act"
    for form, message in (
        ({"kind": "suspend", "rule_ids": [rule.id], "reason": "  "}, "reason"),
        ({"kind": "suspend", "reason": "Spam."}, "rule"),
        ({"kind": "banish", "rule_ids": [rule.id], "reason": "Spam."}, ""),
        ({"kind": "warn", "rule_ids": ["x"], "reason": "Spam."}, "number"),
        # A followers-only post the moderator cannot read cannot be cited here (its text would be kept).
        (
            {"kind": "warn", "rule_ids": [rule.id], "status_ids": [case["hidden"].id], "reason": "Spam."},
            "cite",
        ),
    ):
        response = client.post(url, form, follow=True)
        assert response.status_code == 200
        assert 'class="message error"' in response.content.decode()
        if message:
            assert message in response.content.decode().lower()
    own = client.post(
        f"/moderation/accounts/{case['moderator'].account_id}/act",
        {"kind": "warn", "rule_ids": [rule.id], "reason": "Me."},
        follow=True,
    )
    assert own.status_code == 200
    assert not ModerationAction.objects.exists()
    assert client.get(f"/moderation/accounts/{case['moderator'].account_id}").status_code == 200


def test_remote_and_deleted_accounts_have_a_page_too(case):
    bob = upsert_remote_account(
        "https://remote.example/users/bob", username="bob", domain="remote.example", display_name="Bob"
    )
    client = _client(case["moderator"])
    page = client.get(f"/moderation/accounts/{bob.id}").content.decode()
    assert "@bob@remote.example" in page and "on another server" in page
    client.post(
        f"/moderation/accounts/{bob.id}/act",
        {"kind": "suspend", "rule_ids": [case["rule"].id], "reason": "Abuse."},
    )
    assert ModerationAction.objects.get().target_account_id == bob.id
    Account.objects.filter(pk=bob.id).update(deleted_at="2026-01-01T00:00:00Z")
    page = client.get(f"/moderation/accounts/{bob.id}").content.decode()
    assert "Suspended since" in page and "Deleted on" in page


def test_the_page_reads_in_arabic(case):
    take_action(
        case["moderator"], case["mallory"].account, "warn", rule_ids=[case["rule"].id], reason="Calm."
    )
    client = _client(case["moderator"])
    page = client.get(f"/moderation/accounts/{case['mallory'].account.id}?lang=ar").content.decode()
    assert 'dir="rtl"' in page
    assert "اتخاذ إجراء" in page  # "Take action", as the report page says it
    assert "القرارات بشأن هذا الحساب" in page


def test_the_suspension_notice_says_how_long_the_data_is_kept_and_when_it_is_gone(case):
    mallory = case["mallory"]
    action = take_action(
        case["moderator"], mallory.account, "suspend", rule_ids=[case["rule"].id], reason="Spam."
    )
    deadline = retention.erasure_date(action)
    page = _client(mallory).get(f"/notices/{action.id}").content.decode()
    assert f"The account's data is kept until {deadline:%-d %b %Y}" in page
    arabic = _client(mallory).get(f"/notices/{action.id}?lang=ar").content.decode()
    assert "تُحفظ بيانات الحساب حتى" in arabic
    ModerationAction.objects.filter(pk=action.pk).update(created_at=deadline - timedelta(days=40))
    assert retention.erase_expired_suspensions.call() == 1
    page = _client(case["moderator"]).get(f"/notices/{action.id}").content.decode()
    assert "The account's data was deleted once the appeal period was over" in page
    account_page = _client(case["moderator"]).get(f"/moderation/accounts/{mallory.account_id}")
    assert "Deleted on" in account_page.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_moderator_suspends_from_the_profile_and_the_person_reads_why(
    browser,  # noqa: F811 - the fixture, imported by name
    live_server,
    make_user,
):
    base = live_server.url
    moderator, mallory = make_user("mod"), make_user("mallory")
    set_role(moderator, "moderator")
    rule = add_rule("No spam")
    create_post(mallory.account, "buy my pills")

    page = sign_in(browser, base, "mod", locale="en", extra_http_headers={"Accept-Language": "en"})
    page.goto(f"{base}/@mallory")
    page.click("a.moderate")
    page.wait_for_url(f"{base}/moderation/accounts/{mallory.account_id}")
    page.check("input[name=kind][value=suspend]")
    page.check(f"input[name=rule_ids][value='{rule.id}']")
    page.fill("textarea[name=reason]", "Selling pills to everyone.")
    page.click("section[aria-labelledby=act-heading] button[type=submit]")
    page.wait_for_selector("text=The action was taken and the person has been told.")
    assert "Suspended since" in page.locator("main").inner_text()
    action = ModerationAction.objects.get()
    assert action.kind == "suspend" and action.report is None

    person = sign_in(browser, base, "mallory", landing=f"/notices/{action.id}", locale="en")
    text = person.locator("main").inner_text()
    assert "Selling pills to everyone." in text and "data is kept until" in text
