"""Streaming hubs: where stream messages go between publishers and connections. The in-process hub knows
every listener, so publishers skip what nobody reads; the Channels layer hub (CARAVAN_REDIS_URL) lets every
web process see every message, and keeps a register in Redis of the keys some process listens on, so that
publishers skip the others there too.
"""

import asyncio
import hashlib
import logging
import threading
import time
from collections import defaultdict

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from caravan.invalidation import redis_client

logger = logging.getLogger(__name__)

QUEUE_LIMIT = 500

# What a connection renders for its own account: ("status", post id, filter context), ("notification", id, "")
# or ("conversation", post id, ""). Lists, not tuples: that is what comes back through the Redis layer.
Ref = list
# (hub key it was published on, event, payload or what to render)
Message = tuple[str, str, "str | Ref"]
Frame = tuple[list[str], str, str]  # (stream as the client subscribed to it, event, payload): ready to send


class Subscriber:
    """One connection's inbox: an asyncio queue that publishers in any thread can fill."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_LIMIT)
        self.keys: set[str] = set()
        # Hub key -> the streams the client subscribed to that listen on it, each named as the client named it
        # (`["user"]`, `["hashtag", "foo"]`, `["list", "12"]`): a frame carries the name of the stream that
        # showed it, once per such stream, as on Mastodon.
        self.streams: dict[str, list[list[str]]] = {}
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

    def name(self, key: str, stream: list[str]) -> None:
        """Frames from this hub key are sent as (also) coming from this stream."""
        names = self.streams.setdefault(key, [])
        if stream not in names:
            names.append(stream)

    def unname(self, key: str, stream: list[str]) -> bool:
        """This stream no longer listens on the key; whether any stream still does."""
        names = self.streams.get(key, [])
        if stream in names:
            names.remove(stream)
        if not names:
            self.streams.pop(key, None)
        return bool(names)

    def framed(self, messages: list[Message]) -> list[Frame]:
        """Each message once per stream that listens on its key; a key no stream names (the connection's
        `access:` keys) gives none."""
        return [
            (stream, event, payload)
            for key, event, payload in messages
            for stream in self.streams.get(key, ())
        ]


def _kind(key: str) -> str:
    return key.split(":", 1)[0]


ANY = "*"  # no stream's key starts with it


def any_of(kind: str) -> str:
    """The key that stands for every key of a kind ("hashtag", "list", "direct", "user"): a hub listens on it
    while it listens on any of them."""
    return ANY + kind


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
        if key.startswith(ANY):
            return self.listening_to_any(key.removeprefix(ANY))
        return key in self._subscribers

    def listening_to_any(self, kind: str) -> bool:
        """Whether any key starting with `kind:` ("hashtag", "list", "direct") has a listener."""
        return self._kinds.get(kind, 0) > 0

    def listened(self, keys: list[str]) -> set[str]:
        """Those of `keys` (stream keys, or `any_of(kind)`) someone listens on."""
        return {key for key in keys if self.listening(key)}

    def publish(self, key: str, message: Message) -> None:
        with self._lock:
            targets = list(self._subscribers.get(key, ()))
        for subscriber in targets:
            subscriber.deliver(message)

    def publish_many(self, keys: list[str], event: str, payload: "str | Ref") -> None:
        for key in keys:
            self.publish(key, (key, event, payload))

    async def pump(self, subscriber: Subscriber) -> None:
        """Nothing to do: publishers fill the queue directly."""


def _group(key: str) -> str:
    return "stream." + hashlib.sha1(key.encode()).hexdigest()  # noqa: S324 - a name, not a secret


LISTEN_SECONDS = 60.0  # a key in the register counts as listened on until this long after its process said so
RENEW_SECONDS = 20.0  # how often a process says it again for its connections' keys
SEND_SECONDS = 5.0  # the longest a publisher waits for Redis to take its messages
REGISTER = "caravan:streaming:listened:"  # and the database's name: servers sharing a Redis keep apart


class LayerHub:
    """Streams over the Channels layer (Redis): one group per stream key, one channel per connection.

    Every process with connections keeps their keys in a sorted set in Redis (the register), each scored with
    the time until which it counts, renewed every RENEW_SECONDS; a publisher asks the register once per batch
    (ZMSCORE) and sends only to keys someone listens on. Without it, each post cost one `group_send` per
    follower and per public stream (a third of a posting process's time with nobody listening). A key is
    registered before the connection answers, so a message published after that reaches it; a key nobody
    listens on any more stays registered up to LISTEN_SECONDS, which costs only a needless send."""

    def __init__(self) -> None:
        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()
        self._lock = threading.Lock()
        self._local: dict[str, int] = defaultdict(
            int
        )  # keys this process's connections listen on -> how many
        self._renewing: asyncio.Task | None = None

    @staticmethod
    def _register_name() -> str:
        return REGISTER + str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])

    def register(self, keys: list[str]) -> None:
        """Say that this process listens on these keys and on `any_of` their kinds (for LISTEN_SECONDS), and
        forget expired ones."""
        now = time.time()
        pipe = redis_client().pipeline(transaction=False)
        marked = [*keys, *{any_of(_kind(key)) for key in keys}]
        pipe.zadd(self._register_name(), dict.fromkeys(marked, now + LISTEN_SECONDS))
        pipe.zremrangebyscore(self._register_name(), "-inf", now)
        pipe.execute()

    def listened(self, keys: list[str]) -> set[str]:
        """Those of `keys` (stream keys, or `any_of(kind)`) some process listens on: one question to Redis."""
        if not keys:
            return set()
        scores = redis_client().zmscore(self._register_name(), keys)
        now = time.time()
        return {key for key, until in zip(keys, scores, strict=True) if until is not None and until > now}

    async def add(self, subscriber: Subscriber, key: str) -> None:
        if subscriber.channel is None:
            subscriber.channel = await self.layer.new_channel()
        await self.layer.group_add(_group(key), subscriber.channel)
        with self._lock:
            if key not in subscriber.keys:
                self._local[key] += 1
                subscriber.keys.add(key)
        await sync_to_async(self.register, thread_sensitive=False)([key])
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            with self._lock:
                keys = list(self._local)
            if not keys:
                return
            try:
                await sync_to_async(self.register, thread_sensitive=False)(keys)
            except Exception:  # Redis away for a moment: the next round says it again
                logger.exception("could not renew %d streaming keys", len(keys))

    async def remove(self, subscriber: Subscriber, key: str) -> None:
        if subscriber.channel is not None:
            await self.layer.group_discard(_group(key), subscriber.channel)
        with self._lock:
            if key in subscriber.keys:
                subscriber.keys.discard(key)
                self._local[key] -= 1
                if self._local[key] <= 0:
                    del self._local[key]

    async def close(self, subscriber: Subscriber) -> None:
        for key in list(subscriber.keys):
            await self.remove(subscriber, key)

    def listening(self, key: str) -> bool:
        return True  # other processes may listen: the register is asked when publishing

    def listening_to_any(self, kind: str) -> bool:
        return bool(self.listened([any_of(kind)]))

    def publish(self, key: str, message: Message) -> None:
        self.publish_many_messages([(key, message)])

    def publish_many(self, keys: list[str], event: str, payload: "str | Ref") -> None:
        self.publish_many_messages([(key, (key, event, payload)) for key in keys])

    def publish_many_messages(self, messages: list[tuple[str, Message]]) -> None:
        listened = self.listened(list(dict.fromkeys(key for key, _ in messages)))
        messages = [(key, message) for key, message in messages if key in listened]
        if not messages:
            return

        async def send_all() -> None:
            # The layer's connections have no timeout of their own (decision 0051): a Redis that stalls must
            # not hold the thread of the change that published.
            async with asyncio.timeout(SEND_SECONDS):
                for key, (_, event, payload) in messages:
                    body = {"type": "stream.message", "key": key, "event": event, "payload": payload}
                    await self.layer.group_send(_group(key), body)

        async_to_sync(send_all)()

    async def pump(self, subscriber: Subscriber) -> None:
        while True:
            if subscriber.channel is None:
                await asyncio.sleep(0.2)
                continue
            message = await self.layer.receive(subscriber.channel)
            subscriber.queue.put_nowait((message["key"], message["event"], message["payload"]))


_hub: LocalHub | LayerHub | None = None


def hub() -> LocalHub | LayerHub:
    global _hub
    if _hub is None:
        backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
        _hub = LocalHub() if backend.endswith("InMemoryChannelLayer") else LayerHub()
    return _hub


def stream_name(stream: str, query: dict[str, str]) -> list[str]:
    """The `stream` array of frames for a stream a client subscribed to, as Mastodon names it: the stream as
    the client wrote it, with the tag or list it gave."""
    if stream in ("hashtag", "hashtag:local"):
        return [stream, query.get("tag", "")]
    if stream == "list":
        return [stream, query.get("list", "")]
    return [stream]
