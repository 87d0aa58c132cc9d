"""Core figures: reading a home timeline, and how fast a post reaches its author and 5,000 followers.

    python bench/core_timelines.py              # SQLite (bench/out/data-sqlite, seeded on first run)
    python bench/core_timelines.py --postgres   # and PostgreSQL (database bench_core on 127.0.0.1:5432)

Each database is measured in its own child process (settings are read once per process). Measured operations
go through the real code: timelines.selectors.home_timeline (with load_posts) and publishing.create_post
with the real embedded worker thread (caravan.worker.EmbeddedWorker) doing the fan-out.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out"
PG_URL = "postgres://root@127.0.0.1:5432/bench_core"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 50):6.2f} ms  p99 {percentile(values, 99):6.2f} ms  (n={len(values)})"


def bench_home_timeline(reader, pages: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caravan.pagination import Page
    from caravan.timelines.models import FeedEntry
    from caravan.timelines.selectors import home_timeline

    cpu: list[float] = []

    def timed(page: Page) -> tuple[float, list]:
        started, cpu_started = time.perf_counter(), time.thread_time()
        posts = home_timeline(reader, page)
        cpu.append((time.thread_time() - cpu_started) * 1000)
        return (time.perf_counter() - started) * 1000, posts

    for _ in range(10):  # warm the caches and the connection
        timed(Page(limit=40))
    with CaptureQueriesContext(connection) as queries:
        first = home_timeline(reader, Page(limit=40))
    assert len(first) == 40, f"the reader's first page has {len(first)} posts"

    # Walk down the feed page by page (what scrolling does), restarting at the top every 50 pages.
    walk: list[float] = []
    max_id = None
    for i in range(pages):
        if i % 50 == 0:
            max_id = None
        elapsed, posts = timed(Page(max_id=max_id, limit=40))
        walk.append(elapsed)
        max_id = posts[-1].id if posts else None
    # Jump anywhere in the feed (old links, clients resuming deep down).
    feed_ids = list(FeedEntry.objects.filter(owner=reader).values_list("post_id", flat=True))
    deep: list[float] = []
    for _ in range(pages):
        elapsed, posts = timed(Page(max_id=rng.choice(feed_ids), limit=40))
        deep.append(elapsed)
    return {
        "walk": walk,
        "deep": deep,
        "all": walk + deep,
        "cpu": cpu,
        "queries": len(queries),
        "feed": len(feed_ids),
    }


def bench_post_delivery(celebrity, runs: int) -> list[dict]:
    from django_tasks_db.models import DBTaskResult

    from caravan.federation.tasks import resume_interrupted_work
    from caravan.pagination import Page
    from caravan.posts.models import Post
    from caravan.publishing import create_post
    from caravan.timelines.models import FeedEntry
    from caravan.timelines.selectors import home_timeline
    from caravan.timelines.services import feed_recipients
    from caravan.worker import EmbeddedWorker

    worker = EmbeddedWorker(resume_interrupted_work)
    worker.start()
    time.sleep(0.5)  # let it finish starting (and run anything left over)
    results = []
    try:
        # A process's first post imports and warms what posting touches (federation, streaming): not measured.
        create_post(celebrity, "Benchmark post warm-up #bench")
        time.sleep(1.0)
        for run in range(runs):
            started, cpu_started = time.perf_counter(), time.thread_time()
            post = create_post(celebrity, f"Benchmark post {run} from the caravan #bench")
            created, create_cpu = time.perf_counter(), (time.thread_time() - cpu_started) * 1000
            top = home_timeline(celebrity, Page(limit=40))
            author_sees = time.perf_counter()
            assert top and top[0].id == post.id, "the author does not see their own post"
            expected = len(feed_recipients(post)) + 1
            deadline = time.perf_counter() + 60
            while FeedEntry.objects.filter(post_id=post.id).count() < expected:
                if time.perf_counter() > deadline:
                    raise RuntimeError("fan-out did not finish within 60 s")
                time.sleep(0.005)
            delivered = time.perf_counter()
            tasks = DBTaskResult.objects.filter(task_path__endswith="fan_out_posts").order_by("-enqueued_at")
            task = tasks.first()
            while task is not None and task.finished_at is None and time.perf_counter() < deadline:
                time.sleep(0.01)
                task = tasks.first()
            results.append(
                {
                    "create_ms": (created - started) * 1000,
                    "create_cpu_ms": create_cpu,
                    "author_visible_ms": (author_sees - started) * 1000,
                    "all_followers_ms": (delivered - started) * 1000,
                    "feeds": expected,
                    "task_wait_ms": (task.started_at - task.enqueued_at).total_seconds() * 1000
                    if task
                    else None,
                    "task_run_ms": (task.finished_at - task.started_at).total_seconds() * 1000
                    if task
                    else None,
                }
            )
            time.sleep(0.3)
    finally:
        worker.stop()
        worker.join(timeout=5)
        Post.objects.filter(account=celebrity, text__startswith="Benchmark post ").delete()
    return results


def child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    import seed

    seed.setup_django()
    from django.db import connection

    info = seed.ensure_seeded(args.accounts, args.posts)
    vendor = connection.vendor
    if not args.no_gc_freeze:
        # As `caravan serve` and `caravan worker` do after start-up (see caravan.cli._freeze_startup_objects).
        gc.collect()
        gc.freeze()
    rng = random.Random(7)
    report: dict = {"vendor": vendor, "runs": []}
    gc_mode = "default GC" if args.no_gc_freeze else "gc.freeze() after start-up"
    for run in range(args.repeat):
        load_before = os.getloadavg()[0]
        home = bench_home_timeline(info["reader"], args.pages, rng)
        delivery = bench_post_delivery(info["celebrity"], args.posts_to_deliver)
        load = (load_before, os.getloadavg()[0])
        report["runs"].append({"home": home, "delivery": delivery, "loadavg": load})
        print(
            f"--- {vendor}, run {run + 1} ({gc_mode}; load average {load[0]:.1f} -> {load[1]:.1f} on "
            f"{os.cpu_count()} cores): reader follows {info['reader_following']}, "
            f"feed {home['feed']} entries; home_timeline = {home['queries']} queries"
        )
        print(f"home page of 40, walking down : {summary(home['walk'])}")
        print(f"home page of 40, random max_id: {summary(home['deep'])}")
        print(f"home page of 40, all          : {summary(home['all'])}")
        print(f"home page of 40, CPU time     : {summary(home['cpu'])}")
        for d in delivery:
            print(
                f"post to {d['feeds']} feeds: create_post {d['create_ms']:5.1f} ms "
                f"({d['create_cpu_ms']:4.1f} CPU), author sees it {d['author_visible_ms']:6.1f} ms, "
                f"in every feed {d['all_followers_ms']:7.1f} ms "
                f"(task waited {d['task_wait_ms']:.0f} ms, ran {d['task_run_ms']:.0f} ms)"
            )
        sys.stdout.flush()
    OUT.mkdir(exist_ok=True)
    suffix = "-default-gc" if args.no_gc_freeze else ""
    (OUT / f"core_timelines-{vendor}{suffix}.json").write_text(json.dumps(report, indent=1))
    return 0


def ensure_pg_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=root dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_core'").fetchone():
            conn.execute("CREATE DATABASE bench_core")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="measure PostgreSQL too")
    parser.add_argument("--only-postgres", action="store_true")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=300, help="home pages per pattern")
    parser.add_argument("--posts-to-deliver", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="measure everything this many times")
    parser.add_argument("--no-gc-freeze", action="store_true", help="keep start-up objects in the GC's scans")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    passthrough = [
        f"--accounts={args.accounts}",
        f"--posts={args.posts}",
        f"--pages={args.pages}",
        f"--posts-to-deliver={args.posts_to_deliver}",
        f"--repeat={args.repeat}",
        "--child",
    ]
    if args.no_gc_freeze:
        passthrough.append("--no-gc-freeze")
    targets = []
    if not args.only_postgres:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.setdefault("CARAVAN_DATA_DIR", str(OUT / "data-sqlite"))
        targets.append(env)
    if args.postgres or args.only_postgres:
        ensure_pg_database()
        env = dict(os.environ, DATABASE_URL=PG_URL)
        env.setdefault("CARAVAN_DATA_DIR", str(OUT / "data-pg"))
        targets.append(env)
    status = 0
    for env in targets:
        status |= subprocess.call([sys.executable, __file__, *passthrough], env=env)
    return status


if __name__ == "__main__":
    sys.exit(main())
