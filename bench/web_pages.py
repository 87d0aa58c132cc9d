"""Web page figures: server time and bytes sent for the home, thread, profile and notifications pages.

    python bench/web_pages.py                            # SQLite, the 1,000,000-post seed (bench/seed.py)
    python bench/web_pages.py --posts 100000 --data-dir bench/out/data-web-small   # a quick check
    python bench/web_pages.py --postgres                 # PostgreSQL (database bench_core on 127.0.0.1:5432)

Each page is requested in process through Caravan's ASGI application (caravan.asgi: the request threads,
Django's ASGIHandler, every middleware, the view, the templates), signed in as the seed's `reader` with a
real session cookie, many times; the figure is the time from the request to the last body byte (p50, p99), with the CPU time the process spent
on it (p50: what the wall time would be on a quiet machine).
Goals (issue 13): p50 < 15 ms, p99 < 50 ms. The page's SQL queries are counted once through Django's test
client. Bytes: the HTML and the CSS and JS it references (not images), raw and gzip'd; goal < 100 KB.

The seed has no notifications: the first run gives the reader 40 (favourites of their posts, from accounts
they follow) through `notifications.services.notify_many`, the domain's own path; later runs reuse them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import os
import re
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PG_URL = "postgres://root@127.0.0.1:5432/bench_core"
NOTIFICATIONS = 40
GOALS = {"p50": 15.0, "p99": 50.0, "kb": 100.0}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ensure_notifications(reader) -> int:
    from caravan.notifications.models import Notification
    from caravan.notifications.services import notify_many
    from caravan.posts.models import Post

    have = Notification.objects.filter(recipient=reader).count()
    if have >= NOTIFICATIONS:
        return have
    posts = list(Post.objects.filter(account=reader, reblog_of__isnull=True).order_by("-id")[:NOTIFICATIONS])
    senders = list(reader.following_set.select_related("target_account")[:NOTIFICATIONS])
    items = [
        (reader, "favourite", follow.target_account, posts[i % len(posts)])
        for i, follow in enumerate(senders)
        if posts
    ]
    notify_many(items)
    return Notification.objects.filter(recipient=reader).count()


def pages(reader, celebrity) -> dict[str, str]:
    """The four pages, as the reader opens them: their home, a thread with replies, a busy profile, their
    notifications."""
    from caravan.posts.models import Post
    from caravan.posts.visibility import can_read, visible_posts

    # The newest reply the reader may read, whose root they may read too: a thread as people open them.
    replies = visible_posts(reader).filter(in_reply_to__isnull=False).order_by("-id")
    root = next(
        reply.in_reply_to
        for reply in replies.select_related("in_reply_to__account")[:200]
        if can_read(reply.in_reply_to, reader)
    )
    assert isinstance(root, Post)
    return {
        "home": "/home",
        "thread": f"/@{root.account.username}/{root.id}",
        "profile": f"/@{celebrity.username}",
        "notifications": "/notifications",
    }


def session_cookie(reader) -> str:
    from django.test import Client

    client = Client()
    client.force_login(reader.user)
    return client.cookies["sessionid"].value


class AsgiClient:
    """Requests through the ASGI application, as uvicorn would hand them over (one at a time)."""

    def __init__(
        self, app, host: str, cookie: str = "", headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.app, self.host = app, host
        self.headers = headers or [(b"accept", b"text/html"), (b"cookie", f"sessionid={cookie}".encode())]
        self.loop = asyncio.new_event_loop()

    def get(self, path: str) -> tuple[int, bytes, float]:
        return self.loop.run_until_complete(self._get(path))

    def timed(self, path: str) -> tuple[float, float]:
        """(wall ms, CPU ms of the whole process: the event loop and the request thread) for one request."""
        cpu = time.process_time()
        wall = self.get(path)[2]
        return wall, (time.process_time() - cpu) * 1000

    async def _get(self, path: str) -> tuple[int, bytes, float]:
        path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", self.host.encode()), (b"accept-language", b"en"), *self.headers],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 443),
        }
        status, chunks = 0, []
        done = asyncio.Event()

        received = False

        async def receive():
            # The body once; then, as a server does, nothing until the client goes (after the response).
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
                    done.set()

        started = time.perf_counter()
        await self.app(scope, receive, send)
        await done.wait()
        return status, b"".join(chunks), (time.perf_counter() - started) * 1000


def referenced_assets(html: bytes) -> list[bytes]:
    """The CSS and JS files the page loads (read from the static files finders, as the server sends them)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    text = html.decode()
    urls = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', text)
    urls += re.findall(r'<script[^>]+src="([^"]+)"', text)
    assets = []
    for url in urls:
        if url.startswith(settings.STATIC_URL):
            found = finders.find(url[len(settings.STATIC_URL) :].split("?")[0])
            if found:
                assets.append(Path(found).read_bytes())
    return assets


