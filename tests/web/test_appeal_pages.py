"""The appeal pages through Django's test client: the person appeals from the notice (even while suspended),
writes with the moderators, and reads the outcome; the acting moderator is shown why they cannot decide and is
refused if they try; another moderator decides; strangers get 404 on the appeal and 403 on moderators' pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation.models import Appeal, AppealState, ModerationAction
from caravan.moderation.services import take_action


def _client(user, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def case(make_user):
    acting, other = set_role(make_user("mod"), "moderator"), set_role(make_user("mod2"), "moderator")
    person = make_user("mallory")
    rule = add_rule("No spam")
    action = take_action(acting, person.account, "suspend", rule_ids=[rule.id], reason="Spam links.")
    return {"acting": acting, "other": other, "person": person, "action": action, "rule": rule}


def test_the_person_appeals_from_the_notice_and_talks_with_the_moderators(case):
    person, acting, other, action = case["person"], case["acting"], case["other"], case["action"]
    me = _client(person)
    notice = me.get(f"/notices/{action.id}").content.decode()
    assert f'action="/notices/{action.id}/appeal"' in notice and 'name="text"' in notice
    response = me.post(f"/notices/{action.id}/appeal", {"text": "It was not spam."})
    assert response.status_code == 302 and response["Location"] == f"/notices/{action.id}/appeal"
    appeal = Appeal.objects.get(action=action)
    page = me.get(f"/notices/{action.id}/appeal").content.decode()
    assert "It was not spam." in page and "Spam links." in page and "No spam" in page
    assert "Waiting for a decision" in page and 'name="decision"' not in page
    # The form is gone from the notice: an action is appealed once.
    notice = me.get(f"/notices/{action.id}").content.decode()
    assert 'name="text"' not in notice and f'href="/notices/{action.id}/appeal"' in notice
    me.post(f"/notices/{action.id}/appeal", {"text": "Again."})
    assert Appeal.objects.filter(action=action).count() == 1

    moderators = _client(acting)
    listing = moderators.get("/moderation/appeals").content.decode()
    assert f'id="appeal-{appeal.id}"' in listing and "@mallory@" in listing
    assert (
        moderators.post(
            f"/notices/{action.id}/appeal/messages", {"text": "Which links were yours?"}
        ).status_code
        == 302
    )
    me.post(f"/notices/{action.id}/appeal/messages", {"text": "Only the first."})
    page = me.get(f"/notices/{action.id}/appeal").content.decode()
    assert page.index("Which links were yours?") < page.index("Only the first.")
    assert "@mod@" not in page  # the person reads "the moderators", not who wrote
    # Suspended, the person reads no notifications page: the notice and the appeal are the pages left to them.
    assert me.get("/notifications").status_code == 403

    # The acting moderator sees why they cannot decide, and is refused if they try anyway.
    page = moderators.get(f"/notices/{action.id}/appeal").content.decode()
    assert 'name="decision"' not in page and 'class="acting-moderator"' in page
    moderators.post(f"/notices/{action.id}/appeal/decision", {"decision": "approve", "reason": "Fine."})
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.PENDING
    assert Account.objects.get(pk=person.account.pk).suspended_at is not None

    second = _client(other)
    assert 'name="decision"' in second.get(f"/notices/{action.id}/appeal").content.decode()
    second.post(
        f"/notices/{action.id}/appeal/decision",
        {"decision": "approve", "reason": "The links were to your own shop."},
    )
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.APPROVED
    assert Account.objects.get(pk=person.account.pk).suspended_at is None
    assert ModerationAction.objects.get(pk=action.pk).lift_reason == "The links were to your own shop."
    page = me.get(f"/notices/{action.id}/appeal").content.decode()
    assert "Approved: the decision was lifted" in page and "The links were to your own shop." in page
    assert 'name="text"' not in page  # the conversation ended with the decision
    assert f'id="appeal-{appeal.id}"' not in second.get("/moderation/appeals").content.decode()


def test_a_rejection_is_shown_to_the_person_in_arabic(case, make_user):
    person, other = make_user("nadia"), case["other"]
    action = take_action(case["acting"], person.account, "limit", rule_ids=[case["rule"].id], reason="Spam.")
    _client(person).post(f"/notices/{action.id}/appeal", {"text": "ليس إزعاجا"})
    _client(other).post(
        f"/notices/{action.id}/appeal/decision", {"decision": "reject", "reason": "أربعون منشورا في ساعة"}
    )
    page = _client(person, "ar").get(f"/notices/{action.id}/appeal").content.decode()
    assert 'dir="rtl"' in page and "أربعون منشورا في ساعة" in page
    assert "Rejected" not in page and "The decision on the appeal" not in page  # translated
    assert Account.objects.get(pk=person.account.pk).limited_at is not None
    news = _client(person).get("/notifications").content.decode()
    assert f'href="/notices/{action.id}/appeal"' in news and "News about your appeal" in news


def test_the_notice_says_when_the_period_is_over(case):
    person, action = case["person"], case["action"]
    ModerationAction.objects.filter(pk=action.pk).update(created_at=timezone.now() - timedelta(days=21))
    me = _client(person)
    notice = me.get(f"/notices/{action.id}").content.decode()
    assert 'name="text"' not in notice and "can no longer be" in notice
    me.post(f"/notices/{action.id}/appeal", {"text": "Late."})
    assert not Appeal.objects.exists()


def test_strangers_get_404_on_an_appeal_and_403_on_the_moderators_list(case, make_user):
    action = case["action"]
    _client(case["person"]).post(f"/notices/{action.id}/appeal", {"text": "It was not spam."})
    stranger = _client(make_user("bystander"))
    assert stranger.get(f"/notices/{action.id}/appeal").status_code == 404
    assert stranger.post(f"/notices/{action.id}/appeal", {"text": "me"}).status_code == 404
    assert stranger.post(f"/notices/{action.id}/appeal/messages", {"text": "me"}).status_code == 404
    assert (
        stranger.post(
            f"/notices/{action.id}/appeal/decision", {"decision": "approve", "reason": "x"}
        ).status_code
        == 403
    )
    assert stranger.get("/moderation/appeals").status_code == 403
    person = _client(case["person"])
    assert person.get("/moderation/appeals").status_code == 403
    assert (
        person.post(
            f"/notices/{action.id}/appeal/decision", {"decision": "approve", "reason": "x"}
        ).status_code
        == 403
    )
    assert Appeal.objects.get(action=action).messages.count() == 0
    assert Appeal.objects.get(action=action).state == AppealState.PENDING
    anonymous = Client().get(f"/notices/{action.id}/appeal")
    assert anonymous.status_code == 302 and "/auth/sign_in" in anonymous["Location"]
