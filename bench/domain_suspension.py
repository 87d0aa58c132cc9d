"""Benchmark: suspending a remote domain of 10,000 accounts and about 1,000,000 posts through a real
`caravan serve`, while people read their home timelines.

    python bench/domain_suspension.py           # SQLite in bench/out/data-domain (seeded on the first run)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_domain python bench/domain_suspension.py

Seeds with bench/seed.py (`--accounts` 11,000 accounts, `--posts` 1,100,000 posts, home feeds), then turns
10,000 of the accounts other than `reader` and `celebrity` into accounts of `crowd.example` (no users, posts no longer local):
most of the reader's home feed is then that domain's posts. On SQLite a pristine copy of the database is kept,
so every run starts from the same state; on PostgreSQL point DATABASE_URL at an empty database (each run seeds).

Then starts `caravan serve` (its embedded worker does the suspension), has `--clients` clients read the
reader's home timeline for `--before` seconds, and has an admin suspend the domain through
`POST /api/v1/admin/domain_blocks`. The clients go on reading until the background task has finished (its row
in the task table says so). Prints the time from the request until every account of the domain was marked
suspended (hidden on every read path from then on), until the suspension task finished, and until the paced
housekeeping task that follows it had deleted the domain's home feed rows; and home timeline p50/p99 before
and during (the clients read until the housekeeping is done).
Targets: finished within 60 s; home timeline p99 under 50 ms meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
DATA_DIR = BENCH_DIR / "out" / "data-domain"
DOMAIN = "crowd.example"
REMOTE_ACCOUNTS = 10_000

import seed  # noqa: E402
from api_home_timeline import _free_port, reader_token, token_for  # noqa: E402


def make_domain_remote(n_remote: int) -> None:
    """Turn `n_remote` seeded accounts (never the reader) into accounts of DOMAIN, as if fetched from it."""
    from django.db import connection, transaction

    from caravan.accounts.models import Account

    if Account.objects.filter(domain=DOMAIN).exists():
        return
    ids = list(
        Account.objects.filter(domain="")
        .exclude(username__in=(seed.READER, seed.CELEBRITY))
        .order_by("id")
        .values_list("id", flat=True)[:n_remote]
    )
    seed._log(f"moving {len(ids)} accounts to {DOMAIN}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_remote (id bigint PRIMARY KEY)")
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            cursor.execute(
                "INSERT INTO bench_remote (id) VALUES " + ",".join(["(%s)"] * len(chunk)),  # noqa: S608 - placeholders only
                chunk,
            )
        cursor.execute("DELETE FROM accounts_user WHERE account_id IN (SELECT id FROM bench_remote)")
        cursor.execute(
            "UPDATE accounts_account SET domain = %s, private_key_pem = '', "
            "uri = 'https://' || %s || '/users/' || username, url = 'https://' || %s || '/@' || username, "
            "inbox_url = 'https://' || %s || '/users/' || username || '/inbox', "
            "shared_inbox_url = 'https://' || %s || '/inbox' "
            "WHERE id IN (SELECT id FROM bench_remote)",
            [DOMAIN] * 5,
        )
        cursor.execute(
            "UPDATE posts_post SET local = %s WHERE account_id IN (SELECT id FROM bench_remote)", [False]
        )
        cursor.execute("DROP TABLE bench_remote")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def admin_token() -> str:
    from caravan.accounts.models import User
    from caravan.signup import create_admin

    if not User.objects.filter(username="benchadmin").exists():
        create_admin("benchadmin", "correct horse battery")
    return token_for("benchadmin", "read admin:read admin:write", "domain-benchmark")


def task_state() -> tuple[str, float | None, float | None, bool]:
    """The status of the feed purge that follows a domain suspension, when the suspension task and the purge
    finished (epoch seconds), and whether every account of the domain is marked suspended yet (from then on,
    every read path hides them)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from caravan.accounts.models import Account

    def latest(name: str):
        return (
            DBTaskResult.objects.filter(task_path__endswith=name)
            .order_by("-enqueued_at")
            .values_list("status", "finished_at")
            .first()
        )

    suspension, purge = latest("apply_domain_suspension"), latest("purge_suspended_domain_feeds")
    hidden = not Account.objects.filter(domain=DOMAIN, suspended_at__isnull=True).exists()
    connection.close()  # hold no SQLite snapshot between polls
    suspended_at = suspension[1].timestamp() if suspension and suspension[1] else None
    purged_at = purge[1].timestamp() if purge and purge[1] else None
    return (purge[0] if purge else "MISSING"), suspended_at, purged_at, hidden


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))] * 1000, 1) if values else float("nan")


