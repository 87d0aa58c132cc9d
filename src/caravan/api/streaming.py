"""The Mastodon streaming API: server-sent events under /api/v1/streaming/* and the WebSocket at
/api/v1/streaming.

Domain events (a post entering home feeds, a notification, a public post, a deletion) are turned into stream
messages after their transaction commits. On one box they go through an in-process hub that any thread may
publish to (the embedded worker fans out in a thread of the server process); with CARAVAN_REDIS_URL set they
go through the Channels layer, so every web process sees every message.
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
from django.db import close_old_connections, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from caravan import events

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 500

Message = tuple[list[str], str, str]  # (stream as Mastodon names it, event, payload)


class Subscriber:
    """One connection's inbox: an asyncio queue that publishers in any thread can fill."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_LIMIT)
        self.keys: set[str] = set()
        self.channel: str | None = None

    def deliver(self, message: Message) -> None:
        def put() -> None:
            if not self.queue.full():  # a client too slow to read loses messages, never the server
                self.queue.put_nowait(message)

        self.loop.call_soon_threadsafe(put)

    async def get(self) -> Message:
        return await self.queue.get()


class LocalHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)

    async def add(self, subscriber: Subscriber, key: str) -> None:
        with self._lock:
            self._subscribers[key].add(subscriber)
            subscriber.keys.add(key)

    async def remove(self, subscriber: Subscriber, key: str) -> None:
        with self._lock:
            self._subscribers[key].discard(subscriber)
            subscriber.keys.discard(key)
            if not self._subscribers[key]:
                del self._subscribers[key]

    async def close(self, subscriber: Subscriber) -> None:
        for key in list(subscriber.keys):
            await self.remove(subscriber, key)

    def listening(self, key: str) -> bool:
        return bool(self._subscribers.get(key))

    def publish(self, key: str, message: Message) -> None:
        with self._lock:
            targets = list(self._subscribers.get(key, ()))
        for subscriber in targets:
            subscriber.deliver(message)

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
        return True

    def publish(self, key: str, message: Message) -> None:
        stream, event, payload = message
        async_to_sync(self.layer.group_send)(
            _group(key), {"type": "stream.message", "stream": stream, "event": event, "payload": payload}
        )

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
    try:
        hub().publish(key, (stream_for(key), event, text))
    except Exception:  # a stream is best-effort; it must never break the change that caused it
        logger.exception("could not publish to stream %s", key)


def publish_filters_changed(account_id: int) -> None:
    transaction.on_commit(lambda: _publish(f"user:{account_id}", "filters_changed", ""))


def _on_feed_inserted(owner_ids: list[int], post, **_: Any) -> None:
    # The in-process hub knows who is connected, so only those readers get a rendered copy. The Redis layer
    # cannot tell, so there every owner's copy is rendered: fine for small servers, to revisit at scale.
    local = hub()
    wanted = [owner for owner in owner_ids if local.listening(f"user:{owner}")]
    if wanted:
        transaction.on_commit(lambda: _push_to_feeds(post.id, wanted))


def _push_to_feeds(post_id: int, owner_ids: list[int]) -> None:
    from caravan.accounts.models import Account
    from caravan.api import entities
    from caravan.posts.selectors import load_posts

    posts = load_posts([post_id])
    if not posts:
        return
    for viewer in Account.objects.filter(pk__in=owner_ids):
        data = entities.StatusRenderer(viewer, posts, "home").render_all(posts)
        if data:
            _publish(f"user:{viewer.id}", "update", data[0])


def _on_notification(notification, **_: Any) -> None:
    recipient_id = notification.recipient_id
    local = hub()
    if not (local.listening(f"user:{recipient_id}") or local.listening(f"user:notification:{recipient_id}")):
        return

    def push() -> None:
        from caravan.accounts.models import Account
        from caravan.api import entities
        from caravan.notifications.models import Notification

        row = Notification.objects.select_related("from_account").filter(pk=notification.pk).first()
        viewer = Account.objects.filter(pk=recipient_id).first()
        if row is None or viewer is None:
            return
        rendered = entities.notifications([row], viewer)
        if rendered:
            _publish(f"user:{recipient_id}", "notification", rendered[0])
            _publish(f"user:notification:{recipient_id}", "notification", rendered[0])

    transaction.on_commit(push)


def _public_keys(post) -> list[str]:
    keys = ["public"]
    keys.append("public:local" if post.local else "public:remote")
    if post.has_media:
        keys += ["public:media", "public:local:media" if post.local else "public:remote:media"]
    return keys


def _on_post_created(post, **_: Any) -> None:
    if post.imported:
        return
    transaction.on_commit(lambda: _push_new_post(post.id))


