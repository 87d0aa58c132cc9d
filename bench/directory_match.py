"""Benchmark: matching an X following list of 5,000 ids against an X-id directory of 1,000,000 entries.

    python bench/directory_match.py                      # SQLite in bench/out/data-directory (made afresh)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_directory python bench/directory_match.py  # a new, empty db
    python bench/directory_match.py --entries 1000000 --following 5000 --hits 500 --runs 7

Seeds with bulk inserts (COPY on PostgreSQL): `--local` local accounts each listing their own old X id (a few
listed twice, so disputed), and the rest of `--entries` as entries other servers answered with, spread over
10,000 remote accounts. Then, in process, a following list of `--following` distinct ids (`--hits` of them
listed, the rest unknown, in random order, as strings the way `following.js` holds them) is matched with
`directory.match_following` (cleaning, chunked IN queries on the x_id index, the undisputed rule), `--runs`
times; and once more with the matches written as FollowCandidates (`moving.people.find_in_directory`, what an
import does). No other server is asked (no hook installed). Target: under 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
DATA_DIR = BENCH_DIR / "out" / "data-directory"

import seed  # noqa: E402


def seed_directory(n_entries: int, n_local: int, rng: random.Random) -> list[int]:
    """Returns the listed, undisputed x ids (to draw hits from)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from caravan.accounts.models import Account, User
    from caravan.ids import new_id

    base, now = settings.BASE_URL, timezone.now()
    vendor = connection.vendor
    stamp = seed._ts(now, vendor)
    x_ids = rng.sample(range(1, 1 << 60), n_entries)
    with transaction.atomic():
        seed._log(f"{n_local} local accounts and users")
        local = [new_id() for _ in range(n_local + 1)]
        seed.insert_accounts(
            (
                {
                    "id": aid,
                    "username": f"p{i}",
                    "domain": "",
                    "uri": f"{base}/users/p{i}",
                    "url": f"{base}/@p{i}",
                }
                for i, aid in enumerate(local)
            ),
            stamp,
        )
        mover = Account.objects.get(pk=local[-1])
        User.objects.create(username="mover", password="!", account=mover, email="m@bench.invalid")  # noqa: S106
        seed._log("10,000 remote accounts")
        remote = [new_id() for _ in range(10_000)]
        seed.insert_accounts(
            (
                {
                    "id": aid,
                    "username": f"r{i}",
                    "domain": f"s{i % 200}.example",
                    "uri": f"https://s{i % 200}.example/users/r{i}",
                }
                for i, aid in enumerate(remote)
            ),
            stamp,
        )
        seed._log(f"{n_entries} directory entries")
        disputed = set(range(0, n_local, 1000))  # one in a thousand local listings shares its id with another

        def rows():
            for i, x_id in enumerate(x_ids):
                entry_id = new_id()
                if i < n_local:
                    shared = x_ids[i - 1] if i in disputed and i else x_id
                    yield (
                        entry_id,
                        f"{base}/directory/entries/{entry_id}",
                        shared,
                        f"x{i}",
                        local[i],
                        True,
                        i in disputed or (i + 1) in disputed,
                        stamp,
                    )
                else:
                    domain = f"s{i % 200}.example"
                    yield (
                        entry_id,
                        f"https://{domain}/directory/entries/{entry_id}",
                        x_id,
                        f"x{i}",
                        remote[i % len(remote)],
                        False,
                        False,
                        stamp,
                    )

        seed._insert(
            "directory_entry",
            ["id", "uri", "x_id", "handle", "account_id", "local", "disputed", "created_at"],
            rows(),
            batch=20_000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [x for i, x in enumerate(x_ids) if i >= n_local or i not in disputed and (i + 1) not in disputed]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--local", type=int, default=100_000)
    parser.add_argument("--following", type=int, default=5_000)
    parser.add_argument("--hits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    seed.fresh_database(DATA_DIR)
    from django.db import connection

    from caravan.accounts.models import User
    from caravan.directory import services as directory
    from caravan.directory.models import Entry
    from caravan.moving.models import FollowCandidate, ImportJob
    from caravan.moving.people import find_in_directory
    from caravan.moving.progress import JobProgress

    if Entry.objects.exists():
        print(
            "this benchmark seeds its own data: point DATABASE_URL at a fresh, empty database",
            file=sys.stderr,
        )
        return 2
    directory.install(None, None)  # this server's directory only: no other server is asked
    rng = random.Random(20261130)
    started = time.monotonic()
    listed = seed_directory(args.entries, args.local, rng)
    seed._log(f"seeded in {time.monotonic() - started:.0f} s")
    user = User.objects.select_related("account").get(username="mover")
    hits = rng.sample(listed, args.hits)
    misses = set()
    taken = set(listed)
    while len(misses) < args.following - args.hits:
        candidate = rng.randrange(1, 1 << 60)
        if candidate not in taken:
            misses.add(candidate)
    following = [str(x) for x in hits + sorted(misses)]
    rng.shuffle(following)
    print(f"{connection.vendor}: {Entry.objects.count()} entries, following list of {len(following)} ids")
    timings, found = [], 0
    for _ in range(args.runs):
        begun = time.perf_counter()
        found = len(directory.match_following(user.account, following))
        timings.append((time.perf_counter() - begun) * 1000)
    print(
        "match_following: "
        + ", ".join(f"{t:.0f}" for t in timings)
        + f" ms; median {statistics.median(timings):.1f} ms; {found} matched"
    )
    job = ImportJob.objects.create(user=user, kind="x_archive", source_path="-")
    begun = time.perf_counter()
    made = find_in_directory(JobProgress(job), following, {})
    written = (time.perf_counter() - begun) * 1000
    print(
        f"with the FollowCandidates written: {written:.0f} ms; {made} matched, "
        f"{FollowCandidate.objects.filter(account=user.account).count()} candidates"
    )
    print(f"\nmatching median {statistics.median(timings):.1f} ms (target < 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
