"""Finished tasks are pruned: succeeded ones after an hour, failed ones after a week, in bounded steps that
reschedule themselves; waiting and running tasks are never touched."""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from caravan import publishing
from caravan.worker import PRUNE_EVERY, prune_finished, prune_finished_tasks, run_pending_tasks


def test_old_finished_tasks_go_and_the_rest_stay(make_account):
    author = make_account("author")
    for i in range(6):
        publishing.create_post(author, f"post {i}")  # each enqueues its fan-out
    run_pending_tasks()
    done = list(DBTaskResult.objects.filter(status="SUCCESSFUL").order_by("enqueued_at"))
    assert len(done) >= 6
    now = timezone.now()
    old_ok, fresh_ok, old_failed, fresh_failed = done[0], done[1], done[2], done[3]
    DBTaskResult.objects.filter(pk=old_ok.pk).update(finished_at=now - timedelta(hours=2))
    DBTaskResult.objects.filter(pk=fresh_ok.pk).update(finished_at=now - timedelta(minutes=5))
    DBTaskResult.objects.filter(pk=old_failed.pk).update(status="FAILED", finished_at=now - timedelta(days=8))
    DBTaskResult.objects.filter(pk=fresh_failed.pk).update(
        status="FAILED", finished_at=now - timedelta(days=2)
    )
    waiting = publishing.create_post(author, "still waiting")  # its fan-out is READY
    assert DBTaskResult.objects.filter(status="READY").exists()

    deleted, caught_up = prune_finished(now)
    assert (deleted, caught_up) == (2, True)
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old_ok.pk not in left and old_failed.pk not in left
    assert {fresh_ok.pk, fresh_failed.pk} <= left
    assert DBTaskResult.objects.filter(status="READY").exists() and waiting.pk


def test_the_prune_task_schedules_its_next_run(db):
    prune_finished_tasks.enqueue()
    run_pending_tasks()
    following = DBTaskResult.objects.filter(task_path=prune_finished_tasks.module_path, status="READY").get()
    wait = following.run_after - timezone.now()
    assert PRUNE_EVERY - timedelta(minutes=1) < wait <= PRUNE_EVERY
