"""A v2 page reads notifications in batches until it has seen enough groups: a group of hundreds is passed over
batch by batch, and the scan stops at GROUP_SCAN_LIMIT (notifications/selectors.py)."""

from caravan.ids import new_id
from caravan.notifications import selectors
from caravan.notifications.models import Notification
from caravan.pagination import Page
from caravan.publishing import create_post


def _notifications(recipient, sender, post, count: int, group_key: str, kind: str) -> list[int]:
    ids = sorted(new_id() for _ in range(count))
    Notification.objects.bulk_create(
        Notification(
            id=i, recipient=recipient, from_account=sender, type=kind, post=post, group_key=group_key
        )
        for i in ids
    )
    return ids


def test_a_large_group_is_passed_over_batch_by_batch(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    post = create_post(alice, "liked a lot")
    follows = _notifications(alice, carol, None, 1, "follow-1", "follow")
    favourites = _notifications(alice, bob, post, 250, f"favourite-{post.id}-1", "favourite")
    mention = _notifications(alice, carol, post, 1, "", "mention")

    groups, covered = selectors.grouped_notifications(alice, Page(limit=3))
    assert [g.key for g in groups] == [f"ungrouped-{mention[0]}", f"favourite-{post.id}-1", "follow-1"]
    assert groups[1].count == 250 and groups[1].page_min_id == favourites[0]
    assert covered == sorted(mention + favourites + follows, reverse=True)

    # Oldest first after min_id: the follow, then all the favourites, then the mention.
    groups, covered = selectors.grouped_notifications(alice, Page(limit=2, min_id=follows[0] - 1))
    assert [g.key for g in groups] == [f"favourite-{post.id}-1", "follow-1"]
    assert len(covered) == 251


def test_the_scan_stops_at_its_limit(make_account, monkeypatch):
    monkeypatch.setattr(selectors, "GROUP_SCAN_LIMIT", 150)
    alice, bob = make_account("alice"), make_account("bob")
    post = create_post(alice, "liked a lot")
    _notifications(alice, bob, post, 1, "", "mention")
    favourites = _notifications(alice, bob, post, 300, f"favourite-{post.id}-1", "favourite")

    groups, covered = selectors.grouped_notifications(alice, Page(limit=5))
    assert len(covered) == 150  # the newest 150 favourites; the older mention is never reached
    assert covered == sorted(favourites, reverse=True)[:150]
    assert [g.key for g in groups] == [f"favourite-{post.id}-1"]
