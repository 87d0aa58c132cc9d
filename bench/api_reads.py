"""Client API read figures: server time of every 40-item read, without the status cache's help.

    python bench/api_reads.py                       # SQLite, the 1,000,000-post seed (bench/seed.py)
    python bench/api_reads.py --postgres            # PostgreSQL (database bench_core on 127.0.0.1:5432)
    python bench/api_reads.py --warm                # home read through a warm status cache as well

Each endpoint is requested in process through Caravan's ASGI application (caravan.asgi: the request threads,
Django's ASGIHandler, every middleware, the view) with the seed's `reader`'s bearer token, many times, the
endpoints taking turns (a slower minute of this shared VM falls on all alike). The status cache is emptied
before every request, so each figure is the cost of a first read. Prints p50 and p99 of the wall time, the
process's CPU time p50, and the SQL queries of one request (counted through Django's test client).
Goal (issue 14): at most 4 ms of server time for each 40-item page. The API rate limit is switched off here.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
GOAL_MS = 4.0


def endpoints(reader, celebrity) -> dict[str, str]:
    from caravan.posts.models import Post
    from caravan.posts.visibility import can_read, visible_posts
    from caravan.search.services import index_post

    # A thread as people open it: the newest reply the reader may read, whose root they may read too.
    replies = visible_posts(reader).filter(in_reply_to__isnull=False).order_by("-id")
    root = next(
        reply.in_reply_to
        for reply in replies.select_related("in_reply_to__account")[:200]
        if can_read(reply.in_reply_to, reader)
    )
    # The seed has no search index: index the celebrity's latest posts so a search page has 40 answers.
    for post in Post.objects.filter(account=celebrity, reblog_of__isnull=True).order_by("-id")[:200]:
        index_post(post)
    word = "caravan"
    return {
        "home": "/api/v1/timelines/home?limit=40",
        "public": "/api/v1/timelines/public?limit=40",
        "local": "/api/v1/timelines/public?local=true&limit=40",
        "tag": "/api/v1/timelines/tag/topic7?limit=40",
        "account": f"/api/v1/accounts/{celebrity.id}/statuses?limit=40",
        "context": f"/api/v1/statuses/{root.id}/context",
        "notifications": "/api/v1/notifications?limit=40",
        "grouped": "/api/v2/notifications?limit=40",
        "search": f"/api/v2/search?q={word}&type=statuses&limit=40",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument(
        "--iterations", type=int, default=200, help="requests per endpoint, after 10 to warm up"
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--warm", action="store_true", help="also the home timeline through a warm cache")
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    args = parser.parse_args()
    if args.postgres:
        from web_pages import PG_URL

        os.environ.setdefault("DATABASE_URL", PG_URL)
        from core_timelines import ensure_pg_database

        ensure_pg_database()
    os.environ.setdefault("CARAVAN_DEBUG", "0")
    os.environ["CARAVAN_API_RATE_LIMIT"] = "0"
    import seed

    seed.setup_django()
    info = seed.ensure_seeded(args.accounts, args.posts)
    from api_home_timeline import token_for
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from web_pages import AsgiClient, ensure_notifications, percentile

    from caravan.api import status_cache
    from caravan.asgi import application

    reader, celebrity = info["reader"], info["celebrity"]
    ensure_notifications(reader)
    targets = endpoints(reader, celebrity)
    if args.only:
        targets = {name: path for name, path in targets.items() if name in args.only.split(",")}
    token = token_for(reader.username)
    auth = [(b"accept", b"application/json"), (b"authorization", f"Bearer {token}".encode())]
    client = AsgiClient(application, settings.DOMAIN, headers=auth)
    test_client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST=settings.DOMAIN)
    gc.collect()
    gc.freeze()  # as `caravan serve` does after start-up
    print(
        f"--- {connection.vendor}: {args.posts} posts; {args.iterations} requests per endpoint through "
        f"caravan.asgi, status cache emptied before each; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    for name, path in targets.items():
        status, body, _ = client.get(path)
        assert status == 200, (name, path, status, body[:300])
        for _ in range(10):
            status_cache.forget_all()
            client.get(path)
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    if args.warm:
        measured["home (warm)"] = []
    for _ in range(args.iterations):
        for name, path in targets.items():
            status_cache.forget_all()
            measured[name].append(client.timed(path))
            if args.warm and name == "home":
                measured["home (warm)"].append(client.timed(path))
    print(f"{'endpoint':<15}{'p50 ms':>8}{'p99 ms':>8}{'CPU p50':>9}{'queries':>9}{'items':>7}")
    over = []
    for name, values in measured.items():
        path = targets[name.split(" ")[0]]
        status_cache.forget_all()
        with CaptureQueriesContext(connection) as queries:
            response = test_client.get(path)
        data = response.json()
        if isinstance(data, list):
            items = len(data)
        elif "ancestors" in data:
            items = len(data["ancestors"]) + len(data["descendants"])
        else:  # a search's statuses, or grouped notifications
            items = len(data.get("statuses") or data.get("notification_groups") or ())
        times, cpu = [wall for wall, _ in values], [used for _, used in values]
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(f"{name:<15}{p50:8.2f}{p99:8.2f}{percentile(cpu, 50):9.2f}{len(queries):9d}{items:7d}")
        if p50 > GOAL_MS:
            over.append(name)
        sys.stdout.flush()
    print(f"goal: p50 <= {GOAL_MS:.0f} ms of server time; over: {', '.join(over) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
