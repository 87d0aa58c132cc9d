"""Reading timelines. Every read returns posts the viewer may read, newest first, paginated by id."""

from dataclasses import replace

from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL

from caravan.accounts.models import Account
from caravan.pagination import Page, paginate, paginate_compiled
from caravan.posts.models import (
    FEDERATED_TIMELINE,
    Bookmark,
    Favourite,
    FollowedTag,
    Pin,
    Post,
    PostTag,
    Tag,
    Visibility,
)
from caravan.posts.rendering import normalize_tag
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import readable_among, visible_by_author, visible_posts, visible_to
from caravan.social.models import Block, DomainBlock, Mute
from caravan.social.selectors import relationship
from caravan.timelines.models import FeedEntry, List, ListMember, TrimmedFeed
from caravan.timelines.services import home_feed_rule

# Public and hashtag timelines show only accounts in good standing: a limited account's posts stay with its
# followers (Mastodon leaves silenced accounts out of these timelines for everyone). A primary-key look-up per
# post read rather than a join: SQLite planned the join with a Bloom filter built from every account, 17 ms
# per page of the benchmark seed against 0.04 ms (`OFFSET 0` keeps PostgreSQL's plan the same, see below).
IN_GOOD_STANDING = RawSQL(  # noqa: S611 - no value from outside: table names only
    f"NOT EXISTS (SELECT 1 FROM {Account._meta.db_table} moderated "  # noqa: S608 - names from models
    f"WHERE moderated.id = {Post._meta.db_table}.account_id "
    "AND (moderated.suspended_at IS NOT NULL OR moderated.limited_at IS NOT NULL) LIMIT 1 OFFSET 0)",
    [],
    output_field=BooleanField(),
)


def _drop_moderated(posts: list[Post], viewer: Account | None) -> list[Post]:
    """Keep only what the viewer may still read among posts by suspended or limited authors (boosted ones
    included). A materialized feed was written before the mark: one query, and only when such a post is there."""
    marked = [
        p.id
        for p in posts
        for a in ([p.account] + ([p.reblog_of.account] if p.reblog_of_id else []))
        if a.suspended_at is not None or a.limited_at is not None
    ]
    if not marked:
        return posts
    readable = set(visible_posts(viewer, Post.objects.filter(pk__in=marked)).values_list("id", flat=True))
    return [p for p in posts if p.id not in marked or p.id in readable]


def _drop_hidden(posts: list[Post], viewer: Account | None) -> list[Post]:
    posts = _drop_moderated(posts, viewer)
    hidden, domains = hidden_for(viewer)
    kept = []
    for post in posts:
        authors = [post.account] + ([post.reblog_of.account] if post.reblog_of_id else [])
        # Suspended authors (a defederated domain's accounts among them) are hidden as `visible_to` hides them.
        if any(
            a.suspended_at is not None or a.id in hidden or (a.domain and a.domain in domains)
            for a in authors
        ):
            continue
        kept.append(post)
    return kept


def hidden_for(viewer: Account | None) -> tuple[set[int], set[str]]:
    """The authors (muted, blocked either way) and domains the viewer never sees in timelines.

    One plain query: it runs on every timeline read, where four ORM queries cost more than the feed scan.
    """
    if viewer is None:
        return set(), set()
    mute, block, domain_block = Mute._meta.db_table, Block._meta.db_table, DomainBlock._meta.db_table
    sql = (
        f"SELECT target_account_id, NULL FROM {mute} WHERE account_id = %s "  # noqa: S608 - names from models
        f"UNION ALL SELECT target_account_id, NULL FROM {block} WHERE account_id = %s "
        f"UNION ALL SELECT account_id, NULL FROM {block} WHERE target_account_id = %s "
        f"UNION ALL SELECT NULL, domain FROM {domain_block} WHERE account_id = %s"
    )
    authors: set[int] = set()
    domains: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, [viewer.id] * 4)
        for account_id, domain in cursor.fetchall():
            if domain is not None:
                domains.add(domain)
            else:
                authors.add(account_id)
    return authors, domains


