"""A short-lived, per-process cache of rendered statuses (all but the viewer's own state), for timelines.

Timelines are read far more often than posts change, and loading a page of posts with their authors, media,
mentions and tags through the ORM is most of a request's cost. A cached status is dropped in every process when
it changes (edit, delete, favourite, boost, reply, vote, link card, profile change, moderation) through
`caravan.invalidation`, before any later request reads it; where that cannot be told across processes
(PostgreSQL without Redis) nothing is kept. Who may read a post is never cached: the ids come from the viewer's
own feed, and a post by a suspended or limited author is asked of the visibility rule again.
"""

import threading
import time
from typing import Any

from caravan import events, invalidation
from caravan.accounts.models import Account
from caravan.api import entities
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts, viewer_state
from caravan.posts.visibility import visible_posts

TTL_SECONDS = 10.0
MAX_ENTRIES = 20_000

# post id -> (valid until, base entity, facts); original id -> ids of cached boosts of it
_entries: dict[int, tuple[float, dict, entities.StatusFacts]] = {}
_boosts: dict[int, set[int]] = {}
_lock = threading.Lock()


def _cached(ids: list[int]) -> dict[int, tuple[dict, entities.StatusFacts]]:
    now = time.monotonic()
    found = {}
    for post_id in ids:
        entry = _entries.get(post_id)
        if entry is not None and entry[0] > now:
            found[post_id] = (entry[1], entry[2])
    return found


def _store(posts: list) -> dict[int, tuple[dict, entities.StatusFacts]]:
    rendered = _render(posts)
    until = time.monotonic() + TTL_SECONDS
    with _lock:
        if len(_entries) > MAX_ENTRIES:
            _entries.clear()
            _boosts.clear()
        for post_id, (base, facts) in rendered.items():
            _entries[post_id] = (until, base, facts)
            if facts.reblog_of_id is not None:
                _boosts.setdefault(facts.reblog_of_id, set()).add(post_id)
    return rendered


def _render(posts: list) -> dict[int, tuple[dict, entities.StatusFacts]]:
    accounts: dict[int, dict] = {}

    def account_entity(a: Account) -> dict:
        data = accounts.get(a.id)
        if data is None:
            data = accounts[a.id] = entities.account(a)
        return data

    entities.attach_cards(posts)
    return {
        post.id: (entities.status_base(post, account_entity), entities.status_facts(post)) for post in posts
    }


def forget(post_id: int) -> None:
    """Drop a post (and boosts of it) in every process, now and again when the transaction commits, so no read
    in between re-caches the old version."""
    invalidation.drop(CACHE, post_id)


def _forget(post_id: int) -> None:
    with _lock:
        _entries.pop(post_id, None)
        for boost_id in _boosts.pop(post_id, ()):
            _entries.pop(boost_id, None)


def forget_all() -> None:
    """Empty this process's cache (benchmarks and tests; a change that concerns every status uses
    `invalidation.drop(CACHE, invalidation.EVERYTHING)`)."""
    with _lock:
        _entries.clear()
        _boosts.clear()


CACHE = "statuses"
invalidation.register(CACHE, lambda keys: [_forget(int(key)) for key in keys], forget_all)


def render_page(
    ids: list[int], viewer: Account | None, context: str | None, hidden: tuple[set[int], set[str]]
) -> list[dict]:
    """The statuses with these ids, in order, as `viewer` sees them, less hidden authors and hidden posts."""
    if invalidation.enabled():
        invalidation.catch_up()
        found = _cached(ids)
        missing = [post_id for post_id in ids if post_id not in found]
        if missing:
            found.update(_store(load_posts(missing)))
    else:
        found = _render(load_posts(ids))
    authors, domains = hidden
    page = []
    for post_id in ids:
        item = found.get(post_id)
        if item is None:
            continue
        if any(a in authors or (d and d in domains) for a, d in item[1].authors):
            continue
        page.append(item)
    marked = [facts.id for _, facts in page if facts.moderated]
    if marked:  # the feed was written before the author was suspended or limited
        readable = set(visible_posts(viewer, Post.objects.filter(pk__in=marked)).values_list("id", flat=True))
        page = [item for item in page if not item[1].moderated or item[1].id in readable]
    facts_list = [facts for _, facts in page]
    with entities.page_reads(viewer, facts_list, context, cards=False):
        state = viewer_state(viewer, facts_list)
        filters = entities.FilterSet(viewer, context)
        items = [(entities.with_viewer(base, facts, viewer, state, filters), facts) for base, facts in page]
        entities.add_quotes(items, viewer, filters)  # read fresh: a quote's state is never cached
    return [data for data, _ in items if not entities.is_hidden_by_filter(data)]


def _post_created(post: Any = None, **_: Any) -> None:
    # A new post is in no cache yet (its id is new); the posts it answers or boosts now count it.
    if getattr(post, "in_reply_to_id", None):
        forget(post.in_reply_to_id)
    if getattr(post, "reblog_of_id", None):
        forget(post.reblog_of_id)


def _post_changed(post: Any = None, **_: Any) -> None:
    if post is not None:
        forget(post.id)
        if getattr(post, "in_reply_to_id", None):
            forget(post.in_reply_to_id)  # its replies_count changed
        if getattr(post, "reblog_of_id", None):
            forget(post.reblog_of_id)


def connect_events() -> None:
    events.listen("post.created", _post_created)
    events.listen("post.updated", _post_changed)
    events.listen("post.deleted", _post_changed)
    events.listen("reblog.created", lambda reblog, **_: forget(reblog.reblog_of_id))
    events.listen("reblog.deleted", lambda reblog, **_: forget(reblog.reblog_of_id))
    events.listen("favourite.created", lambda favourite, **_: forget(favourite.post_id))
    events.listen("favourite.deleted", lambda favourite, **_: forget(favourite.post_id))
    events.listen("poll.voted", lambda poll, **_: forget(poll.post_id))
    events.listen("preview_card.attached", _post_changed)
    events.listen("account.updated", lambda **_: invalidation.drop(CACHE, invalidation.EVERYTHING))
    events.listen("account.moderated", lambda **_: invalidation.drop(CACHE, invalidation.EVERYTHING))
