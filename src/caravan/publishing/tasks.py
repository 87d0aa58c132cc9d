"""Background work for posts: closing a local poll when it ends."""

from django_tasks import task

from caravan.publishing.polls import close_poll_and_notify


@task(queue_name="default")
def close_poll(poll_id: int) -> None:
    close_poll_and_notify(poll_id)
