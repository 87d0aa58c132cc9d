"""Background work for posts."""

from django_tasks import task

from caravan.posts.services import close_poll_and_notify


@task(queue_name="default")
def close_poll(poll_id: int) -> None:
    close_poll_and_notify(poll_id)
