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

    Posts with the same author, visibility, reply target and tags, and no mentions, reach the same feeds, so
    their recipients are worked out once per group rather than once per post.
    """
    from caravan.posts.models import Mention, PostTag
    from caravan.timelines.services import feed_recipients, insert_into_feeds

    posts = list(Post.objects.select_related("account", "reblog_of").filter(pk__in=post_ids).order_by("id"))
    mentioned = set(Mention.objects.filter(post_id__in=post_ids).values_list("post_id", flat=True))
    tags: dict[int, set[int]] = {}
    for post_id, tag_id in PostTag.objects.filter(post_id__in=post_ids).values_list("post_id", "tag_id"):
        tags.setdefault(post_id, set()).add(tag_id)
    recipients_by_group: dict[tuple, list[int]] = {}
    delivered = 0
    for post in posts:
        if post.id in mentioned or post.reblog_of_id or post.visibility == "direct":
            delivered += fan_out(post)
            continue
        group = (
            post.account_id,
            post.visibility,
            post.in_reply_to_account_id,
            frozenset(tags.get(post.id, ())),
        )
        if group not in recipients_by_group:
            recipients_by_group[group] = feed_recipients(post)
        delivered += insert_into_feeds(post, recipients_by_group[group])
    return delivered
