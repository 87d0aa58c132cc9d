"""Writing home feeds: fan-out on write into FeedEntry, so reading a home timeline is one indexed range scan.

The author's own entry is written in the post's transaction (visible at once); followers' entries are written by
the `fan_out_post` task, enqueued in the same transaction so it runs only if the post was committed.
"""

from django.db.models import Exists, OuterRef

from caravan.accounts.models import Account
from caravan.posts.models import FollowedTag, Mention, Post, PostTag, Visibility
from caravan.social.models import Block, DomainBlock, Follow, Mute
from caravan.timelines.models import FeedEntry

BATCH = 2000
BACKFILL = 40


def insert_into_feeds(post: Post, owner_ids) -> int:
    entries = [FeedEntry(owner_id=owner_id, post_id=post.id, author_id=post.account_id) for owner_id in owner_ids]
    for start in range(0, len(entries), BATCH):
        FeedEntry.objects.bulk_create(entries[start : start + BATCH], ignore_conflicts=True)
    return len(entries)


def insert_for_author(post: Post) -> None:
    if post.account.is_local:
        insert_into_feeds(post, [post.account_id])


def feed_recipients(post: Post) -> list[int]:
    """The local accounts whose home feed gets `post` (besides its author)."""
    author_id = post.account_id
    original = post.reblog_of if post.reblog_of_id else post
    mentioned = set(
        Mention.objects.filter(post=original, account__domain="").values_list("account_id", flat=True)
    )
    if original.visibility == Visibility.DIRECT:
        recipients = set(mentioned) if not post.reblog_of_id else set()
    else:
        followers = Follow.objects.filter(target_account_id=author_id, account__domain="")
        if post.reblog_of_id:
            followers = followers.filter(show_reblogs=True)
        elif post.in_reply_to_account_id and post.in_reply_to_account_id != author_id:
            # Replies to others reach only followers who also follow the person replied to (as Mastodon does).
            followers = followers.filter(
                Exists(Follow.objects.filter(account=OuterRef("account"), target_account_id=post.in_reply_to_account_id))
            )
        recipients = set(followers.values_list("account_id", flat=True))
        if original.visibility == Visibility.PRIVATE:
            recipients |= mentioned
        if original.visibility == Visibility.PUBLIC and not post.reblog_of_id:
            tag_ids = PostTag.objects.filter(post=post).values("tag_id")
            recipients |= set(
                FollowedTag.objects.filter(tag_id__in=tag_ids, account__domain="").values_list("account_id", flat=True)
            )
    recipients.discard(author_id)
    if not recipients:
        return []
    excluded = set(Block.objects.filter(account_id__in=recipients, target_account_id=author_id).values_list(
        "account_id", flat=True))
    excluded |= set(Block.objects.filter(account_id=author_id, target_account_id__in=recipients).values_list(
        "target_account_id", flat=True))
    excluded |= set(Mute.objects.filter(account_id__in=recipients, target_account_id=author_id).values_list(
        "account_id", flat=True))
    if post.reblog_of_id:
        original_author = post.reblog_of.account_id
        excluded |= set(Block.objects.filter(account_id__in=recipients, target_account_id=original_author)
                        .values_list("account_id", flat=True))
        excluded |= set(Mute.objects.filter(account_id__in=recipients, target_account_id=original_author)
                        .values_list("account_id", flat=True))
    author_domain = post.account.domain
    if author_domain:
        excluded |= set(DomainBlock.objects.filter(account_id__in=recipients, domain=author_domain).values_list(
            "account_id", flat=True))
    return sorted(recipients - excluded)


def fan_out(post: Post) -> int:
    return insert_into_feeds(post, feed_recipients(post))


def backfill_from(owner: Account, author: Account) -> None:
    """A new follow brings the author's recent posts into the follower's feed, as Mastodon's merge does."""
    from caravan.posts.visibility import visible_posts

    recent = visible_posts(owner, Post.objects.filter(account=author)).order_by("-id").values_list("id", flat=True)
    entries = [FeedEntry(owner_id=owner.id, post_id=post_id, author_id=author.id) for post_id in recent[:BACKFILL]]
    FeedEntry.objects.bulk_create(entries, ignore_conflicts=True)


def remove_author_from_feed(owner_id: int, author_id: int) -> None:
    FeedEntry.objects.filter(owner_id=owner_id, author_id=author_id).delete()
