"""Scheduled posts: kept until their time, then published by the worker's own task through the one pipeline (and
only then fanned out and announced); Mastodon's limits; uploads reserved for them; a post that can no longer be
published is kept as failed with the reason; several workers publish each post once."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from caravan import error_codes, publishing, relationships
from caravan.accounts.services import set_role
from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.media.services import upload_image
from caravan.moderation import services as moderation
from caravan.pagination import Page
from caravan.posts.models import Post, ScheduledPost
from caravan.publishing import PollSpec, scheduling
from caravan.timelines.selectors import home_timeline
from tests.domain.test_media import crafted


@pytest.fixture
def soon(caravan_settings):
    """Scheduling at least one second ahead instead of Mastodon's five minutes, so tests wait for real."""
    caravan_settings(SCHEDULED_MIN_AHEAD=1)

    def at(seconds: float = 1.5):
        return timezone.now() + timedelta(seconds=seconds)

    return at


def wait_until_due(scheduled: ScheduledPost) -> None:
    time.sleep(max(0.0, (scheduled.scheduled_at - timezone.now()).total_seconds()) + 0.05)


def test_a_scheduled_post_is_published_by_the_worker_at_its_time_and_only_then(make_account, run_tasks, soon):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    scheduled = scheduling.schedule_post(alice, soon(), "Later, #caravan", visibility="public")
    run_tasks()  # nothing is due yet: nothing published, nothing sent
    assert Post.objects.filter(account=alice).count() == 0
    assert list(scheduling.pending_for(alice)) == [scheduled]
    wait_until_due(scheduled)
    assert run_tasks() >= 1
    post = Post.objects.get(account=alice)
    assert post.text == "Later, #caravan" and post.created_at >= scheduled.scheduled_at
    assert not ScheduledPost.objects.exists()
    assert [p.id for p in home_timeline(bob, Page())] == [post.id]


def test_media_and_poll_go_out_with_the_post_and_media_are_reserved_until_then(make_account, run_tasks, soon):
    alice = make_account("alice")
    image = upload_image(alice, io.BytesIO(crafted("png")))
    scheduled = scheduling.schedule_post(alice, soon(2), "look", media=[image])
    with pytest.raises(DomainError) as taken:
        publishing.create_post(alice, "stealing it", media=[image])
    assert taken.value.kind is error_codes.MEDIA_ALREADY_ATTACHED
    with pytest.raises(DomainError):
        scheduling.schedule_post(alice, soon(3), "twice", media=[image])
    polled = scheduling.schedule_post(alice, soon(2), "which?", poll=PollSpec(["tea", "coffee"], 600))
    wait_until_due(scheduled)
    run_tasks()
    post = Post.objects.get(account=alice, text="look")
    assert list(post.media_attachments.all()) == [image]
    poll_post = Post.objects.get(account=alice, text="which?")
    assert [o["title"] for o in poll_post.poll.options] == ["tea", "coffee"]
    assert poll_post.poll.expires_at > timezone.now()
    assert not ScheduledPost.objects.filter(pk=polled.pk).exists()


def test_cancelling_frees_the_media(make_account, soon):
    alice = make_account("alice")
    image = upload_image(alice, io.BytesIO(crafted("png")))
    scheduled = scheduling.schedule_post(alice, soon(60), "", media=[image])
    scheduling.cancel(alice, scheduled.id)
    assert publishing.create_post(alice, "now", media=[image]).media_attachments.get() == image


def test_too_soon_bad_dates_and_mastodons_limits(make_account, caravan_settings):
    alice = make_account("alice")
    with pytest.raises(DomainError) as too_soon:
        scheduling.schedule_post(alice, timezone.now() + timedelta(minutes=4), "soon")
    assert too_soon.value.kind is error_codes.SCHEDULED_TOO_SOON
    for bad in ("tomorrow", "", "2030-13-01T00:00:00Z", "9" * 100, "0001-01-01T00:00:00"):
        with pytest.raises(DomainError) as refused:
            scheduling.parse_time(bad)
        assert refused.value.kind is error_codes.SCHEDULED_AT_INVALID
    assert scheduling.parse_time("2030-01-31T18:00:00+02:00").isoformat() == "2030-01-31T16:00:00+00:00"
    day = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=3)
    for i in range(scheduling.DAILY_LIMIT):
        scheduling.schedule_post(alice, day + timedelta(minutes=i), f"post {i}")
    with pytest.raises(DomainError) as daily:
        scheduling.schedule_post(alice, day + timedelta(hours=1), "one more that day")
    assert daily.value.kind is error_codes.SCHEDULED_DAILY_LIMIT
    scheduling.schedule_post(alice, day + timedelta(days=1), "the next day is fine")
    # Moving one to a day that is full is refused too.
    other = scheduling.pending_for(alice).filter(text="the next day is fine").get()
    with pytest.raises(DomainError):
        scheduling.reschedule(alice, other.id, day + timedelta(hours=2))
    with pytest.raises(DomainError) as gone:
        scheduling.reschedule(make_account("bob"), other.id, day + timedelta(days=2))
    assert gone.value.kind is error_codes.RECORD_NOT_FOUND


