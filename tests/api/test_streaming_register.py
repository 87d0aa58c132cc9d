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
    monkeypatch.setattr(hubs, "LISTEN_SECONDS", 0.6)
    monkeypatch.setattr(hubs, "RENEW_SECONDS", 0.15)
    hub = hubs.LayerHub()

    async def scenario():
        first, second = hubs.Subscriber(), hubs.Subscriber()
        await hub.add(first, "hashtag:all:caravan")
        await hub.add(second, "hashtag:all:caravan")
        await asyncio.sleep(1.0)  # past LISTEN_SECONDS: only the renewals keep it
        renewed = hub.listened(["hashtag:all:caravan", "hashtag:all:other"])
        await hub.close(first)
        await asyncio.sleep(1.0)
        still = hub.listened(["hashtag:all:caravan"])  # the second connection still listens
        await hub.close(second)
        await asyncio.sleep(1.0)
        return renewed, still, hub.listened(["hashtag:all:caravan"])

    renewed, still, lapsed = asyncio.run(scenario())
    assert renewed == {"hashtag:all:caravan"}
    assert still == {"hashtag:all:caravan"}
    assert lapsed == set()
