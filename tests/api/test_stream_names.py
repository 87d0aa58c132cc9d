"""Stream frames name the stream the client subscribed to (`["user"]`, `["hashtag", "Tag"]`, `["list", "12"]`),
and an edit or a deletion reaches every stream that showed the post, followers' `user` streams included, and no
stream that could not read it. Over real WebSocket and server-sent-event connections to a real `caravan serve`.
"""

import asyncio
import json
import queue
import threading
import time
import uuid

import aiohttp

from tests.api.test_streaming import _read_sse


async def _collect(ws, frames: list, until, timeout: float = 20.0) -> None:
    """Read frames into `frames` until `until(frames)` holds; fail with what came if it never does."""
    deadline = time.monotonic() + timeout
    while not until(frames):
        left = deadline - time.monotonic()
        assert left > 0, f"frames so far: {[(f.get('stream'), f.get('event')) for f in frames]}"
        try:
            frames.append(await ws.receive_json(timeout=left))
        except TimeoutError:
            continue


def _seen(frames: list, event: str, post_id: str) -> set[tuple]:
    found = set()
    for frame in frames:
        if frame.get("event") != event:
            continue
        payload = frame["payload"]
        ident = payload if event == "delete" else json.loads(payload)["id"]
        if ident == post_id:
            found.add(tuple(frame["stream"]))
    return found


def _mentions(frames: list, post_id: str) -> list:
    return [f for f in frames if post_id in json.dumps(f.get("payload", ""))]


def test_frames_name_their_stream_and_edits_and_deletions_reach_every_stream_that_showed_the_post(
    signup, server
):
    tag = uuid.uuid4().hex[:6]
    alice, bob, carol = signup(f"na{tag}"), signup(f"nb{tag}"), signup(f"nc{tag}")
    a = alice.account_verify_credentials()
    bob.account_follow(a["id"])
    listed = bob.list_create(f"friends {tag}")
    bob.list_accounts_add(listed["id"], [a["id"]])
    hashtag = f"Names{tag}"  # the client's own spelling comes back in the stream name
    streams = {("user",), ("public:local",), ("hashtag", hashtag), ("list", str(listed["id"]))}
    ws_url = server.replace("http://", "ws://") + "/api/v1/streaming"

    async def scenario():
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ws_url, protocols=(bob.access_token,)) as bob_ws,
            session.ws_connect(f"{ws_url}?access_token={carol.access_token}") as carol_ws,
        ):
            await bob_ws.send_json({"type": "subscribe", "stream": "user"})
            await bob_ws.send_json({"type": "subscribe", "stream": "public:local"})
            await bob_ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": hashtag})
            await bob_ws.send_json({"type": "subscribe", "stream": "list", "list": str(listed["id"])})
            await carol_ws.send_json({"type": "subscribe", "stream": "user"})
            await carol_ws.send_json({"type": "subscribe", "stream": "public"})
            await carol_ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": hashtag})
            await asyncio.sleep(0.5)
            bob_frames: list = []
            carol_frames: list = []

            # A public post: one frame per stream that shows it, each with that stream's name.
            public = await asyncio.to_thread(alice.status_post, f"for everyone #{hashtag}")
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "update", public["id"]) >= streams)
            await asyncio.to_thread(alice.status_update, public["id"], f"for everyone, edited #{hashtag}")
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "status.update", public["id"]) >= streams)
            # Carol's edit frames too, before the deletion: a connection renders what it has queued in one go,
            # and an edit still queued when the post is gone is not rendered (the deletion follows).
            carol_streams = {("public",), ("hashtag", hashtag)}
            await _collect(
                carol_ws, carol_frames, lambda f: _seen(f, "status.update", public["id"]) >= carol_streams
            )
            await asyncio.to_thread(alice.status_delete, public["id"])
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "delete", public["id"]) >= streams)
            # Carol follows nobody: her public and hashtag streams showed it, her user stream did not.
            await _collect(
                carol_ws, carol_frames, lambda f: _seen(f, "delete", public["id"]) >= carol_streams
            )
            assert _seen(carol_frames, "update", public["id"]) == carol_streams
            assert _seen(carol_frames, "status.update", public["id"]) == carol_streams

            # A followers-only post: bob's home and list show it, edit and deletion follow it there.
            private = await asyncio.to_thread(
                alice.status_post, f"followers only #{hashtag}", visibility="private"
            )
            home = {("user",), ("list", str(listed["id"]))}
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "update", private["id"]) >= home)
            await asyncio.to_thread(alice.status_update, private["id"], f"followers only, edited #{hashtag}")
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "status.update", private["id"]) >= home)
            await asyncio.to_thread(alice.status_delete, private["id"])
            await _collect(bob_ws, bob_frames, lambda f: _seen(f, "delete", private["id"]) >= home)
            assert (
                _seen(bob_frames, "delete", private["id"]) == home
            )  # never on bob's public or hashtag stream

            # A marker after the private post's deletion: once carol has it, anything about the private post
            # would have arrived before it.
            marker = await asyncio.to_thread(alice.status_post, f"marker #{hashtag}")
            await _collect(
                carol_ws, carol_frames, lambda f: _seen(f, "update", marker["id"]) >= carol_streams
            )
            assert _mentions(carol_frames, private["id"]) == []

            every = bob_frames + carol_frames
            assert all(isinstance(f["stream"], list) and "*" not in f["stream"] for f in every), every

    asyncio.run(scenario())


def test_deletions_edits_and_undone_boosts_reach_a_followers_user_stream_over_sse_and_no_stranger(
    signup, server
):
    tag = uuid.uuid4().hex[:6]
    alice, bob, carol = signup(f"sa{tag}"), signup(f"sb{tag}"), signup(f"sc{tag}")
    bob.account_follow(alice.account_verify_credentials()["id"])
    readers = {}
    stop = threading.Event()
    for name, client, stream in (("bob", bob, "user"), ("carol", carol, "public")):
        events: queue.Queue = queue.Queue()
        thread = threading.Thread(
            target=_read_sse, args=(f"{server}/api/v1/streaming/{stream}", client.access_token, events, stop)
        )
        thread.daemon = True
        thread.start()
        assert events.get(timeout=10) == ("status", 200)
        readers[name] = events
    time.sleep(0.5)
    try:

        def drain(events: queue.Queue, until_event: str, until_id: str) -> list:
            got, deadline = [], time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    event, data = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                got.append((event, data))
                ident = data if event == "delete" else json.loads(data).get("id")
                if event == until_event and ident == until_id:
                    return got
            raise AssertionError(f"no {until_event} {until_id}; got {got}")

        # Each step waits for the one before: the edit and the deletion follow the post into the home feed.
        private = alice.status_post("followers only over SSE", visibility="private")
        seen = drain(readers["bob"], "update", private["id"])
        alice.status_update(private["id"], "followers only over SSE, edited")
        seen += drain(readers["bob"], "status.update", private["id"])
        alice.status_delete(private["id"])
        seen += drain(readers["bob"], "delete", private["id"])
        assert [event for event, data in seen if private["id"] in data] == [
            "update",
            "status.update",
            "delete",
        ]
        # An undone boost leaves the follower's home stream as a deleted post does.
        shared = carol.status_post("worth a boost")
        boost = alice.status_reblog(shared["id"])
        drain(readers["bob"], "update", boost["id"])
        alice.status_unreblog(shared["id"])
        drain(readers["bob"], "delete", boost["id"])
        marker = alice.status_post("public marker")
        carol_events = drain(readers["carol"], "update", marker["id"])
        assert [e for e in carol_events if private["id"] in e[1]] == [], carol_events
    finally:
        stop.set()
