"""Pact activities as a server receives and sends them: only the owner speaks for a pact and only a member for
their own choice, every count bounded; what leaves carries counts, and names participants only to servers where
someone committed."""

from datetime import timedelta

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from caravan.federation import pacts as federated
from caravan.federation.applying import process_activity
from caravan.federation.models import Delivery, OutgoingActivity
from caravan.federation.reading import InboxError
from caravan.moving.models import FollowCandidate
from caravan.notifications.models import Notification
from caravan.pacts import services
from caravan.pacts.models import Pact, PactMember
from caravan.social.models import FollowRequest

pytestmark = pytest.mark.django_db


def pact_object(owner_uri: str, **fields) -> dict:
    return {
        "id": f"{owner_uri.rsplit('/users/', 1)[0]}/pacts/77",
        "type": "caravan:Pact",
        "attributedTo": owner_uri,
        "caravan:threshold": 2,
        "caravan:members": 3,
        "caravan:committed": 0,
        "caravan:state": "open",
        "endTime": None,
        "updated": timezone.now().isoformat(),
    } | fields


def invite(owner, member, **fields) -> dict:
    obj = pact_object(owner.uri, **fields)
    return {
        "id": f"{obj['id']}#invites/{member.id}",
        "type": "Invite",
        "actor": owner.uri,
        "object": obj,
        "target": member.uri,
    }


def update(owner, n: int, **fields) -> dict:
    obj = pact_object(owner.uri, **fields)
    return {"id": f"{obj['id']}#updates/{n}", "type": "Update", "actor": owner.uri, "object": obj}


def test_an_invitation_makes_a_copy_and_tells_the_member(make_remote, make_account):
    owner, carol = make_remote("olga").account, make_account("carol")
    assert process_activity(invite(owner, carol), owner) == "pact invitation"
    pact = Pact.objects.get()
    assert (pact.uri, pact.owner_id, pact.threshold, pact.members_count) == (
        "https://remote.example/pacts/77",
        owner.id,
        2,
        3,
    )
    assert Notification.objects.get(recipient=carol).detail == "counted"


@pytest.mark.parametrize(
    "fields",
    [
        {"caravan:members": 10**6},
        {"caravan:threshold": 4},
        {"caravan:threshold": 0},
        {"caravan:committed": -1},
        {"caravan:committed": True},
        {"caravan:threshold": "2"},
        {"caravan:state": "<b>met</b>"},
        {"updated": None},
        {"id": "https://elsewhere.example/pacts/77"},
        {"attributedTo": "https://remote.example/users/someone-else"},
    ],
)
def test_hostile_invitations_are_refused(make_remote, make_account, fields):
    owner, carol = make_remote("olga").account, make_account("carol")
    with pytest.raises(InboxError):
        process_activity(invite(owner, carol, **fields), owner)
    assert not Pact.objects.exists() and not Notification.objects.exists()


def test_one_owner_cannot_flood_a_server_with_pacts(make_remote, make_account):
    owner, carol = make_remote("olga").account, make_account("carol")
    for n in range(5):
        activity = invite(owner, carol, id=f"https://remote.example/pacts/{n}")
        activity["id"] += str(n)
        process_activity(activity, owner)
    activity = invite(owner, carol, id="https://remote.example/pacts/99")
    with pytest.raises(InboxError):
        process_activity(activity, owner)
    assert Pact.objects.count() == 5


def test_news_of_a_pact_comes_only_from_its_owner_and_never_goes_back_in_time(make_remote, make_account):
    owner, stranger = make_remote("olga").account, make_remote("mallory").account
    carol = make_account("carol")
    process_activity(invite(owner, carol), owner)
    with pytest.raises(InboxError):
        process_activity(update(stranger, 1, **{"attributedTo": owner.uri}), stranger)
    later = timezone.now() + timedelta(seconds=5)
    process_activity(update(owner, 2, **{"caravan:committed": 2, "updated": later.isoformat()}), owner)
    process_activity(
        update(owner, 3, **{"caravan:committed": 1, "updated": timezone.now().isoformat()}), owner
    )
    assert Pact.objects.get().committed_count == 2


def test_when_met_our_committed_member_follows_the_named_participants(make_remote, make_account, run_tasks):
    owner, dave = make_remote("olga").account, make_remote("dave").account
    carol = make_account("carol")
    process_activity(invite(owner, carol), owner)
    copy = Pact.objects.get()
    services.commit(carol, copy, auto_follow=True)
    met = update(
        owner,
        4,
        **{
            "caravan:committed": 2,
            "caravan:state": "met",
            "caravan:participants": [owner.uri, dave.uri, carol.uri],
            "updated": (timezone.now() + timedelta(seconds=1)).isoformat(),
        },
    )
    process_activity(met, owner)
    run_tasks()
    assert Pact.objects.get().state == "met"
    assert set(FollowRequest.objects.filter(account=carol).values_list("target_account", flat=True)) == {
        owner.id,
        dave.id,
    }
    assert list(
        Notification.objects.filter(recipient=carol).values_list("detail", flat=True).order_by("id")
    ) == [
        "counted",
        "met",
    ]


