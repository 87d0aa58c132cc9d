"""Rendering stream messages, per connection: each connection turns the references it receives into Mastodon
entities as its own account sees them, with the one visibility rule, in batches.
"""

import logging

import orjson
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

from caravan.accounts.models import Account
from caravan.api import entities, status_cache
from caravan.api.streaming.hubs import Frame, Message, Ref, Subscriber
from caravan.notifications.models import Notification
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.timelines.selectors import hidden_for

logger = logging.getLogger(__name__)

BATCH_LIMIT = 100  # messages rendered together, in one thread hop


def render_messages(account_id: int, messages: list[tuple[list[str], str, "str | Ref"]]) -> list[Frame]:
    """The frames a connection sends for these messages (each already named for its stream), rendered as
    its own account sees them.

    A message whose object is gone, or that this account may not read, is dropped. Runs in a thread (it
    queries); a batch shares one viewer lookup, and a post referenced twice (two streams) is rendered once.
    """
    if all(isinstance(payload, str) for _, _, payload in messages):
        return list(messages)

    if not connection.in_atomic_block:  # a long-lived stream: drop a broken or expired connection first
        close_old_connections()
    viewer = Account.objects.filter(pk=account_id).first()
    hidden = hidden_for(viewer) if viewer is not None else (set(), set())
    readable = _readable_posts(viewer, messages)
    rendered: dict[tuple, str | None] = {}
    frames: list[Frame] = []
    for stream, event, payload in messages:
        if isinstance(payload, str):
            frames.append((stream, event, payload))
            continue
        if viewer is None:
            continue
        ref = tuple(payload)
        if ref not in rendered:
            try:
                rendered[ref] = _render(viewer, hidden, readable, *ref)
            except Exception:  # one broken object must not end the connection
                logger.exception("could not render %s for a stream", ref)
                rendered[ref] = None
        if rendered[ref] is not None:
            frames.append((stream, event, rendered[ref]))
    return frames


def _readable_posts(viewer, messages: list) -> set[int]:
    """Which posts referenced in this batch the viewer may read: one query for the batch, with the visibility
    rule itself, whatever stream a reference came through (a follow may have ended, a block begun, since the
    publisher chose the stream)."""
    ids = {
        payload[1]
        for _, _, payload in messages
        if not isinstance(payload, str) and payload[0] in ("status", "conversation")
    }
    if viewer is None or not ids:
        return set()
    return set(visible_posts(viewer, Post.objects.filter(pk__in=ids)).values_list("id", flat=True))


def _render(
    viewer, hidden: tuple[set[int], set[str]], readable: set[int], kind: str, object_id: int, context: str
) -> str | None:
    if kind in ("status", "conversation") and object_id not in readable:
        return None
    if kind == "status":
        page = status_cache.render_page([object_id], viewer, "home" if context == "list" else context, hidden)
        return orjson.dumps(page[0]).decode() if page else None
    if kind == "notification":
        rows = Notification.objects.select_related("from_account").filter(pk=object_id, recipient=viewer)
        row = rows.first()
        items = entities.notifications([row], viewer) if row is not None else []
        return orjson.dumps(items[0]).decode() if items else None
    if kind == "conversation":
        posts = load_posts([object_id])
        if not posts:
            return None
        post = posts[0]
        others = [post.account] + [m.account for m in post.shown_mentions]
        accounts = {a.id: a for a in others if a.id != viewer.id}
        return orjson.dumps(
            {
                "id": str(post.thread_root_id or post.id),
                "unread": post.account_id != viewer.id,
                "accounts": [entities.account(a) for a in accounts.values()],
                "last_status": entities.status(post, viewer),
            }
        ).decode()
    return None


class AccessEnded(Exception):
    """The connection's token was revoked, or its account may no longer read (disabled, suspended, deleted)."""


async def next_frames(subscriber: Subscriber, account_id: int, first: Message | None = None) -> list[Frame]:
    """Wait for the next message (unless given), take whatever else is already queued, and render them
    together. Raises AccessEnded when one of them says the connection's access ended: nothing queued with it
    is sent."""
    messages = [first if first is not None else await subscriber.get()]
    while len(messages) < BATCH_LIMIT and not subscriber.queue.empty():
        messages.append(subscriber.queue.get_nowait())
    if any(message[1] == "kill" for message in messages):
        raise AccessEnded
    if not subscriber.notifications:
        messages = [message for message in messages if message[1] != "notification"]
    named = subscriber.framed(messages)
    if all(isinstance(payload, str) for _, _, payload in named):
        return named  # type: ignore[return-value]
    return await sync_to_async(render_messages)(account_id, named)
