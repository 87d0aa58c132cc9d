"""The inbox queue: each queued activity succeeds or fails on its own. Good activities around a bad one are
applied; a failing one is retried with back-off, then set aside with its error for the admin, who can retry
or discard it. Runs on SQLite and PostgreSQL alike (DATABASE_URL)."""

import orjson
import pytest

from caravan.federation.inbox import MAX_INBOX_ATTEMPTS, process_queued
from caravan.federation.models import InboxItem
from caravan.posts.models import Favourite, Post
from caravan.social.models import Follow
from tests.federation.test_inbox import note

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def alice(make_account):
    return make_account("alice")


@pytest.fixture
def bob(make_remote, alice):
    from caravan.relationships import accept_follow_request, follow

    bob = make_remote("bob", "remote.example")
    follow(alice, bob.account)
    accept_follow_request(bob.account, alice)
    return bob


@pytest.fixture
def retry_now(caravan_settings):
    """Back-off of zero, so a failed item is due again on the next run (the real scale is minutes)."""
    caravan_settings(FEDERATION_RETRY_SCALE=0.0)


def queue(remote, activity: dict) -> InboxItem:
    return InboxItem.objects.create(signer=remote.account, body=orjson.dumps(activity))


def create_note(remote, n: int, **fields) -> dict:
    uri = f"{remote.uri}/statuses/{n}"
    return {
        "id": f"{uri}/activity",
        "type": "Create",
        "actor": remote.uri,
        "object": note(remote, n, **fields),
    }


def poll_question(remote, n: int, votes: int) -> dict:
    """A Create(Question) (the one-by-one path) whose tally does not fit any database integer."""
    activity = create_note(remote, n)
    activity["object"].update(
        type="Question",
        content="<p>which?</p>",
        endTime="2027-01-01T00:00:00Z",
        oneOf=[
            {"type": "Note", "name": "yes", "replies": {"type": "Collection", "totalItems": votes}},
            {"type": "Note", "name": "no", "replies": {"type": "Collection", "totalItems": 0}},
        ],
    )
    return activity


def poisoned_batch(alice, bob) -> tuple[list[InboxItem], list[InboxItem]]:
    """Good activities around two bad ones: a Note dated in the year 9000 (its time-sortable id overflows 64
    bits, in the bulk path) and a poll whose tally is 2**64 - 1 (in the one-by-one path)."""
    good, bad = [], []
    good.append(queue(bob, create_note(bob, 1)))
    bad.append(queue(bob, create_note(bob, 2, published="9000-01-01T00:00:00Z")))
    good.append(queue(bob, create_note(bob, 3)))
    bad.append(queue(bob, poll_question(bob, 4, 2**64 - 1)))
    good.append(queue(bob, create_note(bob, 5)))
    return good, bad


def _local_post(alice):
    from caravan.publishing import create_post

    return create_post(alice, "hello from alice")


def test_good_activities_around_bad_ones_are_applied_and_the_bad_ones_set_aside(alice, bob, retry_now):
    good, bad = poisoned_batch(alice, bob)
    post = _local_post(alice)
    like = {"id": f"{bob.uri}#likes/1", "type": "Like", "actor": bob.uri, "object": post.uri}
    good.append(queue(bob, like))
    follow = {"id": f"{bob.uri}#follows/1", "type": "Follow", "actor": bob.uri, "object": alice.uri}
    good.append(queue(bob, follow))

    assert process_queued() == len(good)
    for n in (1, 3, 5):
        assert Post.objects.filter(uri=f"{bob.uri}/statuses/{n}").exists()
    assert Favourite.objects.filter(account=bob.account, post=post).exists()
    assert Follow.objects.filter(account=bob.account, target_account=alice).exists()
    assert not InboxItem.objects.filter(pk__in=[item.pk for item in good]).exists()
    for item in bad:
        item.refresh_from_db()
        assert item.state == InboxItem.QUEUED and item.attempts == 1 and item.last_error

    # The bad ones are retried on later runs and set aside after the last attempt; nothing good is redone.
    for _ in range(MAX_INBOX_ATTEMPTS - 1):
        assert process_queued() == 0
    for item in bad:
        item.refresh_from_db()
        assert item.state == InboxItem.SET_ASIDE
        assert item.attempts == MAX_INBOX_ATTEMPTS
        assert item.next_attempt_at is None
        assert item.last_error
    assert not Post.objects.filter(uri__in=[f"{bob.uri}/statuses/{n}" for n in (2, 4)]).exists()
    assert Post.objects.filter(account=bob.account).count() == 3
    assert Favourite.objects.filter(post=post).count() == 1
    # A set-aside item is not tried again by the queue.
    assert process_queued() == 0
    assert InboxItem.objects.get(pk=bad[0].pk).attempts == MAX_INBOX_ATTEMPTS


