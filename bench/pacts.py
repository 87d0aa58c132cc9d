"""Benchmark: pacts at their largest (500 people): making one, a commitment and a withdrawal (kept counts, not
recounted), the pact page a member reads, and the commitment that meets it (500 notified, follow-everyone tasks
queued).

    python bench/pacts.py                       # SQLite in bench/out/data-pacts (made afresh)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_pacts python bench/pacts.py
    python bench/pacts.py --people 500 --runs 50

Seeds `--people` local accounts with bulk inserts and the owner's matched people (FollowCandidate rows), then
calls the services in process and reads the page through Django's test client (no network). Prints each median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
DATA_DIR = BENCH_DIR / "out" / "data-pacts"

import seed  # noqa: E402


def seed_people(n: int):
    from django.conf import settings
    from django.db import transaction

    from caravan.accounts.models import Account, User
    from caravan.ids import new_id
    from caravan.moving.models import FollowCandidate

    base = settings.BASE_URL
    with transaction.atomic():
        accounts = [
            Account(id=new_id(), username=f"p{i:05d}", uri=f"{base}/users/p{i:05d}", url=f"{base}/@p{i:05d}")
            for i in range(n + 1)
        ]
        Account.objects.bulk_create(accounts, batch_size=2000)
        User.objects.bulk_create(
            [User(username=a.username, password="!", account=a) for a in accounts],  # noqa: S106 - unusable
            batch_size=2000,
        )
        owner, people = accounts[0], accounts[1:]
        FollowCandidate.objects.bulk_create(
            [
                FollowCandidate(account=owner, old_handle=f"x:{a.username}", found_handle=a.acct, target=a)
                for a in people
            ]
        )
    return owner, people


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    seed.fresh_database(DATA_DIR)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from caravan.accounts.models import User
    from caravan.pacts import services
    from caravan.pacts.models import Pact

    owner, people = seed_people(args.people)

    started = time.perf_counter()
    pact = services.create_pact(owner, threshold=args.people)
    made = ms(started)

    commits, withdrawals = [], []
    for person in people[: args.runs]:
        started = time.perf_counter()
        services.commit(person, pact, auto_follow=True)
        commits.append(ms(started))
        started = time.perf_counter()
        services.withdraw(person, pact)
        withdrawals.append(ms(started))

    client = Client(HTTP_HOST=settings.DOMAIN)
    client.force_login(User.objects.get(account=people[-1]))
    client.get(f"/pacts/{pact.id}")
    pages = []
    for _ in range(args.runs):
        started = time.perf_counter()
        assert client.get(f"/pacts/{pact.id}").status_code == 200
        pages.append(ms(started))

    for person in people[:-1]:
        services.commit(person, pact)
    started = time.perf_counter()
    services.commit(people[-1], pact)
    meeting = ms(started)
    assert Pact.objects.get(pk=pact.pk).state == "met"

    print(f"{connection.vendor}: a pact of {args.people} people")
    print(f"making it (notifying {args.people}): {made:.1f} ms")
    print(f"commit: median {statistics.median(commits):.2f} ms, max {max(commits):.2f} ms over {args.runs}")
    print(f"withdraw: median {statistics.median(withdrawals):.2f} ms, max {max(withdrawals):.2f} ms")
    print(f"pact page for a member: median {statistics.median(pages):.2f} ms")
    print(f"the commitment that meets it (notifying {args.people + 1}, tasks queued): {meeting:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
