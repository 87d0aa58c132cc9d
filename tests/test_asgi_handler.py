"""The ASGI application `caravan serve` runs (caravan.asgi.application): a request's synchronous work takes one hop
to its request thread, the request signals fire once each on that thread, and streaming responses and async
views keep Django's own handling. The API, web and federation suites drive the same application over real HTTP;
this looks inside one process at what they cannot see."""

import asyncio
import json
import threading
import uuid
from pathlib import Path

import asgiref.sync
import pytest
from django.core import signals
from django.urls import resolve

from caravan.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _call(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes, list[str]]:
    """One GET through the application, as uvicorn hands it over; returns status, body and what happened in
    order (the signals with their thread's name, and the end of the body)."""
    events: list[str] = []
    status, chunks = 0, []

    def started(**kwargs):
        events.append(f"started {threading.current_thread().name}")

    def finished(**kwargs):
        events.append(f"finished {threading.current_thread().name}")

    async def run():
        nonlocal status
        done = asyncio.Event()
        received = False

        async def receive():
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    events.append("sent")
                    done.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"localhost"), *(headers or [])],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
        }
        await application(scope, receive, send)

    signals.request_started.connect(started, weak=False)
    signals.request_finished.connect(finished, weak=False)
    try:
        asyncio.run(run())
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    return status, b"".join(chunks), events


@pytest.fixture
def hops(monkeypatch):
    """The names of the functions handed from the event loop to a thread, in order."""
    seen: list[str] = []
    original = asgiref.sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        seen.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(asgiref.sync.SyncToAsync, "__call__", counting)
    return seen


def test_an_api_request_takes_one_hop_and_its_signals_run_on_its_request_thread(hops):
    status, body, events = _call("/api/v1/instance", [(b"accept", b"application/json")])
    assert status == 200
    assert "uri" in json.loads(body)
    assert hops == ["OneHopHandler._respond"]
    assert len(events) == 3
    assert events[0].startswith("started caravan-request-")
    # The response is closed (request_finished, the database connection looked after) on the same thread.
    assert events[1] == events[0].replace("started", "finished")
    assert events[2] == "sent"


def test_a_web_page_with_a_session_cookie_takes_one_hop_too(hops):
    status, _, events = _call("/about", [(b"cookie", b"sessionid=not-a-session"), (b"accept", b"text/html")])
    assert status == 200
    assert hops == ["OneHopHandler._respond"]
    assert [event.split()[0] for event in events] == ["started", "finished", "sent"]


def test_a_file_is_streamed_whole_and_closed_after_it_is_sent(hops):
    name = f"asgi-{uuid.uuid4().hex}.bin"
    root = Path(resolve(f"/media/{name}").kwargs["document_root"])
    content = bytes(range(256)) * 1000  # 256 kB: more than one chunk of a file's blocks
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(content)
    try:
        status, body, events = _call(f"/media/{name}")
    finally:
        (root / name).unlink()
    assert status == 200
    assert body == content
    assert hops[0] == "OneHopHandler._respond"
    # A streaming response is closed (and request_finished sent) only once its bytes are out.
    assert [event.split()[0] for event in events] == ["started", "sent", "finished"]


def test_an_async_view_keeps_djangos_handling(hops):
    """The server-sent events stream is an async view: no token, so it answers 401 at once."""
    status, body, events = _call("/api/v1/streaming/user", [(b"accept", b"text/event-stream")])
    assert status == 401
    assert "error" in json.loads(body)
    assert "OneHopHandler._respond" not in hops
    assert [event.split()[0] for event in events] == ["started", "sent", "finished"]
