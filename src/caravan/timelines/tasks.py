"""Background work for feeds: fan-out of new posts, enqueued in the transaction that stored them."""

from django_tasks import task

from caravan.posts.models import Post
from caravan.timelines.services import fan_out


@task(queue_name="default")
def fan_out_posts(post_ids: list[int]) -> int:
    """Fan-out for posts stored together (one post, or a burst of remote posts)."""
    return fan_out(
        list(Post.objects.select_related("account", "reblog_of").filter(pk__in=post_ids).order_by("id"))
    )


@task(queue_name="default")
def fan_out_post(post_id: int) -> int:
    """The batch of one (boosts)."""
    return fan_out_posts.call([post_id])
