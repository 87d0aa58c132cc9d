"""Background work of the federation face: sending deliveries, now and when their retry is due; applying
queued inbox activities; and picking up what a killed worker left half-done."""

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from caravan.federation import sender
from caravan.federation.models import Delivery, InboxItem
from caravan.worker import wake


@task(queue_name="delivery")
def deliver_activity(activity_id: int) -> int:
    return sender.deliver_due(activity_id)


@task(queue_name="delivery")
def deliver_retries() -> int:
    return sender.deliver_due()


@task(queue_name="default")
def process_inbox() -> int:
    from caravan.federation.inbox import process_queued

    return process_queued()


def resume_interrupted_work() -> None:
    """At worker start: what a killed process left half-done goes on. Deliveries it was sending are made
    due again once their claim is stale (a wake-up is scheduled for then), due deliveries and queued inbox
    items get a task (the killed process's tasks stay marked running for ever)."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    sender.reclaim_stale_deliveries()
    if Delivery.objects.filter(due, state=Delivery.PENDING).exists():
        wake(deliver_retries)
    sender.schedule_retries()
    if InboxItem.objects.filter(due, state=InboxItem.QUEUED).exists():
        wake(process_inbox)
