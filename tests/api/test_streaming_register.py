"""With Redis, the streaming hub keeps a register of the keys some process listens on, and publishers send only
to those (a post's `group_send` per follower, with nobody listening, was a third of a posting process's time).
Two hubs stand for two processes sharing one Redis, as in tests/federation/test_many_processes.py."""

import asyncio
import uuid

import pytest
from django.conf import settings

from caravan.api.streaming import hubs

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the register lives in Redis (CARAVAN_REDIS_URL)"
)


@pytest.fixture
def register(monkeypatch):
    """A register of this test's own, emptied afterwards."""
    monkeypatch.setattr(hubs, "REGISTER", f"caravan:test-register:{uuid.uuid4().hex}:")
    yield
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(hubs.LayerHub._register_name())
    client.close()


def _sent(hub: hubs.LayerHub, monkeypatch) -> list[str]:
    """The groups `hub` sends to, recorded as they are sent."""
    sent: list[str] = []
    send = hub.layer.group_send

    async def recording(group, message):
        sent.append(group)
        await send(group, message)

    monkeypatch.setattr(hub.layer, "group_send", recording)
    return sent


def test_a_message_goes_only_to_keys_some_process_listens_on(register, monkeypatch):
    listener_process, poster_process = hubs.LayerHub(), hubs.LayerHub()
    sent = _sent(poster_process, monkeypatch)

    async def scenario():
        poster_process.publish_many(["user:7"], "update", ["status", 1, "home"])  # nobody listens yet
        subscriber = hubs.Subscriber()
        await listener_process.add(subscriber, "user:7")
        pump = asyncio.ensure_future(listener_process.pump(subscriber))
        try:
            await asyncio.to_thread(
                poster_process.publish_many, ["user:7", "user:8", "public"], "update", ["status", 2, "home"]
            )
            received = await asyncio.wait_for(subscriber.get(), 10)
        finally:
            pump.cancel()
            await listener_process.close(subscriber)
        return received

    received = asyncio.run(scenario())
    assert received == ("user:7", "update", ["status", 2, "home"])
    assert sent == [hubs._group("user:7")]


def test_a_key_counts_while_its_process_renews_it_and_lapses_after_its_last_listener_goes(
    register, monkeypatch
):
    # Renewed ten times as often as a key lapses: a busy machine's late renewal must not drop a listened key.
    monkeypatch.setattr(hubs, "LISTEN_SECONDS", 2.0)
    monkeypatch.setattr(hubs, "RENEW_SECONDS", 0.2)
    hub = hubs.LayerHub()

    async def scenario():
        first, second = hubs.Subscriber(), hubs.Subscriber()
        await hub.add(first, "hashtag:all:caravan")
        await hub.add(second, "hashtag:all:caravan")
        await asyncio.sleep(2.5)  # past LISTEN_SECONDS: only the renewals keep it
        renewed = hub.listened(["hashtag:all:caravan", "hashtag:all:other"])
        await hub.close(first)
        await asyncio.sleep(2.5)
        still = hub.listened(["hashtag:all:caravan"])  # the second connection still listens
        await hub.close(second)
        await asyncio.sleep(2.5)
        return renewed, still, hub.listened(["hashtag:all:caravan"])

    renewed, still, lapsed = asyncio.run(scenario())
    assert renewed == {"hashtag:all:caravan"}
    assert still == {"hashtag:all:caravan"}
    assert lapsed == set()


def test_the_register_says_which_kinds_of_stream_any_process_listens_on(register):
    listener_process, poster_process = hubs.LayerHub(), hubs.LayerHub()

    async def scenario():
        before = poster_process.listening_to_any("hashtag")
        subscriber = hubs.Subscriber()
        await listener_process.add(subscriber, "hashtag:local:caravan")
        try:
            return before, [poster_process.listening_to_any(kind) for kind in ("hashtag", "list", "user")]
        finally:
            await listener_process.close(subscriber)

    before, after = asyncio.run(scenario())
    assert before is False
    assert after == [True, False, False]