def test_the_total_limit(make_account, monkeypatch):
    alice = make_account("alice")
    monkeypatch.setattr(scheduling, "TOTAL_LIMIT", 3)  # the rule, with a smaller number than 300
    start = timezone.now() + timedelta(days=1)
    for i in range(3):
        scheduling.schedule_post(alice, start + timedelta(days=i), f"post {i}")
    with pytest.raises(DomainError) as total:
        scheduling.schedule_post(alice, start + timedelta(days=10), "one more")
    assert total.value.kind is error_codes.SCHEDULED_TOTAL_LIMIT


def test_a_post_scheduled_now_is_checked_as_a_post(make_account, caravan_settings):
    alice = make_account("alice")
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as long:
        scheduling.schedule_post(alice, later, "x" * 501)
    assert long.value.kind is error_codes.POST_TOO_LONG
    with pytest.raises(DomainError):
        scheduling.schedule_post(alice, later, "")
    assert not ScheduledPost.objects.exists()


def test_a_reply_whose_parent_is_deleted_fails_and_its_author_sees_why(make_account, run_tasks, soon):
    alice, bob = make_account("alice"), make_account("bob")
    parent = publishing.create_post(bob, "ask me")
    image = upload_image(alice, io.BytesIO(crafted("png")))
    scheduled = scheduling.schedule_post(alice, soon(), "my answer", in_reply_to=parent, media=[image])
    publishing.delete_post(parent, bob)
    wait_until_due(scheduled)
    run_tasks()
    assert not Post.objects.filter(account=alice).exists()
    failed = ScheduledPost.objects.get(pk=scheduled.pk)
    assert failed.failed_code == error_codes.REPLY_TARGET_UNAVAILABLE.code
    assert list(scheduling.pending_for(alice)) == []  # no longer a scheduled post for the API
    assert publishing.create_post(alice, "image freed", media=[image]).has_media


def test_a_suspended_authors_post_is_not_published(make_user, make_account, run_tasks, soon):
    moderator = set_role(make_user("mod"), "moderator")
    mallory = make_account("mallory")
    scheduled = scheduling.schedule_post(mallory, soon(), "spam later")
    moderation.take_action(moderator, mallory, "suspend", rule_ids=[add_rule("No spam").id], reason="Spam.")
    wait_until_due(scheduled)
    run_tasks()
    assert not Post.objects.filter(account=mallory).exists()
    assert ScheduledPost.objects.get(pk=scheduled.pk).failed_code == "scheduled_author_unavailable"


def test_a_later_time_and_an_earlier_time_are_both_kept(make_account, run_tasks, soon):
    alice = make_account("alice")
    scheduled = scheduling.schedule_post(alice, soon(1.2), "moved later")
    scheduling.reschedule(alice, scheduled.id, soon(2.5))
    time.sleep(1.4)
    run_tasks()
    assert not Post.objects.exists()  # the run for the old time finds nothing due and waits for the new one
    wait_until_due(ScheduledPost.objects.get(pk=scheduled.pk))
    run_tasks()
    assert Post.objects.get().text == "moved later"


def test_resume_arranges_a_run_for_posts_whose_task_was_lost(make_account, run_tasks, soon):
    from django_tasks_db.models import DBTaskResult

    alice = make_account("alice")
    scheduled = scheduling.schedule_post(alice, soon(), "after a crash")
    DBTaskResult.objects.all().delete()  # a killed worker's task rows are of no use to anyone
    scheduling.resume()
    wait_until_due(scheduled)
    run_tasks()
    assert Post.objects.get().text == "after a crash"


@pytest.mark.django_db(transaction=True)
def test_several_workers_publish_each_post_once(make_account, soon):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("shared-cache in-memory SQLite refuses concurrent writers; set CARAVAN_TEST_DB_NAME")
    alice = make_account("alice")
    posts = [scheduling.schedule_post(alice, soon(1.2), f"once {i}") for i in range(6)]
    wait_until_due(posts[-1])
    start = threading.Barrier(4)
    errors = []

    def worker():
        try:
            start.wait()
            scheduling.publish_due()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sorted(Post.objects.filter(account=alice).values_list("text", flat=True))
    assert texts == sorted(f"once {i}" for i in range(6))
    assert not ScheduledPost.objects.exists()
    assert errors == []


def test_erasing_an_account_takes_its_scheduled_posts_and_their_uploads(make_user, run_tasks, soon):
    from caravan.leaving import erase_local_account
    from caravan.media.models import MediaAttachment

    jane = make_user("jane")
    image = upload_image(jane.account, io.BytesIO(crafted("png")))
    scheduled = scheduling.schedule_post(jane.account, soon(), "never", media=[image])
    erase_local_account(jane)
    assert not ScheduledPost.objects.exists() and not MediaAttachment.objects.exists()
    wait_until_due(scheduled)
    run_tasks()
    assert not Post.objects.filter(text="never").exists()