# Rows of suspended authors are skipped when a home feed is read, so a suspension (a whole domain's included)
# empties feeds the moment the accounts are marked; `remove_authors_from_all_feeds` deletes the rows later, as
# housekeeping. Written by hand for one reason: `OFFSET 0` keeps PostgreSQL from turning the check into an
# anti-join, which it planned as a scan of every account (its statistics say "almost none suspended"): 25 ms on
# every home read of the benchmark seed, against one primary-key look-up per row read here.
AUTHOR_NOT_SUSPENDED = RawSQL(  # noqa: S611 - no value from outside: table names only
    f"NOT EXISTS (SELECT 1 FROM {Account._meta.db_table} suspended "  # noqa: S608 - names from models
    f"WHERE suspended.id = {FeedEntry._meta.db_table}.author_id AND suspended.suspended_at IS NOT NULL "
    "LIMIT 1 OFFSET 0)",
    [],
    output_field=BooleanField(),
)


def home_feed_ids(viewer: Account, page: Page) -> list[int]:
    """One page of the viewer's home feed as post ids: a range scan on (owner, post_id) of the materialized
    feed, which keeps the newest entries only (decision 0043). A page reaching below a trimmed feed's edge is
    completed with the posts fan-out would have written there (`rebuilt_home_ids`), so pages follow each other
    across the edge with neither gap nor duplicate.

    Hidden authors are not yet dropped; callers that load posts themselves drop them with `hidden_for`.
    """
    entries = (
        FeedEntry.objects.filter(owner=viewer).filter(AUTHOR_NOT_SUSPENDED).values_list("post_id", flat=True)
    )
    if page.min_id is None:
        # Newest first: the stored part comes first. The edge (0: never trimmed) is asked in the same statement
        # and comes back with each row, so a short page of an untrimmed feed costs no second query.
        rows = _stored_page(viewer, page)
        ids = [post_id for post_id, _ in rows]
        if len(ids) == page.limit:
            return ids
        edge = rows[0][1] if rows else _trimmed_edge(viewer)
        if not edge or (page.since_id is not None and page.since_id >= edge - 1):
            return ids
        older = Page(
            max_id=edge if page.max_id is None else min(page.max_id, edge),
            since_id=page.since_id,
            limit=page.limit - len(ids),
        )
        return ids + rebuilt_home_ids(viewer, older)
    # Oldest first above min_id: the rebuilt part (below the edge) comes first.
    edge = _trimmed_edge(viewer)
    if edge is None:
        return paginate(entries, page, key="post_id")
    older: list[int] = []
    if page.min_id < edge - 1:
        below = replace(page, max_id=edge if page.max_id is None else min(page.max_id, edge))
        older = rebuilt_home_ids(viewer, below)
        if len(older) == page.limit:
            return older
    newer = paginate(
        entries.filter(post_id__gte=edge), replace(page, limit=page.limit - len(older)), key="post_id"
    )
    return newer + older


