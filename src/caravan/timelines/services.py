"""Writing home feeds: fan-out on write into FeedEntry, so reading a home timeline is one indexed range scan.

The author's own entry is written in the post's transaction (visible at once); followers' entries are written by
the `fan_out_post` task, enqueued in the same transaction so it runs only if the post was committed.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Exists, F, OuterRef, Q

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.bulk import int_array
from caravan.errors import DomainError
from caravan.notifications.services import notify_many
from caravan.posts.models import FollowedTag, Mention, Post, PostTag, Tag, Visibility
from caravan.posts.rendering import normalize_tag
from caravan.posts.visibility import visible_posts
from caravan.social.models import Block, DomainBlock, Follow, FollowRequest, Mute
from caravan.timelines.models import FeedEntry, FeedTrimSweep, List, ListMember, TrimmedFeed

BATCH = 2000
BACKFILL = 40


def insert_into_feeds(post: Post, owner_ids) -> int:
    """Add `post` to these owners' feeds (idempotent), in one transaction.

    Plain executemany rather than bulk_create: for 5,000 feeds, bulk_create's per-field work cost ~80 ms of
    CPU and its three transactions three commits (measured with bench/core_timelines.py).
    """
    return insert_posts_into_feeds([(post, list(owner_ids))])


def insert_posts_into_feeds(deliveries: list[tuple[Post, list[int]]]) -> int:
    """Add each post to its owners' feeds (idempotent), all in one transaction: a burst of remote posts
    costs one commit, not one per post."""
    rows = [(owner_id, post.id, post.account_id) for post, owner_ids in deliveries for owner_id in owner_ids]
    if not rows:
        return 0
    db = router.db_for_write(FeedEntry)
    connection = connections[db]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("owner_id", "post_id", "author_id"))
    table = quote(FeedEntry._meta.db_table)
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        # One statement for a batch, each column one array: psycopg's executemany sent a statement per row, and
        # the server ran each (a third of fan-out's time there, bench/README.md).
        rows_sql = "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])"
    else:
        rows_sql = "VALUES (%s, %s, %s)"
    sql = f"INSERT INTO {table} ({columns}) {rows_sql} ON CONFLICT DO NOTHING"  # noqa: S608 - names from the model
    with transaction.atomic(using=db, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            if on_postgresql:
                cursor.execute(sql, [int_array(row[column] for row in batch) for column in range(3)])
            else:
                cursor.executemany(sql, batch)
        # Streaming pushes each post to these readers once the transaction commits.
        for post, owner_ids in deliveries:
            if owner_ids:
                events.emit("feed.inserted", owner_ids=owner_ids, post=post)
    return len(rows)


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
                Exists(
                    Follow.objects.filter(
                        account=OuterRef("account"), target_account_id=post.in_reply_to_account_id
                    )
                )
            )
        recipients = set(followers.values_list("account_id", flat=True))
        if original.visibility == Visibility.PRIVATE and not post.reblog_of_id:
            # A self-boost of a followers-only post is addressed to the followers only: someone mentioned in
            # the original reads the original, not the boost (posts.visibility decides so for the boost).
            recipients |= mentioned
        if original.visibility == Visibility.PUBLIC and not post.reblog_of_id:
            tag_ids = PostTag.objects.filter(post=post).values("tag_id")
            recipients |= set(
                FollowedTag.objects.filter(tag_id__in=tag_ids, account__domain="").values_list(
                    "account_id", flat=True
                )
            )
    recipients.discard(author_id)
    if not recipients:
        return []
    # Asked from the author's side (few rows, indexed) and intersected here: with thousands of recipients,
    # `account_id IN (...)` lists cost more to build and send than the answers.
    authors = [author_id] + ([post.reblog_of.account_id] if post.reblog_of_id else [])
    excluded = set(Block.objects.filter(target_account_id__in=authors).values_list("account_id", flat=True))
    excluded |= set(Mute.objects.filter(target_account_id__in=authors).values_list("account_id", flat=True))
    excluded |= set(Block.objects.filter(account_id=author_id).values_list("target_account_id", flat=True))
    # Whoever put the author in an exclusive list reads the author there, not at home (as on Mastodon).
    excluded |= set(
        ListMember.objects.filter(account_id=author_id, list__exclusive=True).values_list(
            "list__owner_id", flat=True
        )
    )
    author_domain = post.account.domain
    if author_domain:
        excluded |= set(DomainBlock.objects.filter(domain=author_domain).values_list("account_id", flat=True))
    return sorted(recipients - excluded)


def home_feed_rule(reader: Account) -> Q:
    """`feed_recipients` asked from the reader's side: a filter on Post for the posts that fan-out writes into
    `reader`'s home feed (their own live posts too), with follows, mutes, blocks and lists as they stand now.
    It rebuilds the pages past a trimmed feed's edge (decision 0043). Keep the two forms in step: the rule is
    stated once per case in the same order, and tests/domain/test_bounded_home_feeds.py checks on random graphs
    that fan-out writes exactly what this filter selects."""

    def follows(ref: str, **extra) -> Exists:
        return Exists(Follow.objects.filter(account=reader, target_account=OuterRef(ref), **extra))

    def hides(model, ref: str) -> Exists:
        return Exists(model.objects.filter(account=reader, target_account=OuterRef(ref)))

    original, boost = Q(reblog_of__isnull=True), Q(reblog_of__isnull=False)
    mentioned = Exists(Mention.objects.filter(post=OuterRef("pk"), account=reader))
    reply_to_other = Q(in_reply_to_account__isnull=False) & ~Q(in_reply_to_account=F("account"))
    from_followed = (
        original
        & ~Q(visibility=Visibility.DIRECT)
        & follows("account")
        # Replies to others only when the reader follows the one replied to as well.
        & (~reply_to_other | follows("in_reply_to_account"))
    ) | (boost & ~Q(reblog_of__visibility=Visibility.DIRECT) & follows("account", show_reblogs=True))
    addressed = original & Q(visibility__in=(Visibility.PRIVATE, Visibility.DIRECT)) & mentioned
    followed_tags = FollowedTag.objects.filter(account=reader).values("tag_id")
    tagged = (
        original
        & Q(visibility=Visibility.PUBLIC)
        & Exists(PostTag.objects.filter(post=OuterRef("pk"), tag_id__in=followed_tags))
    )
    excluded = (
        hides(Block, "account")
        | hides(Block, "reblog_of__account")
        | hides(Mute, "account")
        | hides(Mute, "reblog_of__account")
        | Exists(Block.objects.filter(account=OuterRef("account"), target_account=reader))
        | Exists(
            ListMember.objects.filter(account=OuterRef("account"), list__owner=reader, list__exclusive=True)
        )
        | Exists(DomainBlock.objects.filter(account=reader, domain=OuterRef("account__domain")))
    )
    return Q(imported=False) & (Q(account=reader) | ((from_followed | addressed | tagged) & ~excluded))


def feed_recipients_many(posts: list[Post], tags: dict[int, set[int]]) -> dict[int, list[int]]:
    """`feed_recipients` for a burst of plain posts (no boost, not direct, no mentions, not a reply to someone
    else), with seven queries for the whole burst instead of about nine per author. `tags`: post id -> tag ids.
    """
    authors = {post.account_id for post in posts}
    if not authors:
        return {}
    followers: dict[int, set[int]] = {}
    for target_id, account_id in Follow.objects.filter(
        target_account_id__in=authors, account__domain=""
    ).values_list("target_account_id", "account_id"):
        followers.setdefault(target_id, set()).add(account_id)
    public_tags = {t for post in posts if post.visibility == Visibility.PUBLIC for t in tags.get(post.id, ())}
    tag_followers: dict[int, set[int]] = {}
    if public_tags:
        for tag_id, account_id in FollowedTag.objects.filter(
            tag_id__in=public_tags, account__domain=""
        ).values_list("tag_id", "account_id"):
            tag_followers.setdefault(tag_id, set()).add(account_id)
    excluded: dict[int, set[int]] = {}
    for model in (Block, Mute):
        for target_id, account_id in model.objects.filter(target_account_id__in=authors).values_list(
            "target_account_id", "account_id"
        ):
            excluded.setdefault(target_id, set()).add(account_id)
    for author_id, target_id in Block.objects.filter(account_id__in=authors).values_list(
        "account_id", "target_account_id"
    ):
        excluded.setdefault(author_id, set()).add(target_id)
    for author_id, owner_id in ListMember.objects.filter(
        account_id__in=authors, list__exclusive=True
    ).values_list("account_id", "list__owner_id"):
        excluded.setdefault(author_id, set()).add(owner_id)
    domains = {post.account.domain for post in posts if post.account.domain}
    domain_blockers: dict[str, set[int]] = {}
    if domains:
        blocks = DomainBlock.objects.filter(domain__in=domains).values_list("domain", "account_id")
        for domain, account_id in blocks:
            domain_blockers.setdefault(domain, set()).add(account_id)
    out = {}
    for post in posts:
        recipients = set(followers.get(post.account_id, ()))
        if post.visibility == Visibility.PUBLIC:
            for tag_id in tags.get(post.id, ()):
                recipients |= tag_followers.get(tag_id, set())
        recipients.discard(post.account_id)
        recipients -= excluded.get(post.account_id, set())
        recipients -= domain_blockers.get(post.account.domain, set()) if post.account.domain else set()
        out[post.id] = sorted(recipients)
    return out


def fan_out(posts: list[Post], *, ours: Callable[[dict[int, int]], set[int]] | None = None) -> int:
    """Write these posts into their readers' feeds (each post's `feed_recipients`), in one transaction.
    `ours`, called in that transaction with each post's number of readers, says which of the posts it writes
    (a batching task's claim).

    Plain posts (mentions only add readers to followers-only and direct posts) have their recipients worked
    out together in a handful of queries; replies to others once per author, visibility, reply target and
    tags; boosts and direct posts one by one.
    """
    ids = [post.id for post in posts]
    mentioned = set(Mention.objects.filter(post_id__in=ids).values_list("post_id", flat=True))
    tags: dict[int, set[int]] = {}
    for post_id, tag_id in PostTag.objects.filter(post_id__in=ids).values_list("post_id", "tag_id"):
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
    deliveries = [(post, recipients[post.id]) for post in posts]
    with transaction.atomic():
        if ours is not None:
            kept = ours({post.id: len(owners) for post, owners in deliveries})
            deliveries = [(post, owners) for post, owners in deliveries if post.id in kept]
        inserted = insert_posts_into_feeds(deliveries)
        _ring_bells(deliveries)
    return inserted


def _ring_bells(deliveries: list[tuple[Post, list[int]]]) -> None:
    """Followers who asked to be told when an account posts (`Follow.notify`, the bell) get a `status`
    notification for each of its new posts that reaches their home feed: as Mastodon, not for boosts nor for
    replies to others."""
    posts = [
        (post, owners)
        for post, owners in deliveries
        if owners and not post.reblog_of_id and post.in_reply_to_account_id in (None, post.account_id)
    ]
    if not posts:
        return
    bells: dict[int, set[int]] = {}
    for follower_id, author_id in Follow.objects.filter(
        notify=True, target_account_id__in={post.account_id for post, _ in posts}
    ).values_list("account_id", "target_account_id"):
        bells.setdefault(author_id, set()).add(follower_id)
    rung = [
        (post, bells[post.account_id] & set(owners)) for post, owners in posts if post.account_id in bells
    ]
    followers = Account.objects.in_bulk({follower for _, ids in rung for follower in ids})
    notify_many(
        [
            (followers[follower], "status", post.account, post)
            for post, ids in rung
            for follower in sorted(ids)
        ]
    )


def backfill_from(owner: Account, author: Account) -> None:
    """A new follow brings the author's recent posts into the follower's feed, as Mastodon's merge does."""
    recent = (
        visible_posts(owner, Post.objects.filter(account=author)).order_by("-id").values_list("id", flat=True)
    )
    entries = [
        FeedEntry(owner_id=owner.id, post_id=post_id, author_id=author.id) for post_id in recent[:BACKFILL]
    ]
    FeedEntry.objects.bulk_create(entries, ignore_conflicts=True)


def remove_author_from_feed(owner_id: int, author_id: int) -> None:
    FeedEntry.objects.filter(owner_id=owner_id, author_id=author_id).delete()


FEED_PURGE_AUTHORS = 50  # authors whose post ids are read at once
FEED_PURGE_POSTS = (
    1000  # posts whose feed rows go in one transaction (a few thousand rows: the lock is short)
)


def remove_authors_from_all_feeds(
    author_ids: list[int], *, duty: float = 1.0, still_wanted: Callable[[], bool] = lambda: True
) -> int:
    """Delete these authors' posts and boosts from every home feed (a suspended domain's accounts), found
    through the feed's post index and deleted a thousand posts at a time, so that no transaction holds the
    write lock for long. Reads skip suspended authors already (`home_feed_ids`): this is housekeeping, so it
    may work only a `duty` share of the time (resting the rest), and it stops when `still_wanted()` says no
    (asked between groups of authors)."""
    removed = 0
    for start in range(0, len(author_ids), FEED_PURGE_AUTHORS):
        if not still_wanted():
            break
        authors = author_ids[start : start + FEED_PURGE_AUTHORS]
        post_ids = list(Post.objects.filter(account_id__in=authors).values_list("id", flat=True))
        for first in range(0, len(post_ids), FEED_PURGE_POSTS):
            chunk = post_ids[first : first + FEED_PURGE_POSTS]
            began = time.monotonic()
            removed += FeedEntry.objects.filter(post_id__in=chunk).delete()[0]
            if duty < 1.0:
                time.sleep((time.monotonic() - began) * (1 - duty) / duty)
    return removed


TRIM_SLACK = 0.1  # a feed is trimmed once it holds a tenth more than its size: one delete per ~80 entries
TRIM_WINDOW = 50_000  # entries (by id) whose owners one run of the sweep looks at
TRIM_OWNERS = 500  # feeds one run of the sweep checks, so the worker is back to fan-out within a second
TRIM_DELETE = 1000  # entries deleted per transaction: the write lock is never held for long


def home_feed_size() -> int:
    """How many entries a home feed keeps (CARAVAN_HOME_FEED_SIZE); 0 when feeds are never trimmed."""
    return settings.CARAVAN["HOME_FEED_SIZE"]


def trim_home_feed(owner_id: int, size: int, *, slack: float = TRIM_SLACK) -> int:
    """Keep the newest `size` entries of one home feed, once it holds more than `size` plus the slack; returns
    the number of entries deleted. The edge is recorded before any row goes, so a read never finds the stored
    feed ending early: it reads stored rows from the edge up and computes the rest (`home_feed_rule`)."""
    over = max(1, int(size * slack))
    newest = list(
        FeedEntry.objects.filter(owner_id=owner_id)
        .order_by("-post_id")
        .values_list("post_id", flat=True)[size - 1 : size + over]
    )
    if len(newest) <= over:
        return 0
    edge = newest[0]
    if not TrimmedFeed.objects.filter(owner_id=owner_id, kept_from__lt=edge).update(kept_from=edge):
        TrimmedFeed.objects.get_or_create(owner_id=owner_id, defaults={"kept_from": edge})
    edge = TrimmedFeed.objects.filter(owner_id=owner_id).values_list("kept_from", flat=True).get()
    removed = 0
    while True:
        ids = list(
            FeedEntry.objects.filter(owner_id=owner_id, post_id__lt=edge).values_list("id", flat=True)[
                :TRIM_DELETE
            ]
        )
        if ids:
            removed += FeedEntry.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < TRIM_DELETE:
            return removed


def trim_home_feeds(size: int | None = None) -> tuple[int, bool]:
    """One run of the trim sweep: check the feeds of up to TRIM_OWNERS owners who got entries since the last
    run, and trim those grown past their size. Returns the entries deleted and whether the sweep has caught up
    (False: run again now). Entries are looked at by id, a window at a time, so the backlog of a table that was
    never trimmed is worked through in bounded steps, and afterwards only new entries are looked at."""
    size = home_feed_size() if size is None else size
    if size <= 0:
        return 0, True
    sweep = FeedTrimSweep.objects.first() or FeedTrimSweep.objects.create()
    newest = FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if sweep.scanned_through >= newest:
        return 0, True
    upto = min(sweep.scanned_through + TRIM_WINDOW, newest)
    owners = list(
        FeedEntry.objects.filter(id__gt=sweep.scanned_through, id__lte=upto, owner_id__gt=sweep.owner_after)
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
        .distinct()[:TRIM_OWNERS]
    )
    removed = sum(trim_home_feed(owner_id, size) for owner_id in owners)
    if len(owners) == TRIM_OWNERS:
        sweep.owner_after = owners[-1]
    else:
        sweep.scanned_through, sweep.owner_after = upto, 0
    sweep.save()
    return removed, sweep.scanned_through >= newest


def follow_tag(account: Account, name: str):
    """Follow a hashtag: its public posts come into the home feed from now on."""
    display = (name or "").strip().lstrip("#")
    if not display or len(display) > 200 or any(c.isspace() for c in display):
        raise DomainError(error_codes.NOT_A_HASHTAG, field="name")
    tag, _ = Tag.objects.get_or_create(name=normalize_tag(display), defaults={"display_name": display})
    FollowedTag.objects.get_or_create(account=account, tag=tag)
    return tag


def unfollow_tag(account: Account, tag) -> None:
    FollowedTag.objects.filter(account=account, tag=tag).delete()


def create_list(owner: Account, title: str, *, replies_policy: str = "list", exclusive: bool = False):
    return List.objects.create(owner=owner, **_list_fields(title, replies_policy, exclusive))


def update_list(
    list_obj, *, title: str | None = None, replies_policy: str | None = None, exclusive: bool | None = None
):
    fields = _list_fields(
        list_obj.title if title is None else title,
        list_obj.replies_policy if replies_policy is None else replies_policy,
        list_obj.exclusive if exclusive is None else exclusive,
    )
    for name, value in fields.items():
        setattr(list_obj, name, value)
    list_obj.save()
    return list_obj


def _list_fields(title: str, replies_policy: str, exclusive: bool) -> dict:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(error_codes.LIST_TITLE, field="title")
    if replies_policy not in ("followed", "list", "none"):
        raise DomainError(error_codes.REPLIES_POLICY_INVALID, field="replies_policy")
    return {"title": title, "replies_policy": replies_policy, "exclusive": bool(exclusive)}


def delete_list(list_obj) -> None:
    list_obj.delete()


def add_to_list(list_obj, accounts: list[Account]) -> None:
    """Only accounts the owner follows, or has asked to follow, can be in a list, as on Mastodon (since 4.1: a
    locked account stays in the list while the request waits, and leaves it if the request is refused)."""
    wanted = [a.id for a in accounts]
    allowed = set(
        Follow.objects.filter(account_id=list_obj.owner_id, target_account__in=wanted).values_list(
            "target_account_id", flat=True
        )
    ) | set(
        FollowRequest.objects.filter(account_id=list_obj.owner_id, target_account__in=wanted).values_list(
            "target_account_id", flat=True
        )
    )
    if any(account_id not in allowed for account_id in wanted):
        raise DomainError(error_codes.LIST_NEEDS_FOLLOW, field="account_ids")
    ListMember.objects.bulk_create(
        [ListMember(list=list_obj, account=a) for a in accounts], ignore_conflicts=True
    )


def remove_from_owners_lists(owner_id: int, account_id: int) -> None:
    """The owner stopped following `account_id` (or the request was refused or withdrawn): it leaves every list
    of the owner's, as on Mastodon, where a list member hangs on the follow."""
    ListMember.objects.filter(list__owner_id=owner_id, account_id=account_id).delete()


def remove_from_list(list_obj, accounts: list[Account]) -> None:
    ListMember.objects.filter(list=list_obj, account__in=accounts).delete()


def remove_all_for(account: Account) -> None:
    """An account is deleted: its home feed, its lists, and its place in other people's lists go."""
    FeedEntry.objects.filter(owner=account).delete()
    TrimmedFeed.objects.filter(owner=account).delete()
    List.objects.filter(owner=account).delete()
    ListMember.objects.filter(account=account).delete()
