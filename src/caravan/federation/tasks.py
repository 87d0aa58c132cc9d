"""Background work of the federation face: sending deliveries, now and when their retry is due."""

from django_tasks import task

from caravan.federation import sender


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