def _stored_page(viewer: Account, page: Page) -> list[tuple[int, int]]:
    """(post id, the trimmed edge or 0) of the stored feed's rows for a newest-first page, from the edge up.
    Written out: every home read asks, and the ORM spent more on building this than the database on answering."""
    feed, trimmed = FeedEntry._meta.db_table, TrimmedFeed._meta.db_table
    edge = f"COALESCE((SELECT kept_from FROM {trimmed} WHERE owner_id = %s), 0)"  # noqa: S608
    where, params = [f"{feed}.owner_id = %s", f"{feed}.post_id >= {edge}"], [viewer.id, viewer.id]
    if page.max_id is not None:
        where.append(f"{feed}.post_id < %s")
        params.append(page.max_id)
    if page.since_id is not None:
        where.append(f"{feed}.post_id > %s")
        params.append(page.since_id)
    sql = (
        f"SELECT {feed}.post_id, {edge} FROM {feed} WHERE {' AND '.join(where)} "  # noqa: S608 - names from models
        f"AND {AUTHOR_NOT_SUSPENDED.sql} ORDER BY {feed}.post_id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [viewer.id, *params, page.limit])
        return cursor.fetchall()


def _trimmed_edge(viewer: Account) -> int | None:
    """The oldest post id from which the viewer's stored feed is whole; None when it was never trimmed."""
    return TrimmedFeed.objects.filter(owner=viewer).values_list("kept_from", flat=True).first()


def rebuilt_home_ids(viewer: Account, page: Page) -> list[int]:
    """A page of the home feed computed from what the viewer follows, by the rule fan-out writes with
    (`home_feed_rule`), and only posts the viewer may read (`visible_to`: it leaves out suspended authors as
    the stored feed's read does): the pages older than a trimmed feed's edge. Read at request time rather than
    written back (decision 0043)."""
    posts = Post.objects.filter(home_feed_rule(viewer)).filter(visible_to(viewer))
    return paginate(posts.values_list("id", flat=True), page)


def home_timeline(viewer: Account, page: Page) -> list[Post]:
    """The viewer's materialized feed: one range scan on (owner, post_id), then the posts by primary key."""
    return _drop_hidden(load_posts(home_feed_ids(viewer, page)), viewer)


def public_timeline(
    viewer: Account | None, page: Page, *, local: bool = False, remote: bool = False, only_media: bool = False
) -> list[Post]:

    def build():
        # FEDERATED_TIMELINE, and local=True, are the conditions of the partial indexes these walk newest first.
        queryset = Post.objects.filter(FEDERATED_TIMELINE, IN_GOOD_STANDING)
        if local:
            queryset = queryset.filter(local=True)
        elif remote:
            queryset = queryset.filter(local=False)
        if only_media:
            queryset = queryset.filter(has_media=True)
        return queryset.values_list("id", flat=True)

    ids = paginate_compiled(("public", local, not local and remote, only_media), build, page)
    return _drop_hidden(load_posts(ids), viewer)


def tag_timeline(
    viewer: Account | None,
    name: str,
    page: Page,
    *,
    local: bool = False,
    only_media: bool = False,
    any_tags: list[str] | None = None,
    all_tags: list[str] | None = None,
    none_tags: list[str] | None = None,
) -> list[Post]:
    names = [normalize_tag(name)] + [normalize_tag(t) for t in any_tags or []]
    # Read from the tag's side, newest post first, on the (tag, post) index: asked from the posts' side, SQLite
    # read every post with the tag and sorted them (38 ms for a common tag of the benchmark seed).
    tag_ids = list(Tag.objects.filter(name__in=names).values_list("id", flat=True))
    if not tag_ids:
        return []

    def build(tag_id: int):
        rows = PostTag.objects.filter(IN_GOOD_STANDING, _public_original(), post__reblog_of__isnull=True)
        for extra in all_tags or []:
            rows = rows.filter(
                Exists(PostTag.objects.filter(post_id=OuterRef("post_id"), tag__name=normalize_tag(extra)))
            )
        if none_tags:
            names_out = [normalize_tag(t) for t in none_tags]
            rows = rows.exclude(
                Exists(PostTag.objects.filter(post_id=OuterRef("post_id"), tag__name__in=names_out))
            )
        if local:
            rows = rows.filter(post__local=True)
        if only_media:
            rows = rows.filter(post__has_media=True)
        return rows.filter(tag_id=tag_id).values_list("post_id", flat=True)

    def page_of(tag_id: int) -> list[int]:
        if all_tags or none_tags:  # names in the SQL: built each time
            return paginate(build(tag_id), page, key="post_id")
        return paginate_compiled(("tag", local, only_media), build, page, key="post_id", tag_id=tag_id)

    # Each tag's page on its own ordered index range, then merged: one query over all the tags had to read and
    # sort every post with any of them (119 ms for two common tags).
    found = set().union(*(page_of(tag_id) for tag_id in tag_ids))
    ids = sorted(found, reverse=True)
    ids = ids[-page.limit :] if page.min_id is not None else ids[: page.limit]
    return _drop_hidden(load_posts(ids), viewer)


def _public_original() -> RawSQL:
    """The joined post is public, asked so that SQLite cannot start from the posts' visibility index: given
    the choice, its planner sometimes read every public post and sorted them (1.5 s a page on the benchmark
    seed) rather than walk the tag's own index newest first. `+column` keeps SQLite off an index; PostgreSQL
    plans this well without it."""
    column = f"{Post._meta.db_table}.visibility"
    if connection.vendor == "sqlite":
        column = "+" + column
    return RawSQL(f"{column} = %s", [Visibility.PUBLIC], output_field=BooleanField())  # noqa: S611


def list_timeline(viewer: Account, list_obj: List, page: Page) -> list[Post]:
    member_ids = ListMember.objects.filter(list=list_obj).values("account_id")
    queryset = Post.objects.filter(account_id__in=member_ids).filter(visible_to(viewer))
    if list_obj.replies_policy == "none":
        queryset = queryset.filter(Q(in_reply_to_account__isnull=True) | Q(in_reply_to_account=F("account")))
    elif list_obj.replies_policy == "list":
        queryset = queryset.filter(
            Q(in_reply_to_account__isnull=True)
            | Q(in_reply_to_account_id__in=member_ids)
            | Q(in_reply_to_account=F("account"))
        )
    ids = paginate(queryset.values_list("id", flat=True), page)
    return _drop_hidden(load_posts(ids), viewer)


def account_timeline(
    account: Account,
    viewer: Account | None,
    page: Page,
    *,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    only_media: bool = False,
    pinned: bool = False,
    tagged: str = "",
) -> list[Post]:
    """An account's posts as `viewer` may see them, imported ones in their place by date.

    The rule is asked in its form for one author (`visible_by_author`); a boost's original is checked on the
    loaded page (`readable_among`), so a page may hold fewer posts than asked when boosts are hidden."""
    pinned_ids: list[int] = []
    if pinned:
        pinned_ids = list(Pin.objects.filter(account=account).values_list("post_id", flat=True))
        if not pinned_ids:
            return []  # most accounts pin nothing: no need to ask the rule
    follows = None
    if viewer is not None and viewer.id != account.id:
        standing = relationship(viewer, account)  # blocked? following? in one query
        if standing.blocked_by:
            return []
        follows = standing.following
    rule = visible_by_author(account, viewer, follows=follows)
    if rule is None:
        return []
    queryset = Post.objects.filter(account=account).filter(rule)
    if pinned:
        queryset = queryset.filter(pk__in=pinned_ids)
    if exclude_replies:
        queryset = queryset.filter(Q(in_reply_to_account__isnull=True) | Q(in_reply_to_account=account))
    if exclude_reblogs:
        queryset = queryset.filter(reblog_of__isnull=True)
    if only_media:
        queryset = queryset.filter(has_media=True, reblog_of__isnull=True)
    if tagged:
        queryset = queryset.filter(post_tags__tag__name=normalize_tag(tagged))
    posts = load_posts(paginate(queryset.values_list("id", flat=True), page))
    originals = [p.reblog_of for p in posts if p.reblog_of_id]
    if not originals:
        return posts
    readable = readable_among(originals, viewer)
    return [p for p in posts if not p.reblog_of_id or p.reblog_of_id in readable]


def _saved_posts(viewer: Account, marks: list) -> tuple[list[Post], list[int]]:
    """The posts behind a page of bookmarks or favourites that the viewer may still read (a follow may have
    ended since), with the marks' ids for Link headers."""
    posts = {p.id: p for p in load_posts([m.post_id for m in marks])}
    readable = set(Post.objects.filter(pk__in=posts).filter(visible_to(viewer)).values_list("id", flat=True))
    return [posts[m.post_id] for m in marks if m.post_id in readable], [m.id for m in marks]


def bookmarked_posts(viewer: Account, page: Page) -> tuple[list[Post], list[int]]:
    return _saved_posts(viewer, paginate(Bookmark.objects.filter(account=viewer), page))


def favourited_posts(viewer: Account, page: Page) -> tuple[list[Post], list[int]]:
    return _saved_posts(viewer, paginate(Favourite.objects.filter(account=viewer), page))


def find_tag(name: str) -> Tag | None:
    return Tag.objects.filter(name=normalize_tag(name)).first()


def follows_tag(account: Account | None, tag: Tag | None) -> bool:
    """Whether `account` has followed `tag` into its home feed."""
    if account is None or tag is None:
        return False
    return FollowedTag.objects.filter(account=account, tag=tag).exists()


def followed_tags_of(account: Account, page: Page) -> list[FollowedTag]:
    """The hashtags `account` follows, newest first, each with its tag loaded."""
    return paginate(FollowedTag.objects.filter(account=account).select_related("tag"), page)


def lists_of(owner: Account) -> list[List]:
    """The owner's lists by title."""
    return list(List.objects.filter(owner=owner).order_by("title", "id"))


def own_list(owner: Account, list_id: int) -> List | None:
    return List.objects.filter(pk=list_id, owner=owner).first()


def list_members(list_obj: List, limit: int = 500) -> list[Account]:
    """A list's members by handle."""
    return [
        row.account
        for row in list_obj.members.select_related("account").order_by(
            "account__username", "account__domain"
        )[:limit]
    ]
