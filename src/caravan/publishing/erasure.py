"""Erasing everything an account did with posts, when the account goes."""

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from caravan.accounts.models import Account
from caravan.media.models import MediaAttachment
from caravan.media.services import delete_files
from caravan.posts.models import (
    Bookmark,
    Favourite,
    FeaturedTag,
    Pin,
    PollVote,
    Post,
    ScheduledPost,
    ThreadMute,
)
from caravan.search import services as search_index


def remove_all_posts_and_interactions(account: Account) -> None:
    """Erase everything an account did with posts (its posts and boosts, favourites, bookmarks, pins, poll
    votes, thread mutes, featured hashtags, media, scheduled posts), keeping the counters on other people's posts right, in a few queries.

    Nothing is announced per post: the caller has announced the account's deletion, which stands for all of it
    (a Delete of the actor tells other servers to drop the account's posts).
    """
    own = Post.objects.filter(account=account)
    # Boosts and replies counted on other people's posts.
    for column, counter in (("reblog_of_id", "reblogs_count"), ("in_reply_to_id", "replies_count")):
        counts = Counter(
            own.filter(**{f"{column}__isnull": False})
            .exclude(**{f"{column.removesuffix('_id')}__account": account})
            .values_list(column, flat=True)
        )
        _decrement(counter, counts)
    favourited = Favourite.objects.filter(account=account).exclude(post__account=account)
    _decrement("favourites_count", Counter(favourited.values_list("post_id", flat=True)))
    Favourite.objects.filter(account=account).delete()
    Bookmark.objects.filter(account=account).delete()
    Pin.objects.filter(account=account).delete()
    PollVote.objects.filter(account=account).delete()  # tallies stay: they are anonymous sums
    ThreadMute.objects.filter(account=account).delete()
    FeaturedTag.objects.filter(account=account).delete()

    media = MediaAttachment.objects.filter(account=account)
    files = [name for pair in media.values_list("file", "thumbnail") for name in pair if name]
    post_ids = list(own.values_list("id", flat=True))
    for start in range(0, len(post_ids), 500):
        batch = post_ids[start : start + 500]
        search_index.remove_posts(batch)
        # Their boosts by others, mentions, tags, favourites, feed rows and notifications go with them.
        Post.objects.filter(pk__in=batch).delete()
    ScheduledPost.objects.filter(account=account).delete()  # before its media: their reservations go with it
    media.delete()
    Account.objects.filter(pk=account.pk).update(statuses_count=0, last_status_at=None)
    if files:
        transaction.on_commit(lambda: delete_files(files))


def _decrement(counter: str, counts: Counter) -> None:
    by_amount: dict[int, list[int]] = {}
    for post_id, amount in counts.items():
        by_amount.setdefault(amount, []).append(post_id)
    for amount, post_ids in by_amount.items():
        for start in range(0, len(post_ids), 500):
            Post.objects.filter(pk__in=post_ids[start : start + 500]).update(
                **{counter: Greatest(F(counter) - amount, 0)}
            )
