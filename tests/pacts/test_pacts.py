"""Pacts in the domain: the threshold, withdrawal, the deadline's notice, following everyone, the bounds against
gaming, and that nobody reads another person's choice through the selectors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import error_codes
from caravan.errors import DomainError
from caravan.moving.models import FollowCandidate
from caravan.notifications.models import Notification
from caravan.pacts import selectors, services
from caravan.pacts.models import MAX_CHANGES, MAX_OPEN_PACTS, Pact, PactMember
from caravan.pagination import Page
from caravan.relationships import block
from caravan.social.models import Follow
from caravan.timelines import services as feeds

pytestmark = pytest.mark.django_db


def matched(owner, *people):
    for person in people:
        FollowCandidate.objects.create(
            account=owner, old_handle=f"x:{person.username}", found_handle=person.acct, target=person
        )


@pytest.fixture
def five(make_account):
    owner = make_account("owner")
    people = [make_account(f"p{i}") for i in range(5)]
    matched(owner, *people)
    return owner, people


def pact_news(account):
    return list(
        Notification.objects.filter(recipient=account, type="caravan.pact")
        .order_by("id")
        .values_list("detail", flat=True)
    )


def test_each_person_counted_is_told_and_sees_how_close_it_is(five):
    owner, people = five
    pact = services.create_pact(owner, threshold=3)
    assert pact.members_count == 5 and pact.committed_count == 0
    for person in people:
        assert pact_news(person) == ["counted"]
    services.commit(people[0], pact)
    view = selectors.pact_for(people[1], pact.id)
    assert (view.pact.committed_count, view.pact.threshold, view.would_make) == (1, 3, 2)
    assert selectors.pact_for(people[0], pact.id).would_make == 1  # already counted


def test_the_pact_is_met_when_the_threshold_is_reached_and_everyone_is_told(five, run_tasks):
    owner, people = five
    pact = services.create_pact(owner, threshold=3)
    for person in people[:2]:
        services.commit(person, pact)
    assert Pact.objects.get(pk=pact.pk).state == "open"
    services.commit(people[2], pact)
    pact.refresh_from_db()
    assert pact.state == "met" and pact.committed_count == 3
    assert pact_news(owner) == ["met"]
    for person in people:
        assert pact_news(person) == ["counted", "met"]
    # The notices name the owner, never the person whose commitment made it.
    assert set(Notification.objects.filter(type="caravan.pact").values_list("from_account", flat=True)) == {
        owner.id
    }
    with pytest.raises(DomainError) as caught:
        services.commit(people[3], pact)
    assert caught.value.kind is error_codes.PACT_CLOSED


def test_withdrawing_lowers_the_kept_count_and_committing_twice_counts_once(five):
    owner, people = five
    pact = services.create_pact(owner, threshold=3)
    services.commit(people[0], pact)
    services.commit(people[0], pact)
    assert Pact.objects.get(pk=pact.pk).committed_count == 1
    services.withdraw(people[0], pact)
    services.withdraw(people[0], pact)
    assert Pact.objects.get(pk=pact.pk).committed_count == 0
    services.commit(people[0], pact)
    services.commit(people[1], pact)
    services.withdraw(people[1], pact)
    services.commit(people[2], pact)
    assert Pact.objects.get(pk=pact.pk).state == "open"
    services.commit(people[3], pact)
    assert Pact.objects.get(pk=pact.pk).state == "met"
    with pytest.raises(DomainError) as caught:
        services.withdraw(people[0], pact)  # once met, a commitment stands
    assert caught.value.kind is error_codes.PACT_CLOSED


def test_people_who_committed_follow_each_other_in_one_click_or_automatically(five, run_tasks):
    owner, people = five
    pact = services.create_pact(owner, threshold=3, auto_follow=True)
    services.commit(people[0], pact, auto_follow=True)
    services.commit(people[1], pact)
    with pytest.raises(DomainError) as caught:
        services.follow_everyone(people[1], pact)
    assert caught.value.kind is error_codes.PACT_NOT_MET
    services.commit(people[2], pact)
    run_tasks()
    pact.refresh_from_db()
    circle = {owner.id, people[0].id, people[1].id, people[2].id}

    def follows(account):
        return set(Follow.objects.filter(account=account).values_list("target_account_id", flat=True))

    assert follows(owner) == circle - {owner.id}
    assert follows(people[0]) == circle - {people[0].id}
    assert follows(people[1]) == set()  # did not choose it in advance: one click
    assert services.follow_everyone(people[1], pact) == 3
    assert follows(people[1]) == circle - {people[1].id}
    assert services.follow_everyone(people[1], pact) == 0
    with pytest.raises(DomainError) as caught:
        services.follow_everyone(people[4], pact)  # counted, never committed: not in the circle
    assert caught.value.kind is error_codes.PACT_NOT_COMMITTED
    assert follows(people[4]) == set() and people[4].id not in follows(owner)


def test_a_pact_whose_deadline_passes_ends_with_a_notice_of_how_far_it_got(five, run_tasks):
    owner, people = five
    pact = services.create_pact(owner, threshold=4, deadline=timezone.now() + timedelta(hours=1))
    services.commit(people[0], pact)
    services.commit(people[1], pact)
    Pact.objects.filter(pk=pact.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    from caravan.pacts.tasks import end_expired_pacts

    end_expired_pacts.enqueue()
    run_tasks()
    pact.refresh_from_db()
    assert pact.state == "ended" and (pact.committed_count, pact.threshold) == (2, 4)
    assert pact_news(owner) == ["ended"]
    assert pact_news(people[4]) == ["counted", "ended"]
    with pytest.raises(DomainError):
        services.commit(people[2], pact)


def test_bounds_against_gaming_and_hostile_input(five, make_account):
    owner, people = five
    for threshold in (None, 0, -1, 10**9):
        with pytest.raises(DomainError) as caught:
            services.create_pact(owner, threshold=threshold)
        assert caught.value.kind is error_codes.PACT_THRESHOLD_INVALID
    with pytest.raises(DomainError) as caught:
        services.create_pact(owner, threshold=6)
    assert caught.value.kind is error_codes.PACT_THRESHOLD_TOO_HIGH
    for deadline in (timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=400)):
        with pytest.raises(DomainError) as caught:
            services.create_pact(owner, threshold=2, deadline=deadline)
        assert caught.value.kind is error_codes.PACT_DEADLINE_INVALID
    with pytest.raises(DomainError) as caught:
        services.create_pact(owner, threshold=2, people="everyone")
    assert caught.value.kind is error_codes.PACT_PEOPLE_UNKNOWN
    stranger = make_account("stranger")
    with pytest.raises(DomainError) as caught:
        services.create_pact(stranger, threshold=1)
    assert caught.value.kind is error_codes.PACT_NO_PEOPLE
    # Someone else's list is not yours to count.
    theirs = feeds.create_list(stranger, "mine")
    with pytest.raises(DomainError) as caught:
        services.create_pact(owner, threshold=1, people="list", list_id=theirs.id)
    assert caught.value.kind is error_codes.PACT_LIST_MISSING
    # The owner cannot commit, and cannot count themselves or people who block them.
    matched(owner, owner)
    block(people[4], owner)
    pact = services.create_pact(owner, threshold=4)
    assert pact.members_count == 4
    assert not PactMember.objects.filter(pact=pact, account__in=[owner, people[4]]).exists()
    with pytest.raises(DomainError) as caught:
        services.commit(owner, pact)
    assert caught.value.kind is error_codes.PACT_OWNER_CANNOT_COMMIT
    with pytest.raises(DomainError) as caught:
        services.commit(stranger, pact)
    assert caught.value.kind is error_codes.RECORD_NOT_FOUND
    for _ in range(MAX_OPEN_PACTS - 1):
        services.create_pact(owner, threshold=1)
    with pytest.raises(DomainError) as caught:
        services.create_pact(owner, threshold=1)
    assert caught.value.kind is error_codes.PACT_TOO_MANY_OPEN


def test_a_pact_from_a_list_counts_its_members(make_account):
    owner = make_account("owner")
    people = [make_account(f"l{i}") for i in range(3)]
    for person in people:
        Follow.objects.create(account=owner, target_account=person)
    chosen = feeds.create_list(owner, "friends")
    feeds.add_to_list(chosen, people[:2])
    pact = services.create_pact(owner, threshold=2, people="list", list_id=chosen.id)
    assert set(PactMember.objects.filter(pact=pact).values_list("account_id", flat=True)) == {
        people[0].id,
        people[1].id,
    }


def test_nobody_reads_anothers_choice_through_the_selectors(five, make_account):
    owner, people = five
    pact = services.create_pact(owner, threshold=3)
    services.commit(people[0], pact, auto_follow=True)
    # Another person counted reads the count, and only their own row.
    other = selectors.pact_for(people[1], pact.id)
    assert other.member.account_id == people[1].id and not other.committed and not other.auto_follow
    # The owner reads the counts, not who chose what.
    mine = selectors.pact_for(owner, pact.id)
    assert mine.member is None and mine.pact.committed_count == 1
    # Someone it does not count cannot see it at all.
    with pytest.raises(DomainError) as caught:
        selectors.pact_for(make_account("outsider"), pact.id)
    assert caught.value.kind is error_codes.RECORD_NOT_FOUND
    assert [v.pact.id for v in selectors.pacts_counting(people[2], Page())] == [pact.id]
    assert [v.pact.id for v in selectors.pacts_made_by(owner, Page())] == [pact.id]
    assert selectors.pacts_made_by(people[0], Page()) == []


def test_one_person_cannot_flip_their_choice_without_end(five):
    owner, people = five
    pact = services.create_pact(owner, threshold=5)
    for n in range(MAX_CHANGES):
        (services.commit if n % 2 == 0 else services.withdraw)(people[0], pact)
    with pytest.raises(DomainError) as caught:
        services.commit(people[0], pact)
    assert caught.value.kind is error_codes.PACT_TOO_MANY_CHANGES
    assert Pact.objects.get(pk=pact.pk).committed_count == 0


def test_a_deleted_or_suspended_persons_commitment_stops_counting(five, make_user):
    """Leaving and moderation announce their changes as events; open pacts of this server stop counting the
    commitments of an account deleted or suspended, so a pact is never met by people who are gone."""
    from caravan.accounts.services import set_role
    from caravan.instance.services import add_rule
    from caravan.leaving import erase_local_account
    from caravan.moderation.services import lift_action, take_action

    owner, people = five
    pact = services.create_pact(owner, threshold=3)
    for person in people[:2]:
        services.commit(person, pact)
    moderator = set_role(make_user("mod"), "moderator")
    action = take_action(moderator, people[0], "suspend", rule_ids=[add_rule("No spam").id], reason="Spam.")
    assert Pact.objects.get(pk=pact.pk).committed_count == 1
    assert not PactMember.objects.get(pact=pact, account=people[0]).committed
    lift_action(moderator, action, "A mistake.")  # lifting does not commit again: the person chooses anew
    assert Pact.objects.get(pk=pact.pk).committed_count == 1
    erase_local_account(people[1].user)
    assert Pact.objects.get(pk=pact.pk).committed_count == 0
    for person in people[2:]:
        services.commit(person, pact)
    assert Pact.objects.get(pk=pact.pk).state == "met"  # by three people who are still here
