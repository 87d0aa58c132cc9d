"""Campaign counts: one membership per account at one of three levels, verified and unverified apart, kept
counts always equal to the memberships after any sequence of joins, changes, leaves, suspensions, deletions,
approvals and ageing; joins rate-limited; hostile input refused."""

import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.accounts.services import approve_user, set_role
from caravan.campaigns import selectors, services
from caravan.campaigns.models import Campaign, Membership, Status
from caravan.errors import DomainError, Throttled
from caravan.moderation import services as moderation

pytestmark = pytest.mark.django_db


def _rule():
    from caravan.instance.models import Rule
    from caravan.instance.services import add_rule

    return Rule.objects.first() or add_rule("No spam")


def _age(account: Account, days: int = 30) -> Account:
    Account.objects.filter(pk=account.pk).update(created_at=timezone.now() - timedelta(days=days))
    account.refresh_from_db()
    return account


@pytest.fixture
def campaign(make_account):
    owner = _age(make_account("organiser"))
    return services.start_campaign(owner, title="نترك معًا", description="Leave together", target=3)


def _assert_true_counts(campaign: Campaign) -> None:
    campaign.refresh_from_db()
    assert campaign.counts() == services.recount(campaign)
    today = selectors.series(campaign)[-1]
    assert today.counts == campaign.counts()


def test_one_membership_per_account_and_level_changes_move_the_count(campaign, make_account):
    amal = _age(make_account("amal"))
    services.join(campaign, amal, "will_move")
    services.join(campaign, amal, "will_move")
    assert Membership.objects.filter(campaign=campaign, account=amal).count() == 1
    assert (campaign.will_move_verified, campaign.headline) == (1, 1)
    services.join(campaign, amal, "moved")
    assert (campaign.will_move_verified, campaign.moved_verified, campaign.headline) == (0, 1, 1)
    services.join(campaign, amal, "left")
    assert (campaign.moved_verified, campaign.left_verified) == (0, 1)
    services.leave(campaign, amal)
    assert campaign.headline == 0
    with pytest.raises(DomainError) as error:
        services.leave(campaign, amal)
    assert error.value.kind is error_codes.CAMPAIGN_NOT_A_MEMBER
    _assert_true_counts(campaign)


def test_young_and_unapproved_accounts_are_unverified_until_they_age_or_are_approved(campaign, make_account):
    young = make_account("young")
    waiting = make_account("waiting")
    User.objects.filter(account=waiting).update(approved=False)
    _age(waiting)
    services.join(campaign, young, "will_move")
    services.join(campaign, waiting, "moved")
    campaign.refresh_from_db()
    assert campaign.headline == 0 and campaign.unverified == 2
    assert services.settle_verifications(campaign) == 0

    _age(young)
    Membership.objects.filter(account=young).update(verifies_at=timezone.now() - timedelta(seconds=1))
    assert services.settle_verifications(campaign) == 1
    assert (campaign.will_move_verified, campaign.moved_unverified) == (1, 1)

    approve_user(User.objects.get(account=waiting))
    assert services.settle_verifications(campaign) == 1
    assert (campaign.headline, campaign.unverified) == (2, 0)
    _assert_true_counts(campaign)


def test_suspended_and_deleted_accounts_stop_counting(campaign, make_account, make_user):
    admin = set_role(make_user("boss"), "admin")
    mallory, dana = _age(make_account("mallory")), _age(make_account("dana"))
    services.join(campaign, mallory, "will_move")
    services.join(campaign, dana, "moved")
    action = moderation.take_action(admin, mallory, "suspend", rule_ids=[_rule().id], reason="spam ring")
    campaign.refresh_from_db()
    assert campaign.headline == 1 and campaign.will_move_verified == 0
    _assert_true_counts(campaign)
    moderation.lift_action(admin, action, "mistake")
    campaign.refresh_from_db()
    assert campaign.headline == 2
    from caravan.leaving import erase_local_account

    erase_local_account(User.objects.get(account=dana))
    campaign.refresh_from_db()
    assert campaign.headline == 1 and campaign.moved_verified == 0
    _assert_true_counts(campaign)


def test_counts_equal_the_truth_after_any_sequence(campaign, make_account, make_user, caravan_settings):
    caravan_settings(CAMPAIGN_JOINS_PER_HOUR=0)
    admin = set_role(make_user("boss"), "admin")
    people = [make_account(f"p{i}") for i in range(8)]
    for person in people[:5]:
        _age(person)
    rng = random.Random(11)
    actions = {}
    for _ in range(120):
        person = rng.choice(people)
        person.refresh_from_db()
        move = rng.random()
        try:
            if move < 0.5:
                services.join(campaign, person, rng.choice(["will_move", "moved", "left"]))
            elif move < 0.7:
                services.leave(campaign, person)
            elif move < 0.8 and person.pk not in actions:
                actions[person.pk] = moderation.take_action(
                    admin, person, "suspend", rule_ids=[_rule().id], reason="test"
                )
            elif move < 0.9 and person.pk in actions:
                moderation.lift_action(admin, actions.pop(person.pk), "lifted")
            else:
                _age(person)
                Membership.objects.filter(account=person).update(verifies_at=timezone.now())
                services.settle_verifications(campaign)
        except DomainError:
            pass
        _assert_true_counts(campaign)