def _push_new_post(post_id: int) -> None:
    from caravan.api import entities
    from caravan.posts.models import Visibility
    from caravan.posts.selectors import load_posts
    from caravan.posts.visibility import can_read
    from caravan.timelines.models import ListMember

    posts = load_posts([post_id])
    if not posts:
        return
    post = posts[0]
    local = hub()
    if post.visibility == Visibility.PUBLIC and post.reblog_of_id is None:
        data = entities.status(post, None)
        for key in _public_keys(post):
            _publish(key, "update", data)
        for post_tag in post.post_tags.all():
            _publish(f"hashtag:all:{post_tag.tag.name}", "update", data)
            if post.local:
                _publish(f"hashtag:local:{post_tag.tag.name}", "update", data)
    for member in ListMember.objects.filter(account_id=post.account_id).select_related("list__owner"):
        key = f"list:{member.list_id}"
        if local.listening(key) and can_read(post, member.list.owner):
            rendered = entities.StatusRenderer(member.list.owner, posts, "home").render_all(posts)
            if rendered:
                _publish(key, "update", rendered[0])
    if post.visibility == Visibility.DIRECT:
        participants = {post.account_id, *(m.account_id for m in post.mentions.all())}
        for account_id in participants:
            if local.listening(f"direct:{account_id}"):
                _push_conversation(post, account_id)


def _push_conversation(post, account_id: int) -> None:
    from caravan.accounts.models import Account
    from caravan.api import entities

    viewer = Account.objects.filter(pk=account_id, domain="").first()
    if viewer is None:
        return
    others = [post.account] + [m.account for m in post.mentions.all()]
    accounts = {a.id: a for a in others if a.id != account_id}
    _publish(
        f"direct:{account_id}",
        "conversation",
        {
            "id": str(post.thread_root_id or post.id),
            "unread": post.account_id != account_id,
            "accounts": [entities.account(a) for a in accounts.values()],
            "last_status": entities.status(post, viewer),
        },
    )


def _on_post_updated(post, **_: Any) -> None:
    def push() -> None:
        from caravan.api import entities
        from caravan.posts.models import Visibility
        from caravan.posts.selectors import load_posts

        posts = load_posts([post.id])
        if posts and posts[0].visibility == Visibility.PUBLIC:
            data = entities.status(posts[0], None)
            for key in _public_keys(posts[0]):
                _publish(key, "status.update", data)

    transaction.on_commit(push)


def _on_post_deleted(post, **_: Any) -> None:
    post_id = str(post.id)
    transaction.on_commit(lambda: _publish("*", "delete", post_id))


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


def keys_for(stream: str, query: dict[str, str], account_id: int) -> list[str]:
    from caravan.posts.rendering import normalize_tag

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
        from caravan.timelines.models import List

        if not List.objects.filter(pk=parse_id(list_id), owner_id=account_id).exists():
            raise StreamError(404, "Record not found")
        return [f"list:{list_id}", "*"]
    if stream == "direct":
        return [f"direct:{account_id}"]
    raise StreamError(400, "Unknown stream type")


def account_for_token(token: str) -> int:
    """The account id a user token belongs to; StreamError 401 when there is none (streams need a user)."""
    from caravan.accounts.models import User
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
    return user


# --- server-sent events ------------------------------------------------------------------------------------


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("OK", content_type="text/plain")


async def sse(request: HttpRequest, stream: str) -> HttpResponse:
    from caravan.api.http import bearer_token, error_response

    stream = stream.strip("/").replace("/", ":")
    query = dict(request.GET.items())
    try:
        account_id = await sync_to_async(account_for_token)(bearer_token(request))
        keys = await sync_to_async(keys_for)(stream, query, account_id)
    except StreamError as error:
        return error_response(error.status, error.message)
    local = hub()
    subscriber = Subscriber()
    for key in keys:
        await local.add(subscriber, key)

    async def messages():
        pump = asyncio.ensure_future(local.pump(subscriber))
        try:
            yield b":)\n\n"
            while True:
                try:
                    _stream, event, payload = await asyncio.wait_for(subscriber.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b":thump\n\n"
                    continue
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
                self.account_id = await sync_to_async(account_for_token)(token)
            except StreamError:
                await self.close(code=4001)
                return
            self.hub = hub()
            self.subscriber = Subscriber()
            self.streams: dict[tuple, list[str]] = {}
            await self.accept(subprotocol=protocol)
            self.sender = asyncio.ensure_future(self._forward())
            self.pump = asyncio.ensure_future(self.hub.pump(self.subscriber))
            if query.get("stream"):
                await self._subscribe(query["stream"], query)

        async def _forward(self) -> None:
            while True:
                stream, event, payload = await self.subscriber.get()
                frame = {"stream": stream, "event": event}
                if payload or event != "filters_changed":
                    frame["payload"] = payload
                await self.send(text_data=orjson.dumps(frame).decode())

        async def _subscribe(self, stream: str, message: dict) -> None:
            query = {k: str(v) for k, v in message.items() if isinstance(v, str | int)}
            try:
                keys = await sync_to_async(keys_for)(stream, query, self.account_id)
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
