"""Background work of link previews: fetching a post's card after the post is stored."""

from django_tasks import task

from caravan.previews import services


@task(queue_name="default")
def fetch_post_card(post_id: int) -> bool:
    """Give the post its link's card; True when it shows one."""
    return services.attach_card(post_id) is not None
