"""Publishing to streams: domain events (a post entering home feeds, a notification, a public post, an edit, a
deletion) become references published after their transaction commits. Only in-memory checks run on the
posting path, and nothing is published for a stream nobody listens to (docs/decisions/0011): in this process
(the in-process hub), or in any process (with Redis, the hub asks its register when publishing).
"""

import logging
from typing import Any

import orjson
from django.db import transaction

from caravan import events
from caravan.api.streaming.hubs import LocalHub, Ref, any_of, hub
from caravan.posts.models import Mention, Post, PostTag, Visibility
from caravan.timelines.models import FeedEntry, ListMember

logger = logging.getLogger(__name__)


def _publish(key: str, event: str, payload: Any) -> None:
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    _publish_many([key], event, text)


def _publish_many(keys: list[str], event: str, payload: "str | Ref") -> None:
    if not keys:
        return
    try:
        hub().publish_many(keys, event, payload)
    except Exception:  # a stream is best-effort; it must never break the change that caused it
        logger.exception("could not publish to streams %s", keys[:5])


def _listened(local, keys: list[str]) -> set[str]:
    """Those of `keys` someone listens on; none if the hub cannot say (Redis away: nothing could be sent)."""
    try:
        return local.listened(keys)
    except Exception:  # as for publishing: never break the change that caused it
        logger.exception("could not ask who listens on streams %s", keys[:5])
        return set()


def publish_filters_changed(account_id: int, **_: Any) -> None:
    """A person's filters changed (through the API or the web pages): their clients fetch them again."""
    transaction.on_commit(lambda: _publish(f"user:{account_id}", "filters_changed", ""))


def _on_feed_inserted(owner_ids: list[int], post, **_: Any) -> None:
    local = hub()
    keys = [key for key in (f"user:{owner}" for owner in owner_ids) if local.listening(key)]
    if keys:
        ref = ["status", post.id, "home"]
        transaction.on_commit(lambda: _publish_many(keys, "update", ref))


def _on_notification(notification, **_: Any) -> None:
    local = hub()
    keys = [
        key
        for key in (f"user:{notification.recipient_id}", f"user:notification:{notification.recipient_id}")
        if local.listening(key)
    ]
    if keys:
        ref = ["notification", notification.pk, ""]
        transaction.on_commit(lambda: _publish_many(keys, "notification", ref))


def _public_keys(post) -> list[str]:
    keys = ["public"]
    keys.append("public:local" if post.local else "public:remote")
    if post.has_media:
        keys += ["public:media", "public:local:media" if post.local else "public:remote:media"]
    return keys


def _is_public_original(post) -> bool:
    """A post for the public and hashtag streams: as on those timelines, only by accounts in good standing
    (`timelines.selectors.IN_GOOD_STANDING`; the author is in memory on every path that gets here)."""
    author = post.account
    return (
        post.visibility == Visibility.PUBLIC
        and post.reblog_of_id is None
        and author.limited_at is None
        and author.suspended_at is None
    )


def _on_post_created(post, **_: Any) -> None:
    # On the posting and inbox paths: only in-memory checks here, nothing loaded, unless someone listens.
    if post.imported:
        return
    local = hub()
    public = _is_public_original(post)
    keys = [key for key in _public_keys(post) if local.listening(key)] if public else []
    concerned = (("hashtag", public), ("list", True), ("direct", post.visibility == Visibility.DIRECT))
    kinds = [kind for kind, concerns in concerned if concerns]
    if isinstance(local, LocalHub):  # it knows in memory; the register (Redis) is asked once, after commit
        kinds = [kind for kind in kinds if local.listening_to_any(kind)]
    if keys or kinds:
        post_id, author_id, is_local = post.id, post.account_id, post.local
        transaction.on_commit(lambda: _push_new_post(post_id, author_id, is_local, keys, kinds))


def _push_new_post(post_id: int, author_id: int, is_local: bool, keys: list[str], kinds: list[str]) -> None:
    """Publish references to a new post: ids come from small indexed queries, made only for the kinds of
    stream someone listens on (one question to the hub); nothing is rendered here."""
    local = hub()
    listened = _listened(local, [*keys, *map(any_of, kinds)])
    public, listed = ["status", post_id, "public"], ["status", post_id, "list"]
    _publish_many([key for key in keys if key in listened], "update", public)
    if any_of("hashtag") in listened:
        tag_keys = []
        for name in PostTag.objects.filter(post_id=post_id).values_list("tag__name", flat=True):
            tag_keys.append(f"hashtag:all:{name}")
            if is_local:
                tag_keys.append(f"hashtag:local:{name}")
        _publish_many([key for key in tag_keys if local.listening(key)], "update", public)
    if any_of("list") in listened:
        list_keys = [
            f"list:{list_id}"
            for list_id in ListMember.objects.filter(account_id=author_id).values_list("list_id", flat=True)
        ]
        _publish_many([key for key in list_keys if local.listening(key)], "update", listed)
    if any_of("direct") in listened:
        mentioned = Mention.objects.filter(post_id=post_id).values_list("account_id", flat=True)
        participants = {author_id, *mentioned}
        direct_keys = [f"direct:{account_id}" for account_id in participants]
        _publish_many(
            [key for key in direct_keys if local.listening(key)],
            "conversation",
            ["conversation", post_id, ""],
        )