def test_a_failed_item_waits_for_its_back_off_and_a_task_is_scheduled_for_it(alice, bob):
    from django_tasks_db.models import DBTaskResult

    _good, bad = poisoned_batch(alice, bob)
    DBTaskResult.objects.all().delete()
    process_queued()
    item = InboxItem.objects.get(pk=bad[0].pk)
    assert item.attempts == 1 and item.next_attempt_at is not None
    # Not due yet: another run leaves it alone.
    process_queued()
    assert InboxItem.objects.get(pk=bad[0].pk).attempts == 1
    earliest = min(
        InboxItem.objects.filter(pk__in=[b.pk for b in bad]).values_list("next_attempt_at", flat=True)
    )
    scheduled = DBTaskResult.objects.filter(task_path__endswith="process_inbox", status="READY")
    assert scheduled.filter(run_after__lte=earliest).exists()


def test_new_activities_are_processed_at_once_even_while_a_retry_waits(alice, bob, run_tasks):
    from caravan.federation.asgi_inbox import store_items

    _good, bad = poisoned_batch(alice, bob)
    process_queued()  # the bad ones now wait minutes for their retry, with a task scheduled then
    store_items([(bob.account.pk, orjson.dumps(create_note(bob, 7)))])
    run_tasks()
    assert Post.objects.filter(uri=f"{bob.uri}/statuses/7").exists()
    assert InboxItem.objects.filter(pk__in=[b.pk for b in bad], attempts=1).count() == 2


def test_an_item_that_fails_once_is_applied_on_its_retry(alice, bob, retry_now, monkeypatch):
    from caravan import publishing

    post = _local_post(alice)
    real_favourite = publishing.favourite
    calls = {"n": 0}

    def flaky_favourite(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:  # the batch attempt and the one-by-one attempt of the first run
            raise ConnectionError("the database went away for a moment")
        return real_favourite(*args, **kwargs)

    monkeypatch.setattr(publishing, "favourite", flaky_favourite)
    queue(bob, {"id": f"{bob.uri}#likes/9", "type": "Like", "actor": bob.uri, "object": post.uri})
    queue(bob, create_note(bob, 8))
    assert process_queued() == 1
    assert Post.objects.filter(uri=f"{bob.uri}/statuses/8").exists()
    assert not Favourite.objects.filter(post=post).exists()
    assert process_queued() == 1
    assert Favourite.objects.filter(post=post, account=bob.account).exists()
    assert not InboxItem.objects.exists()


def test_a_locked_database_is_not_held_against_the_activity(alice, bob, retry_now, monkeypatch):
    from django.db import OperationalError

    from caravan import publishing

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    post = _local_post(alice)
    monkeypatch.setattr(publishing, "favourite", locked)
    like = queue(bob, {"id": f"{bob.uri}#likes/5", "type": "Like", "actor": bob.uri, "object": post.uri})
    queue(bob, create_note(bob, 6))
    for _ in range(MAX_INBOX_ATTEMPTS + 2):
        process_queued()
    like.refresh_from_db()
    assert like.state == InboxItem.QUEUED and like.attempts == 0
    assert "database is locked" in like.last_error
    assert Post.objects.filter(uri=f"{bob.uri}/statuses/6").exists()


def _admin_client(client, make_user):
    from caravan.accounts.models import User

    admin = make_user("nadia")
    User.objects.filter(pk=admin.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=admin.pk))
    return client


def _set_aside(bob, activity: dict, error: str = "OverflowError: too large") -> InboxItem:
    item = queue(bob, activity)
    InboxItem.objects.filter(pk=item.pk).update(
        state=InboxItem.SET_ASIDE, attempts=MAX_INBOX_ATTEMPTS, last_error=error
    )
    return item


def test_the_admin_sees_set_aside_items_and_can_retry_or_discard_them(client, make_user, alice, bob):
    admin = _admin_client(client, make_user)
    kept = _set_aside(bob, create_note(bob, 11), "OverflowError: Python int too large")
    dropped = _set_aside(bob, create_note(bob, 12))
    page = admin.get("/admin/inbox")
    assert page.status_code == 200
    html = page.content.decode()
    assert "OverflowError: Python int too large" in html
    assert bob.uri in html and f"{bob.uri}/statuses/11/activity" in html
    assert "/admin/inbox" in admin.get("/admin").content.decode()

    response = admin.post("/admin/discard_inbox_item", {"item_id": dropped.pk})
    assert response.status_code == 302 and response["Location"] == "/admin/inbox"
    assert not InboxItem.objects.filter(pk=dropped.pk).exists()

    admin.post("/admin/retry_inbox_item", {"item_id": kept.pk})
    kept.refresh_from_db()
    assert kept.state == InboxItem.QUEUED and kept.attempts == 0
    from caravan.worker import run_pending_tasks

    run_pending_tasks()
    assert Post.objects.filter(uri=f"{bob.uri}/statuses/11").exists()
    assert not InboxItem.objects.exists()
    assert admin.post("/admin/retry_inbox_item", {"item_id": kept.pk}).status_code == 404


def test_the_set_aside_page_is_for_admins_only_and_speaks_arabic(client, make_user, alice, bob):
    _set_aside(bob, create_note(bob, 13))
    client.force_login(make_user("someone"))
    assert client.get("/admin/inbox").status_code == 403
    assert client.post("/admin/discard_inbox_item", {"item_id": 1}).status_code == 403
    admin = _admin_client(client, make_user)
    html = admin.get("/admin/inbox?lang=ar").content.decode()
    assert "نشاطات واردة" in html
