"""Background work for feeds: fan-out of new posts, enqueued in the transaction that stored them, and the sweep
that keeps home feeds to their size."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from caravan.posts.selectors import load_posts
from caravan.timelines.services import fan_out, home_feed_size, trim_home_feeds
from caravan.worker import take, waiting, wake

# A fan-out task takes on at most this many other fan-outs waiting in the queue, and only while the feed rows of
# the batch stay under FAN_OUT_ROWS: one transaction holds SQLite's write lock, and requests wait behind it
# (decision 0045). A post of an account with more followers than that is fanned out by its own run.
FAN_OUT_BATCH = 50
FAN_OUT_ROWS = 5_000
# How often the trim sweep looks for feeds that grew: a feed holds at most what reaches it in this time above
# its size (and its slack). The sweep costs little when nothing happened.
TRIM_EVERY = timedelta(minutes=10)


@task(queue_name="default")
def fan_out_posts(post_ids: list[int]) -> int:
    """Fan-out for posts stored together (one post, or a burst of remote posts), and for the posts of other
    fan-outs waiting behind it (decision 0045): when posting outruns the worker, it catches up in batches."""
    behind = waiting(fan_out_posts, FAN_OUT_BATCH)
    own = set(post_ids)

    def ours(readers: dict[int, int]) -> set[int]:
        rows = sum(readers.get(post_id, 0) for post_id in own)
        chosen = []
        for task_id, args in behind.items():
            more = sum(readers.get(post_id, 0) for post_id in args[0] if post_id not in own)
            if rows + more > FAN_OUT_ROWS:
                break
            rows += more
            chosen.append(task_id)
        taken = take(chosen)
        return own | {post_id for task_id in taken for post_id in behind[task_id][0]}

    everything = own | {post_id for args in behind.values() for post_id in args[0]}
    # Plain reads by key (load_posts): the ORM's select_related was 40% of a fan-out of a post to a few people.
    return fan_out(load_posts(sorted(everything)), ours=ours)


@task(queue_name="default")
def fan_out_post(post_id: int) -> int:
    """The batch of one (boosts)."""
    return fan_out_posts.call([post_id])


@task(queue_name="default")
def trim_feeds() -> int:
    """The trim sweep (decision 0043): one bounded step, then the next one at once while there is a backlog,
    or in TRIM_EVERY when it has caught up. Each step is a task of its own, so fan-out runs in between."""
    if home_feed_size() == 0:
        return 0  # feeds are not trimmed: no next run
    removed, caught_up = trim_home_feeds()
    wake(trim_feeds, timezone.now() + TRIM_EVERY if caught_up else None)
    return removed


def resume() -> None:
    """At worker start: make sure the trim sweep runs (the first start after an upgrade trims every feed)."""
    wake(trim_feeds)
