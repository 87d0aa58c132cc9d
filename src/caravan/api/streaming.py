"""The Mastodon streaming API: server-sent events under /api/v1/streaming/* and the WebSocket at
/api/v1/streaming.

Domain events (a post entering home feeds, a notification, a public post, a deletion) are turned into stream
messages after their transaction commits. On one box they go through an in-process hub that any thread may
publish to (the embedded worker fans out in a thread of the server process); with CARAVAN_REDIS_URL set they
go through the Channels layer, so every web process sees every message.

Publishers send references (a post or notification id), never rendered entities: each connection renders
what it receives, as its own account sees it (docs/decisions/0011). With the in-process hub nothing at all
is published, and nothing loaded, for a stream nobody in this process listens to.
"""

import asyncio
import hashlib
import logging
import threading
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs

import orjson
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from caravan import events
from caravan.accounts.models import Account, User
from caravan.notifications.models import Notification
from caravan.posts.models import Mention, Post, PostTag, Visibility
from caravan.posts.rendering import normalize_tag
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.timelines.models import List, ListMember
from caravan.timelines.selectors import hidden_for

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 500

# What a connection renders for its own account: ("status", post id, filter context), ("notification", id, "")
# or ("conversation", post id, ""). Lists, not tuples: that is what comes back through the Redis layer.
Ref = list
# (stream as Mastodon names it, event, payload or what to render)
Message = tuple[list[str], str, "str | Ref"]
Frame = tuple[list[str], str, str]  # a message ready to send
BATCH_LIMIT = 100  # messages rendered together, in one thread hop


class Subscriber:
    """One connection's inbox: an asyncio queue that publishers in any thread can fill."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_LIMIT)
        self.keys: set[str] = set()
        self.channel: str | None = None
        # Whether the token may read notifications: without it the user stream carries no notification
        # events (as on Mastodon), so a `read:statuses` token never sees them.
        self.notifications = False

    def deliver(self, message: Message) -> None:
        def put() -> None:
            if not self.queue.full():  # a client too slow to read loses messages, never the server
                self.queue.put_nowait(message)

        self.loop.call_soon_threadsafe(put)

    async def get(self) -> Message:
        return await self.queue.get()


def _kind(key: str) -> str:
    return key.split(":", 1)[0]


class LocalHub:
    """Streams within this process. It knows every listener, so publishers can skip what nobody reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)
        self._kinds: dict[str, int] = defaultdict(int)  # "hashtag", "list"... -> keys with listeners

    async def add(self, subscriber: Subscriber, key: str) -> None:
        with self._lock:
            if key not in self._subscribers:
                self._kinds[_kind(key)] += 1
            self._subscribers[key].add(subscriber)
            subscriber.keys.add(key)

    async def remove(self, subscriber: Subscriber, key: str) -> None:
        with self._lock:
            listeners = self._subscribers.get(key)
            if listeners is None:
                return
            listeners.discard(subscriber)
            subscriber.keys.discard(key)
            if not listeners:
                del self._subscribers[key]
                self._kinds[_kind(key)] -= 1

    async def close(self, subscriber: Subscriber) -> None:
        for key in list(subscriber.keys):
            await self.remove(subscriber, key)

    def listening(self, key: str) -> bool:
        return key in self._subscribers

    def listening_to_any(self, kind: str) -> bool:
        """Whether any key starting with `kind:` ("hashtag", "list", "direct") has a listener."""
        return self._kinds.get(kind, 0) > 0

    def publish(self, key: str, message: Message) -> None:
        with self._lock:
            targets = list(self._subscribers.get(key, ()))
        for subscriber in targets:
            subscriber.deliver(message)

    def publish_many(self, keys: list[str], event: str, payload: "str | Ref") -> None:
        for key in keys:
            self.publish(key, (stream_for(key), event, payload))

    async def pump(self, subscriber: Subscriber) -> None:
        """Nothing to do: publishers fill the queue directly."""


def _group(key: str) -> str:
    return "stream." + hashlib.sha1(key.encode()).hexdigest()  # noqa: S324 - a name, not a secret


