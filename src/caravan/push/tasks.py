"""Background work of Web Push: pushing a batch of notifications, and again later for those that failed."""

from django.utils import timezone
from django_tasks import task

from caravan.push import sending


@task(queue_name="default")
def deliver_push(notification_ids: list[int], only: list | None = None, attempt: int = 0) -> int:
    """Push the notifications to their recipients' subscriptions; the messages that met a busy or unreachable
    push service are tried again with back-off, up to `sending.MAX_ATTEMPTS` times. Returns how many went."""
    outcome = sending.push_notifications(notification_ids, only=only)
    if outcome.retry and attempt + 1 < sending.MAX_ATTEMPTS:
        ids = sorted({notification_id for _, notification_id in outcome.retry})
        pairs = [list(pair) for pair in outcome.retry]
        deliver_push.using(run_after=timezone.now() + sending.backoff(attempt + 1)).enqueue(
            ids, only=pairs, attempt=attempt + 1
        )
    return outcome.delivered
