"""Streaming: server-sent events and the WebSocket deliver new posts and notifications within seconds."""

import asyncio
import json
import queue
import threading
import time
import uuid

import aiohttp
import requests


def _read_sse(url: str, token: str, events: queue.Queue, stop: threading.Event) -> None:
    """Read the stream in a thread until `stop` is set; then close it, so the server can stop."""
    session = requests.Session()
    response = session.get(url, headers={"Authorization": f"Bearer {token}"}, stream=True, timeout=(5, 20))
    events.put(("status", response.status_code))
    closer = threading.Thread(target=lambda: (stop.wait(), response.close(), session.close()), daemon=True)
    closer.start()
    event = None
    try:
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event:
                events.put((event, line[6:]))
                event = None
    except Exception:  # closed from the other side of the test: that is how this reader ends
        return


def _next_event(events: queue.Queue, name: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event, data = events.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if event == name:
            return data
    raise AssertionError(f"no {name} event within {timeout} s")


def test_user_stream_over_sse_gets_followed_posts_and_notifications(signup, server):
    tag = uuid.uuid4().hex[:6]
    alice, bob = signup(f"sa{tag}"), signup(f"sb{tag}")
    a = alice.account_verify_credentials()
    bob.account_follow(a["id"])
    assert requests.get(f"{server}/api/v1/streaming/health", timeout=5).text == "OK"
    unauthenticated = requests.get(f"{server}/api/v1/streaming/user", timeout=5)
    assert unauthenticated.status_code == 401 and "error" in unauthenticated.json()

    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_sse,
        args=(f"{server}/api/v1/streaming/user", bob.access_token, events, stop),
        daemon=True,
    )
    reader.start()
    assert events.get(timeout=10) == ("status", 200)
    time.sleep(0.3)  # the subscription is registered before the first byte; give the thread a moment anyway
    post = alice.status_post("Hello, streaming world")
    update = json.loads(_next_event(events, "update"))
    assert update["id"] == post["id"] and update["account"]["id"] == a["id"]
    alice.status_post(f"@{bob.account_verify_credentials()['acct']} ping")
    notification = json.loads(_next_event(events, "notification"))
    assert notification["type"] == "mention"
    alice.status_delete(post["id"])
    assert _next_event(events, "delete") == post["id"]
    stop.set()


def test_websocket_subscriptions_and_frames(signup, server):
    tag = uuid.uuid4().hex[:6]
    alice, bob = signup(f"wa{tag}"), signup(f"wb{tag}")
    hashtag = f"ws{tag}"

    async def scenario():
        ws_url = server.replace("http://", "ws://") + "/api/v1/streaming"
        async with aiohttp.ClientSession() as session:
            # masto.js passes the token as the WebSocket sub-protocol; it must be echoed back.
            async with session.ws_connect(ws_url, protocols=(bob.access_token,)) as ws:
                assert ws.protocol == bob.access_token
                await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": hashtag})
                await ws.send_json({"type": "subscribe", "stream": "public:local"})
                await asyncio.sleep(0.3)
                post = await asyncio.to_thread(alice.status_post, f"tagged #{hashtag}")
                seen = set()
                deadline = time.monotonic() + 15
                while len(seen) < 2 and time.monotonic() < deadline:
                    frame = await ws.receive_json(timeout=deadline - time.monotonic())
                    assert frame["event"] == "update"
                    assert json.loads(frame["payload"])["id"] == post["id"]
                    seen.add(tuple(frame["stream"]))
                assert seen == {("hashtag", hashtag), ("public:local",)}
            async with session.ws_connect(f"{ws_url}?stream=user&access_token={bob.access_token}") as ws:
                await asyncio.sleep(0.3)
                await asyncio.to_thread(alice.status_post, f"@{bob.account_verify_credentials()['acct']} hi")
                frame = await ws.receive_json(timeout=15)
                while frame["event"] != "notification":
                    frame = await ws.receive_json(timeout=15)
                assert frame["stream"] == ["user"] and json.loads(frame["payload"])["type"] == "mention"

    asyncio.run(scenario())


def test_mastodon_py_stream_listener_receives_updates(signup):
    from mastodon import StreamListener

    tag = uuid.uuid4().hex[:6]
    alice, bob = signup(f"ma{tag}"), signup(f"mb{tag}")
    bob.account_follow(alice.account_verify_credentials()["id"])
    received: queue.Queue = queue.Queue()

    class Listener(StreamListener):
        def on_update(self, status):
            received.put(("update", str(status["id"])))

        def on_delete(self, status_id):
            received.put(("delete", str(status_id)))

    handle = bob.stream_user(Listener(), run_async=True, reconnect_async=False)
    try:
        deadline = time.monotonic() + 10
        while not handle.is_receiving() and time.monotonic() < deadline:
            time.sleep(0.05)
        post = alice.status_post("through Mastodon.py's own stream reader")
        assert _next_event(received, "update") == str(post["id"])
        alice.status_delete(post["id"])
        assert _next_event(received, "delete") == str(post["id"])
    finally:
        # close() waits for the reader thread, which waits for the next event: give it one.
        threading.Thread(target=handle.close, daemon=True).start()
        alice.status_post("goodbye")
