"""Reading posts: loading them with everything a page or an API entity shows, and the viewer's own state."""

from dataclasses import dataclass, field, replace

from django.db import connection

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.bulk import Read, Rows, among, column, select_many, select_rows
from caravan.errors import DomainError
from caravan.ids import id_from_text
from caravan.media.models import MediaAttachment
from caravan.posts.models import (
    Bookmark,
    Favourite,
    Mention,
    Pin,
    Poll,
    PollVote,
    Post,
    PostTag,
    Quote,
    QuoteState,
    Tag,
    ThreadMute,
)
from caravan.posts.visibility import can_read, readable_among, visible_posts
from caravan.social.models import Block, DomainBlock, Mute

# What load_posts attaches to each post, read back through the usual managers (post.mentions.all()...): the
# relation's name, its model, and what its rows are ordered by (the model's own ordering, or the row id).
_RELATIONS = (
    ("media_attachments", MediaAttachment, lambda row: (row.position, row.id)),
    ("mentions", Mention, lambda row: row.id),
    ("post_tags", PostTag, lambda row: row.id),
)


def _relations_reads(posts: list[Post], vendor: str) -> list[Read | None]:
    """The reads of what `_attach_relations` attaches: each relation's rows, then (on PostgreSQL, in the same
    round trip, by subquery) the tags and the mentioned accounts not among `posts`' authors."""
    ids = [p.id for p in posts]
    reads = [
        Read.among(model, [p.id for p in posts if p.has_media] if model is MediaAttachment else ids, "post")
        for _, model, _ in _RELATIONS
    ]
    if vendor != "postgresql":  # read one by one: `_attach_relations` asks for what the rows name
        return [*reads, None, None]
    media, mentions, post_tags = reads
    authors, author_params = among(column(Account), list({p.account_id for p in posts}), vendor)
    mentioned = Read.via(Account, mentions, "account")
    reads += [
        Read.via(Tag, post_tags, "tag"),
        replace(
            mentioned,
            condition=f"{mentioned.condition} AND NOT {authors}",
            params=mentioned.params + author_params,
        ),
    ]
    return reads


def _attach_relations(posts: list[Post], accounts: dict[int, Account], rows: list[list]) -> None:
    """Fill each post's media, mentions (with their accounts) and tags from the rows of `_relations_reads`
    (reading the tags and mentioned accounts they name if those were not read with them), as prefetch_related
    would.

    Measured on the seeded benchmark database, Django's prefetch_related made a filtered queryset for every
    post and relation (~2 ms per page of 40 posts), and each of those querysets points back at its post: a
    reference cycle that only the garbage collector frees, in pauses of 30-50 ms. Here each post keeps its rows
    in an `AttachedRows`, which makes a relation's queryset (filtered by the post's id, without a reference back
    to the post object) only if a manager asks for it.
    """
    by_id = {p.id: p for p in posts}
    found: dict[str, dict[int, list]] = {}
    for (name, _, order), relation_rows in zip(_RELATIONS, rows, strict=False):
        attached: dict[int, list] = {}
        for row in sorted(relation_rows, key=order):
            row._state.fields_cache["post"] = by_id[row.post_id]  # as prefetch_related does
            attached.setdefault(row.post_id, []).append(row)
        found[name] = attached
    tags = {t.id: t for t in rows[len(_RELATIONS)]}
    accounts.update((a.id, a) for a in rows[len(_RELATIONS) + 1])
    named_tags = {pt.tag_id for attached in found["post_tags"].values() for pt in attached}
    tags.update((t.id, t) for t in select_rows(Tag, named_tags - tags.keys()))
    mentioned = {m.account_id for attached in found["mentions"].values() for m in attached}
    accounts.update((a.id, a) for a in select_rows(Account, mentioned - accounts.keys()))
    for attached in found["mentions"].values():
        for mention in attached:
            mention._state.fields_cache["account"] = accounts[mention.account_id]
    for attached in found["post_tags"].values():
        for post_tag in attached:
            post_tag._state.fields_cache["tag"] = tags[post_tag.tag_id]
    for post in posts:
        post._prefetched_objects_cache = AttachedRows(
            post.id, {name: found[name].get(post.id, []) for name, _, _ in _RELATIONS}
        )


_MODELS = {name: model for name, model, _ in _RELATIONS}


