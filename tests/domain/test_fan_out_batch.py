"""A fan-out task takes on the fan-outs waiting behind it (decision 0045): when posting outruns the worker, the
worker catches up in batches. Every post still reaches every feed once, the runs it took on are marked done in
the transaction that did their work, and a run another worker holds is left to it."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from caravan import publishing
from caravan.notifications.models import Notification
from caravan.posts.selectors import load_posts
from caravan.relationships import follow
from caravan.timelines.models import FeedEntry
from caravan.timelines.services import fan_out
from caravan.timelines.tasks import fan_out_posts
from caravan.worker import run_pending_tasks, take, waiting


def _fan_outs(status: str) -> int:
    return DBTaskResult.objects.filter(task_path=fan_out_posts.module_path, status=status).count()


@pytest.fixture
def author_and_followers(make_account, run_tasks):
    author = make_account("busy_author")
    followers = [make_account(f"reader{i}") for i in range(3)]
    for person in followers:
        follow(person, author, notify_on_post=person is followers[0])
    run_tasks()
    return author, followers


def test_one_run_fans_out_every_post_waiting(author_and_followers):
    author, followers = author_and_followers
    posts = [publishing.create_post(author, f"post number {i}") for i in range(5)]
    assert _fan_outs("READY") == 5

    assert run_pending_tasks() == 1  # the first run took the other four on
    assert _fan_outs("READY") == 0 and _fan_outs("SUCCESSFUL") >= 5
    for person in followers:
        feed = set(FeedEntry.objects.filter(owner=person).values_list("post_id", flat=True))
        assert {post.id for post in posts} <= feed
    # The bell rings once per post for the follower who asked, not once per run nor twice.
    bells = Notification.objects.filter(recipient=followers[0], type="status")
    assert sorted(bells.values_list("post_id", flat=True)) == sorted(post.id for post in posts)


def test_runs_taken_on_are_waiting_again_if_the_work_rolls_back(author_and_followers):
    author, _ = author_and_followers
    for i in range(3):
        publishing.create_post(author, f"post {i}")
    behind = waiting(fan_out_posts, 10)
    assert len(behind) == 3

    with pytest.raises(RuntimeError), transaction.atomic():
        assert take(list(behind)) == set(behind)
        assert _fan_outs("READY") == 0
        raise RuntimeError("the fan-out failed")
    assert _fan_outs("READY") == 3


def test_a_run_another_worker_claimed_is_left_to_it(author_and_followers):
    author, followers = author_and_followers
    first = publishing.create_post(author, "first")
    second = publishing.create_post(author, "second")
    behind = waiting(fan_out_posts, 10)
    claimed = next(task_id for task_id, args in behind.items() if args[0] == [second.id])
    DBTaskResult.objects.filter(pk=claimed).update(status="RUNNING")  # another worker has it

    with transaction.atomic():
        assert take(list(behind)) == set(behind) - {claimed}
    assert DBTaskResult.objects.get(pk=claimed).status == "RUNNING"

    # A fan-out whose claim lost a run writes only the posts of the runs it got.
    loaded = load_posts([first.id, second.id])
    fan_out(loaded, ours=lambda readers: {first.id})
    feed = set(FeedEntry.objects.filter(owner=followers[1]).values_list("post_id", flat=True))
    assert first.id in feed and second.id not in feed


def test_a_run_takes_on_the_others_whatever_their_posts(author_and_followers):
    author, followers = author_and_followers
    posts = [publishing.create_post(author, f"post {i}") for i in range(3)]
    fan_out_posts.call([posts[2].id])  # as the worker runs the last one first
    assert _fan_outs("READY") == 0
    feed = set(FeedEntry.objects.filter(owner=followers[2]).values_list("post_id", flat=True))
    assert {post.id for post in posts} <= feed


def test_a_batch_stops_before_too_many_feed_rows(author_and_followers, monkeypatch):
    """Each post's fan-out writes 3 feed rows (its 3 followers; the author's own row was written at posting):
    with room for 7 rows, a run takes on one other run, not two, and the last waits for its own turn."""
    from caravan.timelines import tasks

    author, followers = author_and_followers
    posts = [publishing.create_post(author, f"post {i}") for i in range(3)]
    monkeypatch.setattr(tasks, "FAN_OUT_ROWS", 7)
    assert run_pending_tasks(limit=1) == 1
    assert _fan_outs("READY") == 1
    feed = set(FeedEntry.objects.filter(owner=followers[0]).values_list("post_id", flat=True))
    assert {posts[0].id, posts[1].id} <= feed and posts[2].id not in feed
    run_pending_tasks()
    feed = set(FeedEntry.objects.filter(owner=followers[0]).values_list("post_id", flat=True))
    assert posts[2].id in feed
