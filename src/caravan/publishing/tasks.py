"""Background work for posts: closing a local poll when it ends, publishing scheduled posts at their time."""

from django_tasks import task

from caravan.publishing.polls import close_poll_and_notify


@task(queue_name="default")
def close_poll(poll_id: int) -> None:
    close_poll_and_notify(poll_id)


@task(queue_name="default")
def publish_scheduled_posts() -> int:
    """Publish the scheduled posts whose time has come; each run arranges the next."""
    from caravan.publishing import scheduling  # it enqueues this task

    return scheduling.publish_due()
