"""The notification policy's rules in `notify_many`, on the real database: each condition Mastodon's NotifyService
applies (followers of 3 days, new accounts, limited accounts, staff, accepted senders, non-filterable types), a
drop winning over a filter, the requests' counts, and a batch costing the same queries for 1 or 30 items."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caravan import publishing, relationships
from caravan.accounts.models import Account, Role, User
from caravan.notifications import services as notifications
from caravan.notifications.models import Notification, NotificationPolicy, NotificationRequest
from caravan.social.models import Follow

pytestmark = pytest.mark.django_db


def held(recipient: Account) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=recipient, filtered=True).values_list(
            "from_account__username", flat=True
        )
    )


def shown(recipient: Account) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=recipient, filtered=False).values_list(
            "from_account__username", flat=True
        )
    )


def test_followers_count_only_after_three_days(make_account):
    me, old_fan, new_fan = make_account("me"), make_account("oldfan"), make_account("newfan")
    NotificationPolicy.objects.create(account=me, for_not_followers="filter")
    relationships.follow(old_fan, me)
    relationships.follow(new_fan, me)
    Follow.objects.filter(account=old_fan).update(created_at=timezone.now() - timedelta(days=4))
    post = publishing.create_post(me, "hello")
    for fan in (old_fan, new_fan):
        notifications.notify(me, "favourite", fan, post)
    assert Notification.objects.get(recipient=me, from_account=old_fan, type="favourite").filtered is False
    assert Notification.objects.get(recipient=me, from_account=new_fan, type="favourite").filtered is True


def test_new_limited_staff_and_accepted_senders(make_account, make_user):
    me = make_account("me")
    NotificationPolicy.objects.create(account=me, for_new_accounts="filter", for_limited_accounts="drop")
    newcomer, veteran, limited = make_account("newcomer"), make_account("veteran"), make_account("limited")
    Account.objects.filter(pk=veteran.pk).update(created_at=timezone.now() - timedelta(days=31))
    veteran.refresh_from_db()
    limited.limited_at = timezone.now()
    Account.objects.filter(pk=limited.pk).update(
        limited_at=limited.limited_at, created_at=timezone.now() - timedelta(days=90)
    )
    limited.refresh_from_db()
    moderator = make_user("moddy").account
    User.objects.filter(account=moderator).update(role=Role.MODERATOR)
    for sender in (newcomer, veteran, limited, moderator):
        notifications.notify(me, "follow", sender)
    assert held(me) == ["newcomer"]
    assert shown(me) == ["moddy", "veteran"]  # staff pass; the limited account was dropped
    request = NotificationRequest.objects.get(recipient=me)
    notifications.accept_requests(me, [request.id])
    notifications.notify(me, "mention", newcomer)
    assert held(me) == [] and shown(me) == ["moddy", "newcomer", "newcomer", "veteran"]


def test_drop_wins_over_filter_and_unfilterable_types_pass(make_account):
    me, stranger = make_account("me"), make_account("stranger")
    NotificationPolicy.objects.create(account=me, for_not_following="drop", for_new_accounts="filter")
    post = publishing.create_post(me, "a poll soon")
    notifications.notify(me, "favourite", stranger, post)
    notifications.notify(me, "update", stranger, post)
    notifications.notify(me, "status", stranger, post)
    assert sorted(Notification.objects.filter(recipient=me).values_list("type", flat=True)) == [
        "status",
        "update",
    ]
    assert not NotificationRequest.objects.exists()


def test_requests_count_every_held_notification_and_name_the_latest_post(make_account):
    me, stranger = make_account("me"), make_account("stranger")
    first = publishing.create_post(stranger, "@me one", visibility="direct")
    second = publishing.create_post(stranger, "@me two", visibility="direct")
    request = NotificationRequest.objects.get(recipient=me, from_account=stranger)
    assert request.notifications_count == 2 and request.last_post_id == second.id != first.id
    notifications.notify_many([(me, "mention", stranger, first), (me, "mention", stranger, second)])
    request.refresh_from_db()
    assert request.notifications_count == 4


def test_a_batch_costs_the_same_queries_for_one_item_or_thirty(make_account):
    senders = [make_account(f"sender{i}") for i in range(30)]
    recipients = [make_account(f"recipient{i}") for i in range(30)]
    NotificationPolicy.objects.create(account=recipients[0], for_not_followers="filter")
    posts = [
        publishing.create_post(s, f"@recipient{i} hi", visibility="direct") for i, s in enumerate(senders)
    ]
    Notification.objects.all().delete()
    NotificationRequest.objects.all().delete()

    def cost(n: int) -> int:
        items = [(recipients[i], "mention", senders[i], posts[i]) for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            notifications.notify_many(items)
        return len(queries)

    one = cost(1)
    thirty = cost(30)
    # The held notifications are counted into their requests with one UPDATE per (recipient, sender): the rest
    # of the batch is a fixed number of queries.
    assert thirty - one <= 29, (one, thirty)
    assert NotificationRequest.objects.count() == 30
