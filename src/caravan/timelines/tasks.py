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
    """Fan-out for a batch of posts stored together (remote posts arriving in a burst).

    Posts with the same author, visibility, reply target and tags reach the same feeds (mentions only add
    readers to followers-only and direct posts), so their recipients are worked out once per group rather
    than once per post, and every post's feed rows are written in one transaction.
    """
    from caravan.posts.models import Mention, PostTag
    from caravan.timelines.services import feed_recipients, insert_posts_into_feeds

    posts = list(Post.objects.select_related("account", "reblog_of").filter(pk__in=post_ids).order_by("id"))
    mentioned = set(Mention.objects.filter(post_id__in=post_ids).values_list("post_id", flat=True))
    tags: dict[int, set[int]] = {}
    for post_id, tag_id in PostTag.objects.filter(post_id__in=post_ids).values_list("post_id", "tag_id"):
        tags.setdefault(post_id, set()).add(tag_id)
    recipients_by_group: dict[tuple, list[int]] = {}
    deliveries: list[tuple[Post, list[int]]] = []
    for post in posts:
        if (
            post.reblog_of_id
            or post.visibility == "direct"
            or (post.visibility == "private" and post.id in mentioned)
        ):
            deliveries.append((post, feed_recipients(post)))
            continue
        group = (
            post.account_id,
            post.visibility,
            post.in_reply_to_account_id,
            frozenset(tags.get(post.id, ())),
        )
        if group not in recipients_by_group:
            recipients_by_group[group] = feed_recipients(post)
        deliveries.append((post, recipients_by_group[group]))
    return insert_posts_into_feeds(deliveries)