def query_count(path: str, reader) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reader.user)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=300, help="requests per page, after 20 to warm up")
    parser.add_argument("--data-dir", default="", help="SQLite data folder (default bench/out/data-sqlite)")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        os.environ.setdefault("DATABASE_URL", PG_URL)
        from core_timelines import ensure_pg_database

        ensure_pg_database()
    if args.data_dir:
        os.environ["CARAVAN_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("CARAVAN_DEBUG", "0")
    sys.path.insert(0, str(BENCH_DIR))
    import seed

    seed.setup_django()
    info = seed.ensure_seeded(args.accounts, args.posts)
    from django.conf import settings
    from django.db import connection

    from caravan.asgi import application

    reader, celebrity = info["reader"], info["celebrity"]
    notifications = ensure_notifications(reader)
    targets = pages(reader, celebrity)
    client = AsgiClient(application, settings.DOMAIN, session_cookie(reader))
    gc.collect()
    gc.freeze()  # as `caravan serve` does after start-up
    print(
        f"--- {connection.vendor}: {args.posts} posts, reader follows {info['reader_following']}, "
        f"feed {info['reader_feed_entries']} entries, {notifications} notifications; "
        f"{args.iterations} requests per page through caravan.asgi; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    print(
        f"{'page':<14}{'p50 ms':>8}{'p99 ms':>8}{'CPU p50':>9}{'queries':>9}{'HTML KB':>9}{'+CSS/JS KB':>11}"
        f"{'gzip KB':>9}"
    )
    over = []
    bodies = {}
    for name, path in targets.items():
        status, body, _ = client.get(path)
        assert status == 200, (name, path, status, body[:300])
        bodies[name] = body
        for _ in range(20):
            client.get(path)
    # The pages take turns, so a slower spell of the machine (a shared VM's CPU varies by 20% from one minute to
    # the next) falls on all four alike rather than on whichever page was being measured.
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    for _ in range(args.iterations):
        for name, path in targets.items():
            measured[name].append(client.timed(path))
    for name, path in targets.items():
        body = bodies[name]
        times, cpu = [wall for wall, _ in measured[name]], [used for _, used in measured[name]]
        assets = referenced_assets(body)
        raw = len(body) + sum(len(a) for a in assets)
        zipped = len(gzip.compress(body, 6)) + sum(len(gzip.compress(a, 6)) for a in assets)
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(
            f"{name:<14}{p50:8.2f}{p99:8.2f}{percentile(cpu, 50):9.2f}{query_count(path, reader):9d}"
            f"{len(body) / 1024:9.1f}"
            f"{raw / 1024:11.1f}{zipped / 1024:9.1f}"
        )
        if p50 > GOALS["p50"] or p99 > GOALS["p99"] or raw / 1024 > GOALS["kb"]:
            over.append(name)
        sys.stdout.flush()
    goals = f"goals: p50 < {GOALS['p50']:.0f} ms, p99 < {GOALS['p99']:.0f} ms, < {GOALS['kb']:.0f} KB raw"
    print(f"{goals}; over: {', '.join(over) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
