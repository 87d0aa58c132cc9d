"""Running the durable task queue: the embedded worker thread of `caravan serve`, and `caravan worker` processes.

Tasks live in the database (django-tasks-db), so enqueueing is part of the transaction that causes the work and
any number of workers on any number of machines can share one PostgreSQL queue.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)


def make_worker(
    *, batch: bool = False, queues: list[str] | None = None, interval: float | None = None
) -> Worker:
    return Worker(
        queue_names=queues or ["*"],
        interval=settings.CARAVAN["WORKER_INTERVAL"] if interval is None else interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:64],
        excluded_queue_names=[],
    )


def wake(task, at: datetime | None = None) -> None:
    """Make sure `task` runs at `at` (now when None): enqueue it unless a waiting run of it starts by then.
    For tasks that sweep whatever is due (inbox items, retries), where one waiting run is enough."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    when = at or timezone.now()
    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").filter(
        Q(run_after=get_date_max()) | Q(run_after__lte=when)  # the maximum date means "as soon as possible"
    )
    if not waiting.exists():
        (task if at is None else task.using(run_after=at)).enqueue()


def waiting(task, limit: int) -> dict[str, list]:
    """Up to `limit` runs of `task` waiting in the queue and due now: {task row id: its positional arguments}.
    Read without a lock: a task that wants to take them on as well (a burst of small tasks worked as one batch,
    its queries and the queue's bookkeeping paid once) claims them with `take` in the transaction that does
    their work."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.ready().filter(task_path=task.module_path).values_list("id", "args_kwargs")
    return {str(task_id): args_kwargs["args"] for task_id, args_kwargs in rows[:limit]}


def take(task_ids: list[str]) -> set[str]:
    """Inside the caller's transaction: mark these waiting runs (from `waiting`) done, as the caller does their
    work in this transaction; returns those it got. Another worker may have claimed some meanwhile: they are not
    returned and the caller leaves their work to it. If the transaction rolls back, they are waiting again."""
    from django_tasks_db.models import DBTaskResult

    if not task_ids:
        return set()
    assert transaction.get_connection().in_atomic_block, "take() belongs in the transaction doing the work"
    still = DBTaskResult.objects.ready().filter(pk__in=task_ids).select_for_update(skip_locked=True)
    got = [str(task_id) for task_id in still.values_list("id", flat=True)]
    if got:
        now = timezone.now()
        DBTaskResult.objects.filter(pk__in=got).update(
            status="SUCCESSFUL", started_at=now, finished_at=now, return_value=None
        )
    return set(got)


def resume(interrupted_work: Callable[[], None]) -> None:
    """Before a worker loop starts: make what a killed process left half-done due again. The entry point
    says what that is (federation's deliveries and inbox), so this module imports no app."""
    try:
        interrupted_work()
    except Exception:  # never keep the worker from starting; the periodic checks catch up
        logger.exception("could not resume interrupted work")


def run_pending_tasks(limit: int = 100_000, *, raise_on_failure: bool = True) -> int:
    """Run every task that is due now in this thread and connection, then return how many ran.

    Unlike the worker loop it never recycles the database connection, so it also works inside a test's
    transaction. Each task is claimed and run exactly as the worker does it.
    """
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    worker = make_worker(batch=True, interval=0)
    ran = 0
    while ran < limit:
        with transaction.atomic():
            task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
        if raise_on_failure:
            task_result.refresh_from_db()
            if task_result.status == "FAILED":
                raise RuntimeError(f"task {task_result.task_path} failed: {task_result.traceback}")
    return ran


class EmbeddedWorker(threading.Thread):
    """The worker thread inside `caravan serve`: the one-box default needs no second process."""

    def __init__(self, interrupted_work: Callable[[], None]) -> None:
        super().__init__(name="caravan-embedded-worker", daemon=True)
        self.worker = make_worker()
        self.interrupted_work = interrupted_work

    def run(self) -> None:
        try:
            resume(self.interrupted_work)
            self.worker.run()
        except Exception:
            logger.exception("embedded worker stopped")

    def stop(self) -> None:
        self.worker.running = False


# Finished tasks are kept a while (to see what ran), then deleted: one row is written per post fanned out and per
# activity delivered, so the table would otherwise grow with everything the server ever did.
KEEP_SUCCEEDED = timedelta(hours=1)
KEEP_FAILED = timedelta(days=7)
PRUNE_BATCH = 2000
PRUNE_EVERY = timedelta(minutes=10)


def prune_finished(now: datetime | None = None) -> tuple[int, bool]:
    """Delete up to PRUNE_BATCH finished task rows past their keeping time, in one short transaction; returns
    (deleted, whether none are left)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    old = DBTaskResult.objects.filter(
        Q(status="SUCCESSFUL", finished_at__lt=now - KEEP_SUCCEEDED)
        | Q(status="FAILED", finished_at__lt=now - KEEP_FAILED)
    )
    ids = list(old.values_list("id", flat=True)[:PRUNE_BATCH])
    with transaction.atomic():
        deleted = DBTaskResult.objects.filter(pk__in=ids).delete()[0] if ids else 0
    return deleted, len(ids) < PRUNE_BATCH


@task(queue_name="default")
def prune_finished_tasks() -> int:
    """One bounded step of the prune, then the next at once while there is a backlog, else in PRUNE_EVERY."""
    deleted, caught_up = prune_finished()
    wake(prune_finished_tasks, timezone.now() + PRUNE_EVERY if caught_up else None)
    return deleted
