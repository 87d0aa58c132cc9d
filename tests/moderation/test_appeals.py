"""Appeals as a conversation: the person answers a decision once, within 20 days; the person and the moderators
exchange messages; a moderator other than the one who acted decides with a reason, and approving lifts the
action. The person is told of moderators' messages and of the decision."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.moderation import appeals
from caravan.moderation.models import Appeal, AppealState, ModerationAction
from caravan.moderation.services import lift_action, take_action
from caravan.notifications.models import Notification


@pytest.fixture
def case(make_user):
    acting, other = set_role(make_user("mod"), "moderator"), set_role(make_user("mod2"), "moderator")
    person = make_user("mallory")
    rule = add_rule("No spam")
    action = take_action(acting, person.account, "limit", rule_ids=[rule.id], reason="Spam links.")
    return {"acting": acting, "other": other, "person": person, "action": action}


def _code(raised) -> str:
    return raised.value.kind.code


def test_the_person_appeals_within_the_period_and_not_after(case):
    person, action = case["person"], case["action"]
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - timedelta(days=appeals.APPEAL_DAYS, hours=1)
    )
    action.refresh_from_db()
    with pytest.raises(DomainError) as late:
        appeals.create_appeal(person, action, "It was not spam.")
    assert _code(late) == "appeal_period_over" and not Appeal.objects.exists()
    assert appeals.may_appeal(person, action) is False
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - timedelta(days=appeals.APPEAL_DAYS - 1)
    )
    action.refresh_from_db()
    assert appeals.may_appeal(person, action) is True
    appeal = appeals.create_appeal(person, action, "  It was not spam.  ")
    assert appeal.state == AppealState.PENDING and appeal.text == "It was not spam."
    assert appeal.account == person.account
    assert list(appeals.open_appeals()) == [appeal]


def test_an_action_is_appealed_once_and_only_by_its_person(case, make_user):
    person, action = case["person"], case["action"]
    with pytest.raises(DomainError) as stranger:
        appeals.create_appeal(make_user("bystander"), action, "Unfair to them.")
    assert _code(stranger) == "appeal_not_yours" and stranger.value.status == 403
    with pytest.raises(DomainError) as moderator:
        appeals.create_appeal(case["other"], action, "Unfair to them.")
    assert _code(moderator) == "appeal_not_yours"
    with pytest.raises(DomainError) as blank:
        appeals.create_appeal(person, action, "   ")
    assert _code(blank) == "appeal_text_required"
    appeals.create_appeal(person, action, "It was not spam.")
    with pytest.raises(DomainError) as second:
        appeals.create_appeal(person, action, "Really, it was not.")
    assert _code(second) == "appeal_already_made"
    assert Appeal.objects.count() == 1


def test_messages_go_both_ways_and_the_person_is_told_of_the_moderators(case, make_user):
    person, acting, action = case["person"], case["acting"], case["action"]
    appeal = appeals.create_appeal(person, action, "It was not spam.")
    told_before = Notification.objects.filter(recipient=person.account, type="moderation_appeal").count()
    asked = appeals.add_appeal_message(acting, appeal, "Which links were yours?")
    answered = appeals.add_appeal_message(person, appeal, "Only the first one.")
    assert (asked.by_person, asked.author) == (False, acting.account)
    assert (answered.by_person, answered.author) == (True, person.account)
    assert [m.text for m in appeal.messages.all()] == ["Which links were yours?", "Only the first one."]
    news = Notification.objects.filter(recipient=person.account, type="moderation_appeal")
    assert news.count() == told_before + 1  # the moderator's message, not the person's own
    assert news.get().moderation_action_id == action.id and news.get().from_account == person.account
    with pytest.raises(DomainError) as stranger:
        appeals.add_appeal_message(make_user("bystander"), appeal, "Me too.")
    assert _code(stranger) == "not_a_moderator"
    assert appeal.messages.count() == 2


def test_the_acting_moderator_cannot_decide(case):
    person, acting, action = case["person"], case["acting"], case["action"]
    appeal = appeals.create_appeal(person, action, "It was not spam.")
    for decision in ("approve", "reject"):
        with pytest.raises(DomainError) as refused:
            appeals.decide_appeal(acting, appeal, decision, "I stand by it.")
        assert _code(refused) == "appeal_decided_by_acting_moderator" and refused.value.status == 403
    with pytest.raises(DomainError) as person_decides:
        appeals.decide_appeal(person, appeal, "approve", "I agree with myself.")
    assert _code(person_decides) == "not_a_moderator"
    appeal.refresh_from_db()
    assert appeal.state == AppealState.PENDING and appeal.decided_by is None
    assert Account.objects.get(pk=person.account.pk).limited_at is not None


def test_another_moderator_approves_and_the_action_is_lifted(case):
    person, other, action = case["person"], case["other"], case["action"]
    appeal = appeals.create_appeal(person, action, "It was not spam.")
    with pytest.raises(DomainError) as no_reason:
        appeals.decide_appeal(other, appeal, "approve", " ")
    assert _code(no_reason) == "moderation_reason_required"
    with pytest.raises(DomainError) as unknown:
        appeals.decide_appeal(other, appeal, "maybe", "Hmm.")
    assert _code(unknown) == "appeal_decision_unknown"
    appeals.decide_appeal(other, appeal, "approve", "The links were to your own shop, which is allowed.")
    appeal.refresh_from_db()
    action.refresh_from_db()
    assert appeal.state == AppealState.APPROVED and appeal.decided_by == other.account
    assert action.lifted_at is not None and action.lifted_by == other.account
    assert action.lift_reason == "The links were to your own shop, which is allowed."
    assert Account.objects.get(pk=person.account.pk).limited_at is None
    assert Notification.objects.filter(
        recipient=person.account, type="moderation_appeal", moderation_action_id=action.id
    ).exists()
    with pytest.raises(DomainError) as again:
        appeals.decide_appeal(other, appeal, "reject", "Changed my mind.")
    assert _code(again) == "appeal_closed"
    with pytest.raises(DomainError) as closed:
        appeals.add_appeal_message(person, appeal, "Thank you!")
    assert _code(closed) == "appeal_closed"


def test_a_rejected_appeal_keeps_the_action_with_its_reason(make_user):
    acting, other = set_role(make_user("mod"), "moderator"), set_role(make_user("mod2"), "moderator")
    person = make_user("mallory")
    action = take_action(acting, person.account, "suspend", rule_ids=[add_rule("No spam").id], reason="Spam.")
    appeal = appeals.create_appeal(person, action, "Please.")  # a suspended person may still appeal
    appeals.decide_appeal(other, appeal, "reject", "Forty spam posts in an hour.")
    appeal.refresh_from_db()
    action.refresh_from_db()
    assert appeal.state == AppealState.REJECTED and appeal.decision_reason == "Forty spam posts in an hour."
    assert action.lifted_at is None
    assert Account.objects.get(pk=person.account.pk).suspended_at is not None
    assert list(appeals.open_appeals()) == []


def test_a_lifted_action_is_not_appealed(case):
    lift_action(case["other"], case["action"], "Mistake.")
    with pytest.raises(DomainError) as lifted:
        appeals.create_appeal(case["person"], case["action"], "Thanks anyway.")
    assert _code(lifted) == "moderation_action_lifted"