def _one_post_pushed(monkeypatch, make_account, capture, text: str) -> tuple[list[list[str]], list[str], int]:
    """Post `text` as a new account, then run what streaming left for after the commit: returns the register's
    questions, the groups sent to and the SQL statements run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caravan import publishing
    from caravan.api.streaming import publishing as stream_publishing

    hub = hubs.LayerHub()
    monkeypatch.setattr(hubs, "_hub", hub)
    asked: list[list[str]] = []
    ask = hub.listened
    monkeypatch.setattr(hub, "listened", lambda keys: asked.append(list(keys)) or ask(keys))
    sent = _sent(hub, monkeypatch)
    author = make_account("streamer")
    with capture() as callbacks:
        publishing.create_post(author, text)
    pushes = [c for c in callbacks if getattr(c, "__module__", "") == stream_publishing.__name__]
    with CaptureQueriesContext(connection) as queries:
        for push in pushes:
            push()
    return asked, sent, len(queries.captured_queries)


def test_a_new_post_nobody_streams_asks_the_register_once_and_loads_nothing(
    register, monkeypatch, make_account, django_capture_on_commit_callbacks
):
    asked, sent, statements = _one_post_pushed(
        monkeypatch, make_account, django_capture_on_commit_callbacks, "nobody streams this #quiet"
    )
    assert sent == [] and statements == 0
    # The author's own home stream, then the public streams with the kinds a public post may reach.
    assert asked[-1] == ["public", "public:local", "*hashtag", "*list"]
    assert len(asked) == 2


def test_a_new_post_reaches_a_hashtag_stream_of_another_process(
    register, monkeypatch, make_account, django_capture_on_commit_callbacks
):
    listener_process = hubs.LayerHub()

    async def listen():
        subscriber = hubs.Subscriber()
        await listener_process.add(subscriber, "hashtag:all:loud")
        return subscriber

    subscriber = asyncio.run(listen())
    try:
        asked, sent, statements = _one_post_pushed(
            monkeypatch, make_account, django_capture_on_commit_callbacks, "everyone streams this #loud"
        )
    finally:
        asyncio.run(listener_process.close(subscriber))
    assert sent == [hubs._group("hashtag:all:loud")]
    assert statements == 1  # the post's tags, asked only because someone listens on a hashtag


def test_a_cancelled_receive_ends(register):
    """A closed stream cancels its pump's pending receive; the cancellation must end it, not be dropped (Python
    3.11's `asyncio.wait_for`, which redis-py sends through when a socket timeout is set, dropped one now and
    then: the receive then waited on in 5-second rounds forever). Cancelled at many points of the receive."""
    hub = hubs.LayerHub()

    async def scenario():
        ended = 0
        for attempt in range(300):
            channel = await hub.layer.new_channel()
            receive = asyncio.ensure_future(hub.layer.receive(channel))
            await asyncio.sleep((attempt % 7) / 1000)
            receive.cancel()
            done, _ = await asyncio.wait([receive], timeout=3)
            if not done:
                break
            ended += 1
        return ended

    assert asyncio.run(scenario()) == 300


def test_a_publisher_waits_a_bounded_time_for_a_redis_that_stalls(register, monkeypatch):
    """The layer's connections have no socket timeout (decision 0051); a publisher bounds its own sends, so a
    Redis that accepts connections and never answers cannot hold the thread of the change that published."""
    import socket
    import time

    from channels_redis.core import RedisChannelLayer

    from caravan.settings import redis_channel_layers

    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog), never answers
    address = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    monkeypatch.setattr(hubs, "SEND_SECONDS", 0.5)
    hub = hubs.LayerHub()
    hub.layer = RedisChannelLayer(**redis_channel_layers(address)["default"]["CONFIG"])  # as served
    hub.register(["user:7"])  # the register (the real Redis) says someone listens
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            hub.publish_many(["user:7"], "update", ["status", 1, "home"])
    finally:
        silent.close()
    assert time.monotonic() - started < 3
