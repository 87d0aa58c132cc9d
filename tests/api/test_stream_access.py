"""Open streams end when access ends: a person disabled or suspended by the moderators, or a token revoked,
loses the streams already open (server-sent events end, a WebSocket closes with 4001), not only the next
request, and cannot open new ones; everyone else's streams go on. Against a real `caravan serve`, with the
moderators acting through the admin API."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.conftest import LIMITS_OFF, running_server
from tests.api.test_admin_api import ALL, REDIRECT, Site

AC = "api/v1/admin/accounts"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("caravan-stream-access")
    env: dict = {}
    with running_server(data_dir, LIMITS_OFF, server_env=env) as base:
        app = requests.post(
            f"{base}/api/v1/apps",
            json={"client_name": "Moderation app", "redirect_uris": REDIRECT, "scopes": ALL},
            timeout=10,
        ).json()
        site = Site(base, app, env, [], {}, {})
        site.sign_up("mod")
        caravan = str(Path(sys.executable).with_name("caravan"))
        subprocess.run([caravan, "role", "mod", "moderator"], env=env, check=True)
        site.rules = [
            int(site.shell("from caravan.instance.services import add_rule; print(add_rule('No spam').id)"))
        ]
        site.tokens["mod"] = site.token("mod", ALL)
        yield site


class _OpenStream:
    """A user stream read over server-sent events in a thread; `ended` is set when the server closes it."""

    def __init__(self, site: Site, token: str) -> None:
        import queue
        import threading

        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self.response = requests.get(
            f"{site.base}/api/v1/streaming/user",
            headers={"Authorization": f"Bearer {token}"},
            stream=True,
            timeout=(5, 30),
        )
        assert self.response.status_code == 200
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        import contextlib

        with contextlib.suppress(
            Exception
        ):  # closed by the test at the end: that is how this reader ends too
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    self.events.put(line[7:])
        self.ended.set()

    def close(self) -> None:
        self.response.close()


def _watch_websocket(site: Site, token: str, closed_with: list) -> None:
    """Hold a WebSocket on the user stream until the server closes it (at most 15 s); note the close code."""
    import asyncio

    import aiohttp

    async def watch() -> None:
        url = site.base.replace("http://", "ws://") + f"/api/v1/streaming?stream=user&access_token={token}"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            deadline = asyncio.get_running_loop().time() + 15
            while not ws.closed and asyncio.get_running_loop().time() < deadline:
                message = await ws.receive(timeout=deadline - asyncio.get_running_loop().time())
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
            closed_with.append(ws.close_code)

    asyncio.run(watch())


def test_open_streams_end_when_access_ends_and_cannot_be_opened_again(site):
    """A disabled or suspended person, and a revoked token, lose their open streams at once (server-sent events,
    and a WebSocket closes with 4001), not only their next request; someone else's stream goes on."""
    import threading
    import time

    tokens = {name: site.sign_up(name) for name in ("s_off", "s_sus", "s_rev", "s_ok")}
    ids = {
        name: site.ok("GET", "api/v1/accounts/verify_credentials", token)["id"]
        for name, token in tokens.items()
    }
    streams = {name: _OpenStream(site, token) for name, token in tokens.items()}
    closed_with: list = []
    websocket = threading.Thread(target=_watch_websocket, args=(site, tokens["s_sus"], closed_with))
    websocket.start()
    time.sleep(0.5)
    try:
        assert site.ok("POST", f"{AC}/{ids['s_off']}/action", json={"type": "disable"}) == {}
        assert streams["s_off"].ended.wait(10), "the disabled person's stream stayed open"
        action = {"type": "suspend", "rule_ids": [str(site.rules[0])], "text": "Spam, again and again."}
        assert site.ok("POST", f"{AC}/{ids['s_sus']}/action", json=action) == {}
        assert streams["s_sus"].ended.wait(10), "the suspended person's stream stayed open"
        websocket.join(15)
        assert closed_with == [4001], closed_with
        revoked = requests.post(
            f"{site.base}/oauth/revoke",
            data={
                "client_id": site.app["client_id"],
                "client_secret": site.app["client_secret"],
                "token": tokens["s_rev"],
            },
            timeout=10,
        )
        assert revoked.status_code == 200, revoked.text
        assert streams["s_rev"].ended.wait(10), "the revoked token's stream stayed open"
        for name in ("s_off", "s_sus", "s_rev"):
            again = requests.get(
                f"{site.base}/api/v1/streaming/user",
                headers={"Authorization": f"Bearer {tokens[name]}"},
                timeout=10,
            )
            assert again.status_code == 401, (name, again.status_code)
        # The one whose access did not change still hears news.
        assert not streams["s_ok"].ended.is_set()
        site.ok("POST", "api/v1/statuses", tokens["s_ok"], json={"status": "still here"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "update" not in list(streams["s_ok"].events.queue):
            time.sleep(0.1)
        assert "update" in list(streams["s_ok"].events.queue)
    finally:
        for stream in streams.values():
            stream.close()