def test_joins_are_rate_limited(campaign, make_account, caravan_settings):
    caravan_settings(CAMPAIGN_JOINS_PER_HOUR=3)
    flapper = _age(make_account("flapper"))
    services.join(campaign, flapper, "will_move")
    services.join(campaign, flapper, "moved")
    services.leave(campaign, flapper)
    with pytest.raises(Throttled) as refused:
        services.join(campaign, flapper, "will_move")
    assert refused.value.kind is error_codes.CAMPAIGN_JOINS_TOO_FAST and refused.value.status == 429
    _assert_true_counts(campaign)


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"title": "   "}, error_codes.CAMPAIGN_TITLE_REQUIRED),
        ({"title": "\u202e\u2066"}, error_codes.CAMPAIGN_TITLE_REQUIRED),
        ({"title": "x" * 121}, error_codes.CAMPAIGN_TITLE_TOO_LONG),
        ({"description": "y" * 5001}, error_codes.CAMPAIGN_DESCRIPTION_TOO_LONG),
        ({"target": "0"}, error_codes.CAMPAIGN_TARGET_INVALID),
        ({"target": "1e9"}, error_codes.CAMPAIGN_TARGET_INVALID),
        ({"target": "999999999999999999999"}, error_codes.CAMPAIGN_TARGET_INVALID),
        ({"deadline": "2001-01-01"}, error_codes.CAMPAIGN_DEADLINE_INVALID),
        ({"deadline": "tomorrow"}, error_codes.CAMPAIGN_DEADLINE_INVALID),
    ],
)
def test_hostile_campaign_fields_are_refused(make_account, fields, kind):
    owner = make_account("owner")
    values = {"title": "Fine", "description": "", "target": 10, "deadline": None, **fields}
    with pytest.raises(DomainError) as error:
        services.start_campaign(owner, **values)
    assert error.value.kind is kind
    assert not Campaign.objects.exists()


def test_bidi_and_control_characters_are_taken_out_of_titles(make_account):
    owner = make_account("owner")
    campaign = services.start_campaign(
        owner, title="\u202eevil\u0000 title", description="<script>x</script>\u2067", target=5
    )
    assert campaign.title == "evil title"
    assert campaign.description == "<script>x</script>"


def test_unknown_level_and_closed_campaigns_are_refused(campaign, make_account, caravan_settings, make_user):
    person = make_account("person")
    with pytest.raises(DomainError) as error:
        services.join(campaign, person, "maybe")
    assert error.value.kind is error_codes.CAMPAIGN_LEVEL_UNKNOWN
    caravan_settings(CAMPAIGNS_NEED_APPROVAL=True)
    pending = services.start_campaign(person, title="Pending", target=2)
    assert pending.status == Status.PENDING
    with pytest.raises(DomainError) as error:
        services.join(pending, person, "will_move")
    assert error.value.kind is error_codes.CAMPAIGN_NOT_OPEN
    admin = set_role(make_user("boss"), "admin")
    services.decide_campaign(admin, pending, approve=True)
    pending.refresh_from_db()
    services.join(pending, person, "will_move")
    assert pending.unverified == 1


def test_meeting_the_target_notifies_every_member(campaign, make_account, run_tasks):
    from caravan.notifications.models import Notification

    members = [_age(make_account(f"m{i}")) for i in range(3)]
    for member in members:
        services.join(campaign, member, "will_move")
    campaign.refresh_from_db()
    assert campaign.target_met_at is not None
    run_tasks()
    told = Notification.objects.filter(type="caravan.campaign", subject_id=campaign.id, detail="target_met")
    assert sorted(n.recipient_id for n in told) == sorted(m.id for m in members)


def test_starters_are_shown_only_once_they_accept(campaign, make_account):
    starter = make_account("starter")
    services.add_starter(campaign, campaign.owner, starter)
    assert selectors.starters(campaign) == []
    assert selectors.pending_starter(campaign, starter)
    services.answer_starter(campaign, starter, accept=True)
    assert selectors.starters(campaign) == [starter]
    with pytest.raises(DomainError):
        services.add_starter(campaign, starter, make_account("other"))


def test_a_campaign_past_its_deadline_takes_no_more_changes(campaign, make_account):
    from datetime import date

    person = _age(make_account("late"))
    Campaign.objects.filter(pk=campaign.pk).update(deadline=date(2020, 1, 1))
    campaign.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.join(campaign, person, "will_move")
    assert error.value.kind is error_codes.CAMPAIGN_NOT_OPEN


def test_recounting_repairs_marks_that_came_without_an_event(campaign, make_account):
    from django.core.management import call_command

    marked = _age(make_account("marked"))
    services.join(campaign, marked, "moved")
    Account.objects.filter(pk=marked.pk).update(suspended_at=timezone.now())  # as a domain policy's task does
    call_command("recount_campaigns", stdout=io.StringIO())
    campaign.refresh_from_db()
    assert campaign.headline == 0 and campaign.counts() == services.recount(campaign)
    Account.objects.filter(pk=marked.pk).update(suspended_at=None)
    call_command("recount_campaigns", stdout=io.StringIO())
    campaign.refresh_from_db()
    assert campaign.moved_verified == 1