async def run(base: str, reader: str, admin: str, clients: int, before: float, limit: float) -> dict:
    samples: list[tuple[float, float]] = []  # (when it started, how long it took)
    errors = 0
    stop = asyncio.Event()
    url = f"{base}/api/v1/timelines/home?limit=40"

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not stop.is_set():
            started = time.perf_counter()
            try:
                async with session.get(url, headers={"Authorization": f"Bearer {reader}"}) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            if ok:
                samples.append((started, time.perf_counter() - started))
            else:
                errors += 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients + 2)) as session:
        readers = [asyncio.create_task(client(session)) for _ in range(clients)]
        await asyncio.sleep(2)  # warm-up, not counted
        warm_until = time.perf_counter()
        await asyncio.sleep(before)
        asked = time.perf_counter()
        asked_wall = time.time()
        async with session.post(
            f"{base}/api/v1/admin/domain_blocks",
            headers={"Authorization": f"Bearer {admin}"},
            json={"domain": DOMAIN, "severity": "suspend", "public_comment": "A spam network."},
        ) as response:
            answer = await response.json()
            assert response.status == 200, answer
        answered = time.perf_counter()
        status, suspended_wall, finished_wall, hidden_at = "READY", None, None, None
        while time.perf_counter() - asked < limit:
            status, suspended_wall, finished_wall, hidden = await asyncio.to_thread(task_state)
            if hidden and hidden_at is None:
                hidden_at = time.perf_counter()
            if status in ("SUCCESSFUL", "SUCCEEDED", "FAILED"):
                break
            await asyncio.sleep(0.25)
        done = time.perf_counter()
        stop.set()
        await asyncio.gather(*readers)
    during = [took for began, took in samples if asked <= began <= done]
    earlier = [took for began, took in samples if warm_until <= began < asked]
    return {
        "task_status": status,
        "request_ms": round((answered - asked) * 1000, 1),
        "hidden_after_s": round(hidden_at - asked, 1) if hidden_at else None,
        "suspension_task_done_after_s": round(suspended_wall - asked_wall, 1) if suspended_wall else None,
        "finished_after_s": round(finished_wall - asked_wall, 1) if finished_wall else None,
        "home_before": {"requests": len(earlier), "p50_ms": pct(earlier, 0.5), "p99_ms": pct(earlier, 0.99)},
        "home_during": {"requests": len(during), "p50_ms": pct(during, 0.5), "p99_ms": pct(during, 0.99)},
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=11_000)
    parser.add_argument("--posts", type=int, default=1_100_000)
    parser.add_argument("--remote", type=int, default=REMOTE_ACCOUNTS)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--before", type=float, default=5)
    parser.add_argument("--limit", type=float, default=300, help="give up waiting for the task after this")
    args = parser.parse_args()
    sqlite = "DATABASE_URL" not in os.environ
    if sqlite:
        os.environ["CARAVAN_DATA_DIR"] = str(DATA_DIR)
        pristine = DATA_DIR / "pristine.sqlite3"
        if pristine.exists():
            shutil.copyfile(pristine, DATA_DIR / "caravan.sqlite3")
            for suffix in ("-wal", "-shm"):
                (DATA_DIR / f"caravan.sqlite3{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("CARAVAN_WORKER_INTERVAL", "0.2")
    seed.setup_django()
    from django.db import connection

    from caravan.accounts.models import Account
    from caravan.posts.models import Post
    from caravan.timelines.models import FeedEntry

    seed.ensure_seeded(args.accounts, args.posts)
    make_domain_remote(args.remote)
    reader, admin = reader_token(), admin_token()
    remote_ids = list(Account.objects.filter(domain=DOMAIN).values_list("id", flat=True))
    facts = {
        "database": connection.vendor,
        "domain_accounts": len(remote_ids),
        "domain_posts": Post.objects.filter(account__domain=DOMAIN).count(),
        "feed_rows_of_domain": FeedEntry.objects.filter(author_id__in=remote_ids[:20000]).count()
        if connection.vendor == "postgresql"
        else None,
        "clients": args.clients,
    }
    connection.close()
    if sqlite and not (DATA_DIR / "pristine.sqlite3").exists():
        with seed_connection() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(DATA_DIR / "caravan.sqlite3", DATA_DIR / "pristine.sqlite3")

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CARAVAN_BASE_URL": base, "CARAVAN_API_RATE_LIMIT": "0"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("caravan")), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port, server)
        result = asyncio.run(run(base, reader, admin, args.clients, args.before, args.limit))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["hidden_accounts"] = Account.objects.filter(domain=DOMAIN, suspended_at__isnull=False).count()
    result.update(facts)
    print(json.dumps(result, indent=2))
    print(
        f"\nsuspending {facts['domain_accounts']} accounts / {facts['domain_posts']} posts: hidden after "
        f"{result['hidden_after_s']} s, suspension task done after {result['suspension_task_done_after_s']} s "
        f"(target < 60 s), feed rows purged (paced) after {result['finished_after_s']} s; home p99 before {result['home_before']['p99_ms']} ms, "
        f"during {result['home_during']['p99_ms']} ms (target < 50 ms)"
    )
    out = BENCH_DIR / "out" / f"domain_suspension-{facts['database']}.json"
    out.write_text(json.dumps(result, indent=2))
    return 0


def seed_connection():
    from django.db import connection

    return connection.cursor()


def wait_for(port: int, server: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("caravan serve did not start") from None
            time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(main())