def test_only_a_member_commits_to_a_pact_here_and_only_while_open(make_remote, make_account, run_tasks):
    owner = make_account("alice")
    carol, mallory = make_remote("carol").account, make_remote("mallory").account
    FollowCandidate.objects.create(account=owner, old_handle="x:carol", found_handle=carol.acct, target=carol)
    pact = services.create_pact(owner, threshold=1)
    uri = federated.pact_uri(pact)
    with pytest.raises(InboxError):
        process_activity(
            {"id": f"{mallory.uri}#p/1", "type": "Join", "actor": mallory.uri, "object": uri}, mallory
        )
    assert Pact.objects.get().committed_count == 0
    assert process_activity(
        {"id": f"{carol.uri}#p/2", "type": "Join", "actor": carol.uri, "object": uri}, carol
    )
    assert Pact.objects.get().state == "met"
    leave = {"id": f"{carol.uri}#p/3", "type": "Leave", "actor": carol.uri, "object": uri}
    assert process_activity(leave, carol) == "pact closed"  # too late: it stands, and is not retried
    assert Pact.objects.get().committed_count == 1


def test_what_leaves_names_no_one_who_did_not_agree(make_remote, make_account, run_tasks):
    owner = make_account("alice")
    carol = make_remote("carol", "one.example").account
    dave = make_remote("dave", "two.example").account
    for person in (carol, dave):
        FollowCandidate.objects.create(account=owner, old_handle="x", found_handle=person.acct, target=person)
    pact = services.create_pact(owner, threshold=1)
    invites = [orjson.loads(a.body) for a in OutgoingActivity.objects.filter(type="Invite")]
    assert len(invites) == 2 and all("caravan:participants" not in i["object"] for i in invites)
    assert all(list(i["to"]) == [i["target"]] for i in invites)
    process_activity(
        {"id": f"{carol.uri}#p/1", "type": "Join", "actor": carol.uri, "object": federated.pact_uri(pact)},
        carol,
    )
    met = [orjson.loads(a.body) for a in OutgoingActivity.objects.filter(type="Update")]
    by_inbox = {
        d.inbox_url: orjson.loads(d.activity.body)
        for d in Delivery.objects.filter(activity__type="Update").select_related("activity")
    }
    named = [m for m in met if "caravan:participants" in m["object"]]
    assert len(named) == 1 and sorted(named[0]["object"]["caravan:participants"]) == sorted(
        [owner.uri, carol.uri]
    )
    assert "caravan:participants" in by_inbox["https://one.example/inbox"]["object"]
    assert "caravan:participants" not in by_inbox["https://two.example/inbox"]["object"]
    assert PactMember.objects.get(account=dave).committed is False


def test_a_pact_is_not_served_to_other_servers(make_account):
    """Nothing about a pact is fetched by ActivityPub: its id answers no document, and no actor lists pacts."""
    owner, carol = make_account("alice"), make_account("carol")
    FollowCandidate.objects.create(account=owner, old_handle="x", found_handle=carol.acct, target=carol)
    pact = services.create_pact(owner, threshold=1)
    services.commit(carol, pact)
    accept = {"HTTP_ACCEPT": "application/activity+json"}
    answer = Client().get(f"/pacts/{pact.id}", **accept)
    assert answer.status_code in (302, 401, 403, 404)
    assert b"caravan:" not in answer.content and b"carol" not in answer.content
    for path in ("/users/alice", "/users/carol"):
        assert b"pact" not in Client().get(path, **accept).content.lower()


def test_a_withdrawal_on_a_copy_never_counts_below_zero_and_goes_to_the_owner(make_remote, make_account):
    owner, carol = make_remote("olga").account, make_account("carol")
    process_activity(invite(owner, carol), owner)
    copy = Pact.objects.get()
    services.commit(carol, copy)
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    process_activity(
        update(owner, 5, **{"caravan:committed": 0, "updated": later}), owner
    )  # Join not counted yet
    services.withdraw(carol, copy)
    assert Pact.objects.get().committed_count == 0
    sent = [orjson.loads(a.body) for a in OutgoingActivity.objects.order_by("id")]
    assert [(a["type"], a["actor"], a["object"]) for a in sent] == [
        ("Join", carol.uri, copy.uri),
        ("Leave", carol.uri, copy.uri),
    ]
    assert Delivery.objects.filter(inbox_url=owner.inbox_url).count() == 2


def test_news_that_a_remote_pact_ended_tells_our_members_how_far_it_got(make_remote, make_account):
    owner, carol = make_remote("olga").account, make_account("carol")
    process_activity(invite(owner, carol), owner)
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    process_activity(
        update(owner, 6, **{"caravan:committed": 1, "caravan:state": "ended", "updated": later}), owner
    )
    copy = Pact.objects.get()
    assert (copy.state, copy.committed_count, copy.threshold) == ("ended", 1, 2)
    details = Notification.objects.filter(recipient=carol).order_by("id").values_list("detail", flat=True)
    assert list(details) == ["counted", "ended"]
    assert not PactMember.objects.filter(pact=copy, named_only=True).exists()  # an ended pact names no one
