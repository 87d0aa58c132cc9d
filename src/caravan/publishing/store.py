"""The one writer of new posts: any number of drafts, whatever their origin, stored in one transaction.

Rows go in with bulk inserts (posts, mentions, tags, search documents), media and counters with one statement
per group. Live drafts (local and remote, not imported copies) then reach feeds (the author's own row now, the
followers' through one fan-out task), notify the people they mention and announce `post.created`. A draft whose
address is already stored is skipped, so a post delivered twice is stored once.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from caravan import events
from caravan.accounts.models import Account
from caravan.bulk import insert_rows
from caravan.media.models import MediaAttachment
from caravan.notifications.services import notify_many
from caravan.posts.models import Mention, Poll, Post, PostTag, Quote, Tag
from caravan.posts.rendering import normalize_tag
from caravan.publishing.drafts import Draft, PollSpec
from caravan.publishing.quoting import notify_quoted
from caravan.publishing.tasks import close_poll
from caravan.search import services as search_index
from caravan.search.models import SearchDocument
from caravan.timelines import services as feeds
from caravan.timelines.tasks import fan_out_posts


def store_posts(drafts: list[Draft]) -> list[Post]:
    """Store these drafts (checked by `drafts.local`, `drafts.remote` or `drafts.imported`); returns the posts
    stored, in order. Nothing is stored if anything fails."""
    drafts = _not_stored_yet(drafts)
    if not drafts:
        return []
    posts = [draft.post for draft in drafts]
    live = [draft for draft in drafts if draft.live]
    # Hashtags are looked up (and new ones made) before the transaction, which holds SQLite's write lock: a tag
    # that ends up unused is harmless.
    tag_rows = _tag_rows(drafts)
    with transaction.atomic():
        insert_rows(Post, posts)
        insert_rows(
            Mention,
            [Mention(post_id=d.post.id, account_id=a.id) for d in drafts for a in dict.fromkeys(d.mentions)],
            ignore_conflicts=True,
        )
        insert_rows(PostTag, tag_rows, ignore_conflicts=True)
        quotes = [row for row in (draft.quote_row() for draft in drafts) if row is not None]
        insert_rows(Quote, quotes)
        _attach_media(drafts)
        for draft in drafts:
            if draft.poll is not None:
                create_poll(draft.post, draft.poll, draft.post.created_at)
        insert_rows(
            SearchDocument, [d for d in map(search_index.post_document, posts) if d], ignore_conflicts=True
        )
        _count(posts)
        if live:
            feeds.insert_posts_into_feeds(
                [(d.post, [d.post.account_id]) for d in live if d.post.account.is_local]
            )
            fan_out_posts.enqueue([d.post.id for d in live])
            notify_many(
                [(account, "mention", d.post.account, d.post) for d in live for account in d.mentions]
            )
            live_quotes = [quote for quote in quotes if not quote.post.imported]
            notify_quoted(live_quotes)
            for draft in live:
                events.emit("post.created", post=draft.post)
            for quote in live_quotes:
                events.emit("quote.created", quote=quote)
    return posts


def _not_stored_yet(drafts: list[Draft]) -> list[Draft]:
    """Drop drafts whose address is stored already (or comes twice in the batch): remote posts arrive again."""
    addresses = [d.post.uri for d in drafts if not d.post.local]
    stored = set(Post.objects.filter(uri__in=addresses).values_list("uri", flat=True)) if addresses else set()
    kept = []
    for draft in drafts:
        if draft.post.uri in stored:
            continue
        stored.add(draft.post.uri)
        kept.append(draft)
    return kept


def _tag_rows(drafts: list[Draft]) -> list[PostTag]:
    names = {draft.post.id: list(dict.fromkeys(draft.tags)) for draft in drafts if draft.tags}
    if not names:
        return []
    tag_ids = tag_ids_for({display for displays in names.values() for display in displays})
    return [
        PostTag(post_id=post_id, tag_id=tag_ids[normalize_tag(display)[:200]])
        for post_id, displays in names.items()
        for display in displays
    ]


def tag_ids_for(displays: set[str]) -> dict[str, int]:
    """{normalized name: tag id} for these hashtags, creating the ones not seen before."""
    by_name = {normalize_tag(display)[:200]: display[:200] for display in displays}
    existing = dict(Tag.objects.filter(name__in=by_name).values_list("name", "id"))
    missing = [Tag(name=name, display_name=shown) for name, shown in by_name.items() if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Tag.objects.filter(name__in=by_name).values_list("name", "id"))
    return existing


def _attach_media(drafts: list[Draft]) -> None:
    rows = [(d.post.id, position, item.id) for d in drafts for position, item in enumerate(d.media)]
    if not rows:
        return
    for draft in drafts:
        for position, item in enumerate(draft.media):
            item.post_id, item.position = draft.post.id, position
    table = connection.ops.quote_name(MediaAttachment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET post_id = %s, position = %s WHERE id = %s", rows)  # noqa: S608


def create_poll(post: Post, spec: PollSpec, moment: datetime) -> Poll:
    """The poll of `post`; a local one that is still open is closed (and its voters told) by a task."""
    votes = spec.votes or [0] * len(spec.options)
    expires_at = spec.expires_at or (moment + timedelta(seconds=spec.expires_in))
    poll = Poll.objects.create(
        post=post,
        options=[
            {"title": title, "votes_count": int(count)}
            for title, count in zip(spec.options, votes, strict=False)
        ],
        multiple=spec.multiple,
        hide_totals=spec.hide_totals,
        expires_at=expires_at,
        votes_count=sum(int(v) for v in votes),
        voters_count=sum(int(v) for v in votes) if not spec.multiple else 0,
        closed_notified=expires_at <= timezone.now(),
    )
    if post.local and expires_at > timezone.now():
        close_poll.using(run_after=expires_at).enqueue(poll.id)
    return poll


def _count(posts: list[Post]) -> None:
    """Authors' post counts and latest dates, and parents' reply counts: one plain statement per author and per
    parent (the ORM's two updates per author were an eighth of a post's request)."""
    latest: dict[int, datetime] = {}
    for post in posts:
        latest[post.account_id] = max(latest.get(post.account_id, post.created_at), post.created_at)
    accounts = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {accounts} SET statuses_count = statuses_count + %s, "  # noqa: S608 - names, not input
            "last_status_at = CASE WHEN last_status_at IS NULL OR last_status_at < %s THEN %s "
            "ELSE last_status_at END WHERE id = %s",
            [
                (count, moment, moment, author_id)
                for author_id, count in Counter(post.account_id for post in posts).items()
                for moment in [connection.ops.adapt_datetimefield_value(latest[author_id])]
            ],
        )
    for parent_id, count in Counter(p.in_reply_to_id for p in posts if p.in_reply_to_id).items():
        Post.objects.filter(pk=parent_id).update(replies_count=F("replies_count") + count)