class LayerHub:
    """Streams over the Channels layer (Redis): one group per stream key, one channel per connection."""

    def __init__(self) -> None:
        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()

    async def add(self, subscriber: Subscriber, key: str) -> None:
        if subscriber.channel is None:
            subscriber.channel = await self.layer.new_channel()
        await self.layer.group_add(_group(key), subscriber.channel)
        subscriber.keys.add(key)

    async def remove(self, subscriber: Subscriber, key: str) -> None:
        if subscriber.channel is not None:
            await self.layer.group_discard(_group(key), subscriber.channel)
        subscriber.keys.discard(key)

    async def close(self, subscriber: Subscriber) -> None:
        for key in list(subscriber.keys):
            await self.remove(subscriber, key)

    def listening(self, key: str) -> bool:
        return True  # other processes may listen: publish, but only references (cheap)

    def listening_to_any(self, kind: str) -> bool:
        return True

    def publish(self, key: str, message: Message) -> None:
        self.publish_many_messages([(key, message)])

    def publish_many(self, keys: list[str], event: str, payload: "str | Ref") -> None:
        self.publish_many_messages([(key, (stream_for(key), event, payload)) for key in keys])

    def publish_many_messages(self, messages: list[tuple[str, Message]]) -> None:
        async def send_all() -> None:
            for key, (stream, event, payload) in messages:
                body = {"type": "stream.message", "stream": stream, "event": event, "payload": payload}
                await self.layer.group_send(_group(key), body)

        async_to_sync(send_all)()

    async def pump(self, subscriber: Subscriber) -> None:
        while True:
            if subscriber.channel is None:
                await asyncio.sleep(0.2)
                continue
            message = await self.layer.receive(subscriber.channel)
            subscriber.queue.put_nowait((message["stream"], message["event"], message["payload"]))


_hub: LocalHub | LayerHub | None = None


def hub() -> LocalHub | LayerHub:
    global _hub
    if _hub is None:
        backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
        _hub = LocalHub() if backend.endswith("InMemoryChannelLayer") else LayerHub()
    return _hub


# --- which streams a message goes to -----------------------------------------------------------------------


def stream_for(key: str) -> list[str]:
    """The `stream` array of a WebSocket frame for a hub key."""
    parts = key.split(":")
    if parts[0] == "user":
        return ["user:notification"] if parts[1] == "notification" else ["user"]
    if parts[0] == "hashtag":
        return ["hashtag:local", parts[2]] if parts[1] == "local" else ["hashtag", parts[2]]
    if parts[0] == "list":
        return ["list", parts[1]]
    if parts[0] == "direct":
        return ["direct"]
    return [key]


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


def publish_filters_changed(account_id: int) -> None:
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
    return post.visibility == Visibility.PUBLIC and post.reblog_of_id is None


def _on_post_created(post, **_: Any) -> None:
    # On the posting and inbox paths: only in-memory checks here, nothing loaded, unless someone listens.
    if post.imported:
        return
    local = hub()
    public = _is_public_original(post)
    keys = [key for key in _public_keys(post) if local.listening(key)] if public else []
    tags = public and local.listening_to_any("hashtag")
    lists = local.listening_to_any("list")
    direct = post.visibility == Visibility.DIRECT and local.listening_to_any("direct")
    if keys or tags or lists or direct:
        post_id, author_id, is_local = post.id, post.account_id, post.local
        transaction.on_commit(lambda: _push_new_post(post_id, author_id, is_local, keys, tags, lists, direct))


def _push_new_post(
    post_id: int, author_id: int, is_local: bool, keys: list[str], tags: bool, lists: bool, direct: bool
) -> None:
    """Publish references to a new post: ids come from small indexed queries; nothing is rendered here."""
    local = hub()
    public, listed = ["status", post_id, "public"], ["status", post_id, "list"]
    _publish_many(keys, "update", public)
    if tags:
        tag_keys = []
        for name in PostTag.objects.filter(post_id=post_id).values_list("tag__name", flat=True):
            tag_keys.append(f"hashtag:all:{name}")
            if is_local:
                tag_keys.append(f"hashtag:local:{name}")
        _publish_many([key for key in tag_keys if local.listening(key)], "update", public)
    if lists:
        list_keys = [
            f"list:{list_id}"
            for list_id in ListMember.objects.filter(account_id=author_id).values_list("list_id", flat=True)
        ]
        _publish_many([key for key in list_keys if local.listening(key)], "update", listed)
    if direct:
        mentioned = Mention.objects.filter(post_id=post_id).values_list("account_id", flat=True)
        participants = {author_id, *mentioned}
        direct_keys = [f"direct:{account_id}" for account_id in participants]
        _publish_many(
            [key for key in direct_keys if local.listening(key)],
            "conversation",
            ["conversation", post_id, ""],
        )