class AttachedRows(dict):
    """A post's `_prefetched_objects_cache` (what its related managers answer from, without a query) whose
    querysets for the attached relations are made only when a manager asks: `Post.attached` reads the rows
    themselves. Making three querysets for each post of a page (cloning a query each) was about a twentieth of
    an uncached timeline page. Removing an entry (a manager's add or remove, `refresh_from_db`) forgets its
    rows too, so the next read queries the database, as with Django's own cache."""

    def __init__(self, post_id: int, rows: dict[str, list]) -> None:
        super().__init__()
        self._post_id, self._rows = post_id, rows

    def rows(self, name: str) -> list | None:
        """The attached rows of relation `name`, or None when they are not attached (or were dropped)."""
        if dict.__contains__(self, name):  # its queryset was made (a manager asked): its rows
            return dict.__getitem__(self, name)._result_cache
        return self._rows.get(name)

    def __missing__(self, name: str):
        if name not in self._rows:
            raise KeyError(name)
        model = _MODELS[name]
        base = model.objects.select_related("account") if model is Mention else model.objects.all()
        # The filter is kept for whoever chains on it and compiled only then, as related managers do.
        base._defer_next_filter = True
        made = base.filter(post_id=self._post_id)
        made._result_cache, made._prefetch_done = self._rows.pop(name), True
        dict.__setitem__(self, name, made)
        return made

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self._rows

    def get(self, name, default=None):
        return self[name] if name in self else default  # noqa: SIM401 - dict.get would skip __missing__

    def __delitem__(self, name) -> None:
        if name in self._rows:
            del self._rows[name]
            dict.pop(self, name, None)
        else:
            dict.__delitem__(self, name)

    def pop(self, name, *default):
        if name in self:
            found = self[name]
            del self[name]
            return found
        if default:
            return default[0]
        raise KeyError(name)


def load_posts(ids: list[int]) -> list[Post]:
    """Posts by id, in the order given, with everything needed to show them (a fixed number of queries):
    their authors, the posts they boost with theirs, polls, media, mentions and tags.

    Plain reads by key (`bulk.select_rows`): a five-way select_related spent more on compiling its SQL and
    filling the related objects than on the query (bench/api_reads.py). A boosted post also on the page is the
    same object in both places."""
    if not ids:
        return []
    by_id = {post.id: post for post in select_rows(Post, ids)}
    loaded = [by_id[i] for i in ids if i in by_id]
    originals = {p.reblog_of_id for p in loaded if p.reblog_of_id} - by_id.keys()
    by_id.update((post.id, post) for post in select_rows(Post, originals))
    posts = list(by_id.values())
    if not posts:
        return []
    # Everything else the posts' ids tell, in one round trip on PostgreSQL (bulk.select_many).
    authors, polls, *relations = select_many(
        Read.among(Account, {p.account_id for p in posts}),
        Read.among(Poll, list(by_id), "post"),
        *_relations_reads(posts, connection.vendor),
    )
    accounts = {a.id: a for a in authors}
    polls = {poll.post_id: poll for poll in polls}
    for post in posts:
        post._state.fields_cache["account"] = accounts[post.account_id]
        poll = polls.get(post.id)
        post._state.fields_cache["poll"] = (
            poll  # None: `post.poll` raises DoesNotExist, as select_related left it
        )
        if poll is not None:
            poll._state.fields_cache["post"] = post
        if post.reblog_of_id in by_id:
            post._state.fields_cache["reblog_of"] = by_id[post.reblog_of_id]
    _attach_relations(posts, accounts, relations)
    return loaded


def get_readable_post(post_id: int | str, viewer: Account | None) -> Post:
    """The post, if `viewer` may read it; RECORD_NOT_FOUND otherwise (never revealing that a hidden post exists)."""
    number = id_from_text(post_id)
    if number is None:  # not an id at all (other digits, beyond 64 bits: it would overflow SQLite)
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    posts = load_posts([number])
    if not posts or not can_read(posts[0], viewer):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return posts[0]


@dataclass
class ViewerState:
    """Which of a set of posts the viewer has favourited, boosted, bookmarked, pinned, muted, voted in."""

    favourited: set[int] = field(default_factory=set)
    reblogged: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    muted_threads: set[int] = field(default_factory=set)
    poll_votes: dict[int, list[int]] = field(default_factory=dict)


