"""Background work for feeds."""

from django_tasks import task

from caravan.posts.models import Mention, Post, PostTag
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

    Plain posts (mentions only add readers to followers-only and direct posts) have their recipients worked
    out together in a handful of queries; replies to others once per author, visibility, reply target and
    tags; boosts and direct posts one by one. Every post's feed rows are written in one transaction.
    """
    from caravan.timelines.services import feed_recipients, feed_recipients_many, insert_posts_into_feeds

    posts = list(Post.objects.select_related("account", "reblog_of").filter(pk__in=post_ids).order_by("id"))
    mentioned = set(Mention.objects.filter(post_id__in=post_ids).values_list("post_id", flat=True))
    tags: dict[int, set[int]] = {}
    for post_id, tag_id in PostTag.objects.filter(post_id__in=post_ids).values_list("post_id", "tag_id"):
        tags.setdefault(post_id, set()).add(tag_id)
    plain, others = [], []
    for post in posts:
        special = (
            post.reblog_of_id
            or post.visibility == "direct"
            or (post.visibility == "private" and post.id in mentioned)
            or (post.in_reply_to_account_id and post.in_reply_to_account_id != post.account_id)
        )
        (others if special else plain).append(post)
    recipients = feed_recipients_many(plain, tags)
    recipients_by_group: dict[tuple, list[int]] = {}
    for post in others:
        if (
            post.reblog_of_id
            or post.visibility == "direct"
            or (post.visibility == "private" and post.id in mentioned)
        ):
            recipients[post.id] = feed_recipients(post)
            continue
        group = (
            post.account_id,
            post.visibility,
            post.in_reply_to_account_id,
            frozenset(tags.get(post.id, ())),
        )
        if group not in recipients_by_group:
            recipients_by_group[group] = feed_recipients(post)
        recipients[post.id] = recipients_by_group[group]
    return insert_posts_into_feeds([(post, recipients[post.id]) for post in posts])