def _kinds_listened(local) -> set[str]:
    """The kinds of stream ("user", "list", "hashtag", "direct") someone listens on: one question to the hub."""
    kinds = ("user", "list", "hashtag", "direct")
    listened = _listened(local, [any_of(kind) for kind in kinds])
    return {kind for kind in kinds if any_of(kind) in listened}


def _showing_keys(post, local, kinds: set[str]) -> tuple[list[str], list[str]]:
    """The keys of the streams that showed this post, as (home-like, public-like) keys: the `user` streams of
    the accounts whose home feed holds it, their lists that hold its author, the public and hashtag streams
    for a public original, the `direct` streams of a direct post's participants. Only streams that could read
    it: feed rows exist only for readers, lists are taken from those readers. Runs while the post's rows are
    there (a deletion asks before they go); `kinds` are those someone listens on (`_kinds_listened`)."""
    home: list[str] = []
    public: list[str] = []
    owners: set[int] = set()
    if "user" in kinds or "list" in kinds:
        owners = set(FeedEntry.objects.filter(post_id=post.id).values_list("owner_id", flat=True))
        home += [key for key in (f"user:{owner}" for owner in owners) if local.listening(key)]
    if owners and "list" in kinds:
        lists = ListMember.objects.filter(account_id=post.account_id, list__owner_id__in=owners)
        home += [
            key
            for key in (f"list:{i}" for i in lists.values_list("list_id", flat=True))
            if local.listening(key)
        ]
    if _is_public_original(post):
        public += [key for key in _public_keys(post) if local.listening(key)]
        if "hashtag" in kinds:
            for name in PostTag.objects.filter(post_id=post.id).values_list("tag__name", flat=True):
                public.append(f"hashtag:all:{name}")
                if post.local:
                    public.append(f"hashtag:local:{name}")
            public = [key for key in public if local.listening(key)]
    if post.visibility == Visibility.DIRECT and "direct" in kinds:
        mentioned = Mention.objects.filter(post_id=post.id).values_list("account_id", flat=True)
        home += [
            key for key in (f"direct:{i}" for i in {post.account_id, *mentioned}) if local.listening(key)
        ]
    return home, public


def _on_post_updated(post, **_: Any) -> None:
    """An edit (or a poll's new counts) reaches every stream that showed the post, each reader rendering it
    as they may see it."""
    if post.reblog_of_id is not None:
        return

    def push() -> None:
        local = hub()
        home, public = _showing_keys(post, local, _kinds_listened(local))
        _publish_many(home, "status.update", ["status", post.id, "home"])
        _publish_many(public, "status.update", ["status", post.id, "public"])

    transaction.on_commit(push)


BOOSTS_TOLD = 1000  # a deleted post's boosts whose readers are told too (each boost is its own delete)


def _on_post_deleted(post, **_: Any) -> None:
    """A deletion reaches every stream that showed the post, and the home streams that showed one of its
    boosts (they go with it); the keys are found now, while the rows are there, and used after commit."""
    local = hub()
    kinds = _kinds_listened(local)
    home, public = _showing_keys(post, local, kinds)
    deletes = [(home + public, str(post.id))]
    if post.reblog_of_id is None and "user" in kinds:
        boosts = Post.objects.filter(reblog_of_id=post.id).values_list("id", flat=True)[:BOOSTS_TOLD]
        owners: dict[int, list[str]] = {}
        for boost_id, owner in FeedEntry.objects.filter(post_id__in=list(boosts)).values_list(
            "post_id", "owner_id"
        ):
            if local.listening(f"user:{owner}"):
                owners.setdefault(boost_id, []).append(f"user:{owner}")
        deletes += [(keys, str(boost_id)) for boost_id, keys in owners.items()]
    deletes = [(keys, post_id) for keys, post_id in deletes if keys]
    if deletes:
        transaction.on_commit(lambda: [_publish_many(keys, "delete", post_id) for keys, post_id in deletes])


def _on_reblog_deleted(reblog, **_: Any) -> None:
    """An undone boost leaves the home streams that showed it, as a deleted post does."""
    _on_post_deleted(reblog)


def end_streams(keys: list[str]) -> None:
    """Every connection listening on these `access:` keys closes, in any process, once the change commits: a
    revoked token (`access:token:<id>`), or an account that may no longer read (`access:<account id>`)."""
    transaction.on_commit(lambda: _publish_many(keys, "kill", ""))


def _on_signed_out(account_id: int, **_: Any) -> None:
    end_streams([f"access:{account_id}"])


def _on_tokens_revoked(token_ids: list[int], **_: Any) -> None:
    end_streams([f"access:token:{token_id}" for token_id in token_ids])


def _on_account_moderated(account, action, **_: Any) -> None:
    if action.kind == "suspend" and not action.lifted_at and account.is_local:
        end_streams([f"access:{account.id}"])


def _on_account_deleted(account, **_: Any) -> None:
    if account.is_local:
        end_streams([f"access:{account.id}"])


def connect_events() -> None:
    events.listen("account.signed_out", _on_signed_out)
    events.listen("filters.changed", publish_filters_changed)
    events.listen("tokens.revoked", _on_tokens_revoked)
    events.listen("account.moderated", _on_account_moderated)
    events.listen("account.deleted", _on_account_deleted)
    events.listen("feed.inserted", _on_feed_inserted)
    events.listen("notification.created", _on_notification)
    events.listen("post.created", _on_post_created)
    events.listen("post.updated", _on_post_updated)
    events.listen("post.deleted", _on_post_deleted)
    events.listen("reblog.deleted", _on_reblog_deleted)