def viewer_state(viewer: Account | None, posts: list[Post]) -> ViewerState:
    """The viewer's own state for these posts (boosts count for their originals), in one query.

    Every timeline page asks this; six ORM queries cost more than the rest of a cached page together.
    """
    state = ViewerState()
    read = viewer_state_read(viewer, posts)
    if read is None:
        return state
    targets = {
        "f": state.favourited,
        "r": state.reblogged,
        "b": state.bookmarked,
        "p": state.pinned,
        "m": state.muted_threads,
    }
    for kind, post_id, choice in select_many(read)[0]:
        if kind == "v":
            state.poll_votes.setdefault(post_id, []).append(choice)
        else:
            targets[kind].add(post_id)
    return state


def viewer_state_read(viewer: Account | None, posts: list[Post]) -> Rows | None:
    """The statement `viewer_state` reads (to read it ahead with others: `bulk.ReadAhead`)."""
    if viewer is None or not posts:
        return None
    originals = [p.reblog_of if p.reblog_of_id else p for p in posts]
    ids = sorted({p.id for p in originals})
    roots = sorted({p.thread_root_id for p in originals if p.thread_root_id})
    vote, poll = PollVote._meta.db_table, Poll._meta.db_table
    sources = [
        ("f", "post_id", "0", Favourite._meta.db_table, "account_id", "post_id", ids),
        ("r", "reblog_of_id", "0", Post._meta.db_table, "account_id", "reblog_of_id", ids),
        ("b", "post_id", "0", Bookmark._meta.db_table, "account_id", "post_id", ids),
        ("p", "post_id", "0", Pin._meta.db_table, "account_id", "post_id", ids),
        ("m", "thread_root_id", "0", ThreadMute._meta.db_table, "account_id", "thread_root_id", roots),
        (
            "v",
            f"{poll}.post_id",
            f"{vote}.choice",
            f"{vote} JOIN {poll} ON {poll}.id = {vote}.poll_id",
            f"{vote}.account_id",
            f"{poll}.post_id",
            ids,
        ),  # fmt: skip
    ]
    parts, params = [], []
    for kind, selected, extra, tables, owner, key, values in sources:
        if values:
            condition, values_params = among(key, values, connection.vendor)
            # Table and column names come from the models; every value is a query parameter.
            select = f"SELECT '{kind}', {selected}, {extra} FROM {tables}"  # noqa: S608
            parts.append(f"{select} WHERE {owner} = %s AND {condition}")
            params += [viewer.id, *values_params]
    return Rows(" UNION ALL ".join(parts), params)


THREAD_LIMIT = 2000  # the posts of one thread a context reads at most


def thread_context(post: Post, viewer: Account | None) -> tuple[list[Post], list[Post]]:
    """Ancestors (oldest first) and descendants (in reply order, depth first) the viewer may read.

    The thread's shape (ids and parents) comes from one plain query, its posts are loaded together and the
    rule is asked once for all of them: a fixed number of queries, however deep the ancestors go. A reply whose
    parent the viewer may not read is not shown under it (nor are its own replies)."""
    root = post.thread_root_id or post.id
    shape = dict(
        Post.objects.filter(thread_root_id=root, reblog_of__isnull=True).values_list("id", "in_reply_to_id")[
            :THREAD_LIMIT
        ]
    )
    chain: list[int] = []
    current, seen = post.in_reply_to_id, {post.id}
    while current and current not in seen and len(chain) < 100:
        seen.add(current)
        if current in shape:
            parent = shape[current]
        else:  # outside the thread's rows (stored before its root was known): read it alone
            row = Post.objects.filter(pk=current).values_list("in_reply_to_id").first()
            if row is None:
                break
            parent = row[0]
        chain.append(current)
        current = parent
    # Load every candidate once and ask the rule in its batch form (public posts cost one query for blocks); a
    # thread is read whole anyway, so the few the viewer may not read are the only extra rows.
    loaded = {item.id: item for item in load_posts([*chain, *(i for i in shape if i != post.id)])}
    readable = readable_among(loaded.values(), viewer)
    children: dict[int, list[int]] = {}
    for post_id, parent_id in shape.items():
        if post_id in readable and post_id != post.id:
            children.setdefault(parent_id, []).append(post_id)
    ordered: list[int] = []
    stack = sorted(children.get(post.id, []), reverse=True)
    while stack:
        post_id = stack.pop()
        ordered.append(post_id)
        stack.extend(sorted(children.get(post_id, []), reverse=True))
    ancestors = [loaded[post_id] for post_id in reversed(chain) if post_id in readable]
    return ancestors, [loaded[post_id] for post_id in ordered]


