"""Background work for feeds."""

from django_tasks import task

from caravan.posts.models import Post
from caravan.timelines.services import fan_out


@task(queue_name="default")
def fan_out_post(post_id: int) -> int:
    post = Post.objects.select_related("account", "reblog_of").filter(pk=post_id).first()
    if post is None:  # deleted before the worker got to it
        return 0
    return fan_out(post)


@task(queue_name="default")
def fan_out_posts(post_ids: list[int]) -> int:
    """Fan-out for a batch of posts stored together (remote posts arriving in a burst)."""
    delivered = 0
    for post in Post.objects.select_related("account", "reblog_of").filter(pk__in=post_ids).order_by("id"):
        delivered += fan_out(post)
    return delivered