def _on_post_updated(post, **_: Any) -> None:
    if not _is_public_original(post):
        return
    local = hub()
    keys = [key for key in _public_keys(post) if local.listening(key)]
    if keys:
        ref = ["status", post.id, "public"]
        transaction.on_commit(lambda: _publish_many(keys, "status.update", ref))


def _on_post_deleted(post, **_: Any) -> None:
    if hub().listening("*"):
        post_id = str(post.id)
        transaction.on_commit(lambda: _publish("*", "delete", post_id))


# --- rendering, per connection ---


def render_messages(account_id: int, messages: list[Message]) -> list[Frame]:
    """The frames a connection sends for these messages, rendered as its own account sees them.

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


def _readable_posts(viewer, messages: list[Message]) -> set[int]:
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
    from caravan.api import entities, status_cache

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


async def next_frames(subscriber: Subscriber, account_id: int, first: Message | None = None) -> list[Frame]:
    """Wait for the next message (unless given), take whatever else is already queued, and render them
    together."""
    messages = [first if first is not None else await subscriber.get()]
    while len(messages) < BATCH_LIMIT and not subscriber.queue.empty():
        messages.append(subscriber.queue.get_nowait())
    if not subscriber.notifications:
        messages = [message for message in messages if message[1] != "notification"]
        if not messages:
            return []
    if all(isinstance(payload, str) for _, _, payload in messages):
        return messages  # type: ignore[return-value]
    return await sync_to_async(render_messages)(account_id, messages)


def connect_events() -> None:
    events.listen("feed.inserted", _on_feed_inserted)
    events.listen("notification.created", _on_notification)
    events.listen("post.created", _on_post_created)
    events.listen("post.updated", _on_post_updated)
    events.listen("post.deleted", _on_post_deleted)


# --- which hub keys a requested stream listens on ---


class StreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def required_scope(stream: str) -> str:
    """The scope a token needs for a stream: the notifications stream wants `read:notifications`, every
    other one carries statuses (Mastodon's streaming server decides the same way)."""
    return "read:notifications" if stream == "user:notification" else "read:statuses"


def keys_for(stream: str, query: dict[str, str], account_id: int, scopes: frozenset[str]) -> list[str]:
    if required_scope(stream) not in scopes:
        raise StreamError(401, "Error: Access token does not have the required scopes")
    media = query.get("only_media", "").lower() in ("1", "true", "t", "on")
    if stream == "user":
        return [f"user:{account_id}", "*"]
    if stream == "user:notification":
        return [f"user:notification:{account_id}"]
    if stream in ("public", "public:local", "public:remote"):
        return [f"{stream}:media" if media else stream, "*"]
    if stream.endswith(":media") and stream.removesuffix(":media") in (
        "public",
        "public:local",
        "public:remote",
    ):
        return [stream, "*"]
    if stream in ("hashtag", "hashtag:local"):
        tag = normalize_tag(query.get("tag", "").lstrip("#"))
        if not tag:
            raise StreamError(400, "No tag for stream provided")
        return [f"hashtag:{'local' if stream == 'hashtag:local' else 'all'}:{tag}", "*"]
    if stream == "list":
        list_id = query.get("list", "")
        from caravan.api.http import parse_id

        number = parse_id(list_id)
        if not List.objects.filter(pk=number, owner_id=account_id).exists():
            raise StreamError(404, "Record not found")
        return [f"list:{number}", "*"]  # the key publishers use, however the client wrote the id
    if stream == "direct":
        return [f"direct:{account_id}"]
    raise StreamError(400, "Unknown stream type")


def account_for_token(token: str) -> tuple[int, frozenset[str]]:
    """The account id a user token belongs to and the scopes it grants; StreamError 401 when there is none
    (streams need a user). Each stream then checks its own scope (`keys_for`)."""
    from caravan.api.http import _lookup_token

    close_old_connections()
    info = _lookup_token(token) if token else None
    if info is None or info.user_id is None:
        raise StreamError(401, "Error: Missing access token")
    if not ({"read", "read:statuses", "read:notifications"} & info.scopes):
        raise StreamError(401, "Error: Access token does not have the required scopes")
    user = User.objects.filter(pk=info.user_id, is_active=True).values_list("account_id", flat=True).first()
    if user is None:
        raise StreamError(401, "Error: Invalid access token")
    return user, info.scopes


# --- server-sent events ------------------------------------------------------------------------------------


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("OK", content_type="text/plain")


async def sse(request: HttpRequest, stream: str) -> HttpResponse:
    from caravan.api.http import bearer_token, error_response

    stream = stream.strip("/").replace("/", ":")
    query = dict(request.GET.items())
    try:
        account_id, scopes = await sync_to_async(account_for_token)(bearer_token(request))
        keys = await sync_to_async(keys_for)(stream, query, account_id, scopes)
    except StreamError as error:
        return error_response(error.status, error.message)
    local = hub()
    subscriber = Subscriber()
    subscriber.notifications = "read:notifications" in scopes
    for key in keys:
        await local.add(subscriber, key)

    async def messages():
        pump = asyncio.ensure_future(local.pump(subscriber))
        try:
            yield b":)\n\n"
            while True:
                try:
                    # Only the wait is timed: a batch taken from the queue is always rendered and sent.
                    first = await asyncio.wait_for(subscriber.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b":thump\n\n"
                    continue
                frames = await next_frames(subscriber, account_id, first)
                for _stream, event, payload in frames:
                    yield f"event: {event}\ndata: {payload}\n\n".encode()
        finally:
            pump.cancel()
            await local.close(subscriber)

    response = StreamingHttpResponse(messages(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- WebSocket ---


def _make_consumer():
    from channels.generic.websocket import AsyncWebsocketConsumer

    class StreamingConsumer(AsyncWebsocketConsumer):
        """`/api/v1/streaming`: subscribe/unsubscribe messages; frames carry `stream`, `event`, `payload`."""

        async def connect(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
            headers = {k.decode().lower(): v.decode() for k, v in self.scope.get("headers", [])}
            protocols = self.scope.get("subprotocols") or []
            token, protocol = "", None
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
            elif query.get("access_token"):
                token = query["access_token"]
            elif protocols:
                token = protocol = protocols[0]
            try:
                self.account_id, self.scopes = await sync_to_async(account_for_token)(token)
            except StreamError:
                await self.close(code=4001)
                return
            self.hub = hub()
            self.subscriber = Subscriber()
            self.subscriber.notifications = "read:notifications" in self.scopes
            self.streams: dict[tuple, list[str]] = {}
            await self.accept(subprotocol=protocol)
            self.sender = asyncio.ensure_future(self._forward())
            self.pump = asyncio.ensure_future(self.hub.pump(self.subscriber))
            if query.get("stream"):
                await self._subscribe(query["stream"], query)

        async def _forward(self) -> None:
            while True:
                for stream, event, payload in await next_frames(self.subscriber, self.account_id):
                    frame = {"stream": stream, "event": event}
                    if payload or event != "filters_changed":
                        frame["payload"] = payload
                    await self.send(text_data=orjson.dumps(frame).decode())

        async def _subscribe(self, stream: str, message: dict) -> None:
            query = {k: str(v) for k, v in message.items() if isinstance(v, str | int)}
            try:
                keys = await sync_to_async(keys_for)(stream, query, self.account_id, self.scopes)
            except StreamError as error:
                await self.send(
                    text_data=orjson.dumps({"error": error.message, "status": error.status}).decode()
                )
                return
            for key in keys:
                await self.hub.add(self.subscriber, key)
            self.streams[(stream, query.get("tag", ""), query.get("list", ""))] = keys

        async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
            try:
                message = orjson.loads(text_data or bytes_data or b"{}")
            except orjson.JSONDecodeError:
                return
            if not isinstance(message, dict) or not isinstance(message.get("stream"), str):
                return
            if message.get("type") == "subscribe":
                await self._subscribe(message["stream"], message)
            elif message.get("type") == "unsubscribe":
                identity = (message["stream"], str(message.get("tag", "")), str(message.get("list", "")))
                removed = self.streams.pop(identity, [])
                still = {key for keys in self.streams.values() for key in keys}
                for key in removed:
                    if key not in still:
                        await self.hub.remove(self.subscriber, key)

        async def disconnect(self, code: int) -> None:
            for task_name in ("sender", "pump"):
                task = getattr(self, task_name, None)
                if task is not None:
                    task.cancel()
            if getattr(self, "subscriber", None) is not None:
                await self.hub.close(self.subscriber)

    return StreamingConsumer


def _websocket_application():
    from channels.routing import URLRouter
    from django.urls import re_path

    consumer = _make_consumer()
    return URLRouter([re_path(r"^api/v1/streaming/?$", consumer.as_asgi())])


websocket_application = _websocket_application()