def edit_history(post: Post) -> list:
    return list(post.edits.order_by("created_at", "id"))


def accounts_who_reblogged(post: Post) -> list[Account]:
    return list(Account.objects.filter(posts__reblog_of=post).order_by("-posts__id")[:80])


def accounts_who_favourited(post: Post) -> list[Account]:
    return list(Account.objects.filter(favourites__post=post).order_by("-favourites__id")[:80])


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A post's quote as one viewer sees it (Mastodon's Quote entity): the state, with the extra states a
    viewer may see (`deleted`, `unauthorized`, `blocked_account`, `blocked_domain`, `muted_account`), and the
    quoted post only when the quote is accepted and the viewer may read it."""

    state: str
    quoted: Post | None
    quoted_id: int | None  # what ShallowQuote names: only when `quoted` would be shown


def quote_views(viewer: Account | None, post_ids: list[int], *, load: bool = True) -> dict[int, QuoteView]:
    """{quoting post id: QuoteView} for those of these posts that quote something, read fresh (the status cache
    never keeps a quote's state, so a revocation shows at once in every process). The quoted posts are read
    through the visibility rule: a quote of a post the viewer cannot read shows nothing of it. With `load`, the
    shown quoted posts are loaded for display (`load_posts`)."""
    if not post_ids:
        return {}
    rows = select_many(quote_views_read(post_ids))[0]  # plain reads by key: every page of statuses asks
    if not rows:
        return {}
    quoted_ids = {q.quoted_post_id for q in rows if q.quoted_post_id and q.state == QuoteState.ACCEPTED}
    readable = (
        set(visible_posts(viewer, Post.objects.filter(pk__in=quoted_ids)).values_list("id", flat=True))
        if quoted_ids
        else set()
    )
    authors = dict(Post.objects.filter(pk__in=readable).values_list("id", "account_id")) if readable else {}
    blocked, muted, domains = set(), set(), {}
    if viewer is not None and authors:
        targets = set(authors.values())
        blocked = set(
            Block.objects.filter(account=viewer, target_account_id__in=targets).values_list(
                "target_account_id", flat=True
            )
        )
        muted = set(
            Mute.objects.filter(account=viewer, target_account_id__in=targets).values_list(
                "target_account_id", flat=True
            )
        )
        blocked_domains = set(DomainBlock.objects.filter(account=viewer).values_list("domain", flat=True))
        if blocked_domains:
            domains = dict(
                Account.objects.filter(pk__in=targets, domain__in=blocked_domains).values_list("id", "domain")
            )
    shown = load_posts(sorted(readable)) if load and readable else []
    shown_by_id = {p.id: p for p in shown}
    views = {}
    for q in rows:
        state, quoted = q.state, None
        if state == QuoteState.ACCEPTED:
            author = authors.get(q.quoted_post_id)
            if q.quoted_post_id is None:
                state = "deleted"
            elif q.quoted_post_id not in readable:
                state = "unauthorized"
            elif author in blocked:
                state = "blocked_account"
            elif author in domains:
                state = "blocked_domain"
            elif author in muted:
                state = "muted_account"
            else:
                quoted = shown_by_id.get(q.quoted_post_id)
        quoted_id = q.quoted_post_id if state == QuoteState.ACCEPTED else None
        views[q.post_id] = QuoteView(state, quoted, quoted_id)
    return views


def quote_views_read(post_ids: list[int]) -> Read | None:
    """The first read of `quote_views`: the quotes these posts make (to read it ahead: `bulk.ReadAhead`)."""
    return Read.among(Quote, post_ids, "post")


def quote_counts(post_ids: list[int]) -> dict[int, int]:
    """{post id: how many accepted quotes it has} for those of these posts that have any (one grouped query on
    the (quoted_post, state) index, written out: every page of statuses asks)."""
    read = quote_counts_read(post_ids)
    return dict(select_many(read)[0]) if read is not None else {}


def quote_counts_read(post_ids: list[int]) -> Rows | None:
    """The statement `quote_counts` reads (to read it ahead: `bulk.ReadAhead`)."""
    if not post_ids:
        return None
    condition, params = among("quoted_post_id", post_ids, connection.vendor)
    return Rows(
        f"SELECT quoted_post_id, COUNT(*) FROM {Quote._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE {condition} AND state = %s GROUP BY quoted_post_id",
        [*params, QuoteState.ACCEPTED],
    )
