"""A delivery in flight when its sender is killed is sent again after a restart, and a live sender that is
merely slow is never sent twice. Real processes: a `caravan serve` killed with SIGKILL mid-request, a second
`caravan worker` sharing its database, and a slow loopback inbox that records what it receives."""

import asyncio
import os
import signal
import subprocess
import threading
import time
import urllib.request

import orjson
import pytest
from aiohttp import web

from caravan.federation.signatures import sign_request
from tests.federation.harness import CARAVAN, Server, free_port, loopback_host, one_server, wait_until

CLAIM_TIMEOUT = 2  # seconds; the default is two minutes


class SlowInbox:
    """carol's server: her actor document, and an inbox that holds each POST for hold[n] seconds."""

    def __init__(self, public_pem: str) -> None:
        self.host = loopback_host(8)
        self.port = free_port(self.host)
        self.base = f"http://{self.host}:{self.port}"
        self.uri = f"{self.base}/users/carol"
        self.received: list[dict] = []
        self.holds: list[float] = []
        self.actor = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "carol",
            "inbox": f"{self.uri}/inbox",
            "publicKey": {"id": f"{self.uri}#main-key", "owner": self.uri, "publicKeyPem": public_pem},
        }
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/users/carol", self._actor)
        app.router.add_post("/users/carol/inbox", self._inbox)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, self.host, self.port).start())
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _actor(self, request):
        return web.Response(body=orjson.dumps(self.actor), content_type="application/activity+json")

    async def _inbox(self, request):
        activity = orjson.loads(await request.read())
        hold = self.holds[len(self.received)] if len(self.received) < len(self.holds) else 0
        self.received.append(activity)
        await asyncio.sleep(hold)
        return web.Response(status=202)

    def of_type(self, kind: str) -> list[dict]:
        return [a for a in list(self.received) if a.get("type") == kind]

    def close(self) -> None:
        # No graceful cleanup: it would wait for the POST that is still being held.
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def carol(keys):
    private, public = keys[2]
    inbox = SlowInbox(public)
    inbox.private = private
    yield inbox
    inbox.close()


@pytest.fixture
def sender():
    yield from one_server(11, {"CARAVAN_DELIVERY_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT)})


def _follow(server: Server, carol: SlowInbox) -> None:
    activity = {
        "id": f"{carol.uri}#follows/1",
        "type": "Follow",
        "actor": carol.uri,
        "object": server.uri("alice"),
    }
    body = orjson.dumps(activity)
    inbox = f"{server.base_url}/users/alice/inbox"
    headers = sign_request(
        "POST", inbox, key_id=f"{carol.uri}#main-key", private_key_pem=carol.private, body=body
    )
    request = urllib.request.Request(inbox, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback test server
        assert response.status == 202


def test_a_delivery_in_flight_when_the_sender_is_killed_is_sent_after_restart(sender, carol):
    carol.holds = [120]  # the first POST hangs: the sender is killed while waiting for the answer
    _follow(sender, carol)
    wait_until(lambda: carol.of_type("Accept"), timeout=30, what="the Accept to start arriving")
    os.kill(sender.process.pid, signal.SIGKILL)
    sender.process.wait(timeout=10)
    sender.process = None
    sender.start()
    accepts = wait_until(
        lambda: len(carol.of_type("Accept")) >= 2 and carol.of_type("Accept"),
        timeout=30,
        what="the Accept to be sent again after the restart",
    )
    assert accepts[0]["id"] == accepts[1]["id"]
    time.sleep(3 * CLAIM_TIMEOUT)
    assert len(carol.of_type("Accept")) == 2  # once more, not again and again


def test_a_slow_live_sender_keeps_its_claim_and_sends_once(sender, carol):
    """A second worker shares the database and wakes up while the first is still waiting for carol."""
    carol.holds = [0, 4 * CLAIM_TIMEOUT]  # the Accept at once, then alice's post takes a while
    _follow(sender, carol)
    wait_until(lambda: carol.of_type("Accept"), timeout=30, what="the Accept")
    log = open(sender.data_dir / "worker.log", "ab")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [CARAVAN, "worker"], env={**sender.env, "CARAVAN_EMBEDDED_WORKER": "0"}, stdout=log, stderr=log
    )
    try:
        post = sender.call("post", username="alice", text="slow but sure")
        wait_until(lambda: carol.of_type("Create"), timeout=30, what="alice's post to start arriving")
        time.sleep(4 * CLAIM_TIMEOUT + 2)  # past the hold, and past several claim timeouts
        creates = carol.of_type("Create")
        assert len(creates) == 1 and creates[0]["object"]["id"] == post["uri"]
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        log.close()
