"""Benchmark: `GET /api/v1/timelines/home?limit=40` through a real `caravan serve`, many clients at once.

    python bench/api_home_timeline.py           # SQLite (bench/out/data-sqlite, seeded on first run)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench python bench/api_home_timeline.py
    python bench/api_home_timeline.py --workers 2 --clients 32 --seconds 20

Uses the shared seed (bench/seed.py: 10,000 accounts, 1,000,000 posts, `reader` follows 500 accounts), gives
`reader` an OAuth token, starts the server, and has `--clients` concurrent aiohttp clients read the first
page of the home timeline for `--seconds`. Prints requests/second and p50/p90/p99 latency.
Target: >= 300 req/s, p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import seed  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def token_for(username: str, scopes: str = "read write follow", app_name: str = "api-benchmark") -> str:
    """A long-lived token for a seeded account (made directly: the benchmarks measure reads, not sign-in)."""
    from oauth2_provider.models import Application

    from caravan.accounts.models import User
    from caravan.api.models import AppProfile
    from caravan.api.oauth import issue_token

    user = User.objects.get(username=username)
    app, created = Application.objects.get_or_create(
        name=app_name,
        defaults={
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "algorithm": "",
        },
    )
    if created:
        AppProfile.objects.create(application=app, scopes=scopes)
    return issue_token(user, app.pk, scopes).token


def reader_token() -> str:
    return token_for(seed.READER)


async def run_load(url: str, token: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        async with session.get(url) as response:
            first = await response.json()
            assert response.status == 200 and len(first) == 40, (response.status, str(first)[:300])

        stop_at = 0.0

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        stop_at = (
            time.perf_counter() + 2
        )  # warm-up: caches, connections, the JIT-less interpreter's first calls
        await asyncio.gather(*(client() for _ in range(clients)))
        latencies.clear()
        errors = 0
        began = time.perf_counter()
        stop_at = began + seconds
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")
        )

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 1),
        "p90_ms": round(pct(0.90), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CARAVAN_WEB_WORKERS", "1")))
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    args = parser.parse_args()

    seed.setup_django()
    from django.db import connection

    info = seed.ensure_seeded(args.accounts, args.posts)
    token = reader_token()
    vendor = connection.vendor
    connection.close()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CARAVAN_BASE_URL": base, "CARAVAN_API_RATE_LIMIT": "0"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("caravan")),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("caravan serve did not start") from None
                time.sleep(0.3)
        result = asyncio.run(
            run_load(f"{base}/api/v1/timelines/home?limit=40", token, args.clients, args.seconds)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.update(
        database=vendor,
        workers=args.workers,
        clients=args.clients,
        reader_following=info["reader_following"],
        reader_feed_entries=info["reader_feed_entries"],
    )
    print(json.dumps(result, indent=2))
    print(
        f"\n{result['requests_per_second']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"({vendor}, {args.workers} worker(s), {args.clients} clients) — target >= 300 req/s, p99 < 100 ms"
    )
    out = BENCH_DIR / "out" / f"api_home_timeline-{vendor}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
