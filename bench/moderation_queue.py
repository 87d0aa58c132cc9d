"""Benchmark: server time of the moderators' report queue (`/moderation/reports`) and of one report's page with
10,000 open reports.

    python bench/moderation_queue.py                     # SQLite in bench/out/data-queue (made afresh)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_queue python bench/moderation_queue.py
    python bench/moderation_queue.py --open 10000 --resolved 5000 --runs 7

Seeds with bulk inserts: `--accounts` local accounts with a few posts each (some followers-only), `--open` open
and `--resolved` resolved reports (each citing one to three of its target's posts, targets drawn so that some
accounts are reported often), and a decision about every tenth reported account. Then a moderator reads, in
process (Django's test client, so no network), the first page of the queue, a page deep in it (`?after=`),
and one report's page, `--runs` times each; prints each time and the median.
Target: the queue page under 100 ms of server time.
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
DATA_DIR = BENCH_DIR / "out" / "data-queue"

import seed  # noqa: E402


def seed_reports(n_accounts: int, n_open: int, n_resolved: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from caravan.accounts.models import Account, User
    from caravan.ids import new_id
    from caravan.instance.models import Rule
    from caravan.moderation.models import ActionKind, ModerationAction, Report
    from caravan.posts.models import Post, Visibility
    from caravan.signup import create_admin

    rng, base, now = random.Random(20261129), settings.BASE_URL, timezone.now()
    create_admin("moderator", "correct horse battery")
    rules = [Rule.objects.create(text=f"Rule {n}", position=n) for n in range(1, 4)]
    with transaction.atomic():
        seed._log(f"{n_accounts} accounts")
        accounts = [
            Account(id=new_id(), username=f"p{i:05d}", uri=f"{base}/users/p{i:05d}", url=f"{base}/@p{i:05d}")
            for i in range(n_accounts)
        ]
        Account.objects.bulk_create(accounts, batch_size=2000)
        User.objects.bulk_create(
            [
                User(username=a.username, password="!", account=a, email=f"{a.username}@bench.invalid")  # noqa: S106 - unusable
                for a in accounts
            ],
            batch_size=2000,
        )
        seed._log(f"{n_accounts * 3} posts")
        posts: dict[int, list[int]] = {}
        rows = []
        for account in accounts:
            for n in range(3):
                pid = new_id()
                posts.setdefault(account.id, []).append(pid)
                visibility = Visibility.PRIVATE if n == 2 else Visibility.PUBLIC
                rows.append(
                    Post(
                        id=pid,
                        account=account,
                        uri=f"{account.uri}/statuses/{pid}",
                        text="something reported",
                        content="<p>something reported</p>",
                        visibility=visibility,
                        local=True,
                        thread_root_id=pid,
                        created_at=now,
                        updated_at=now,
                    )
                )
        Post.objects.bulk_create(rows, batch_size=2000)
        seed._log(f"{n_open} open and {n_resolved} resolved reports")
        weights = [1 / (rank + 1) ** 0.8 for rank in range(n_accounts)]
        reports = []
        for index in range(n_open + n_resolved):
            target = rng.choices(accounts, weights=weights)[0]
            reporter = rng.choice(accounts)
            if reporter is target:
                reporter = accounts[(accounts.index(target) + 1) % n_accounts]
            resolved = index < n_resolved
            reports.append(
                Report(
                    id=new_id(),
                    reporter=reporter,
                    target_account=target,
                    post_ids=rng.sample(posts[target.id], rng.randint(1, 3)),
                    rule_ids=[rules[0].id],
                    category="violation",
                    comment="This breaks the rules." * 3,
                    resolved_at=now if resolved else None,
                    action_taken=resolved,
                )
            )
        Report.objects.bulk_create(reports, batch_size=2000)
        targets = sorted({r.target_account_id for r in reports})
        ModerationAction.objects.bulk_create(
            [
                ModerationAction(
                    id=new_id(), target_account_id=t, kind=ActionKind.WARN, reason="Please stop."
                )
                for t in targets[::10]
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, path: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        begun = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--resolved", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    seed.fresh_database(DATA_DIR)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from caravan.accounts.models import User
    from caravan.moderation.models import Report
    from caravan.moderation.selectors import QUEUE_SIZE

    started = time.monotonic()
    seed_reports(args.accounts, args.open, args.resolved)
    seed._log(f"seeded in {time.monotonic() - started:.0f} s")

    client = Client(HTTP_HOST=settings.DOMAIN)
    client.force_login(User.objects.get(username="moderator"))
    open_ids = list(
        Report.objects.filter(resolved_at__isnull=True).order_by("id").values_list("id", flat=True)
    )
    deep = open_ids[len(open_ids) // 2]
    one = open_ids[len(open_ids) * 3 // 4]
    print(f"{connection.vendor}: {len(open_ids)} open reports, {QUEUE_SIZE} per page")
    medians = {}
    for label, path in (
        ("queue, first page", "/moderation/reports"),
        ("queue, a page halfway", f"/moderation/reports?after={deep}"),
        ("one report", f"/moderation/reports/{one}"),
    ):
        timings = timed(client, path, args.runs)
        medians[label] = statistics.median(timings)
        print(f"{label}: " + ", ".join(f"{t:.0f}" for t in timings) + f" ms; median {medians[label]:.1f} ms")
    worst = max(medians["queue, first page"], medians["queue, a page halfway"])
    print(f"\nqueue page median {worst:.1f} ms of server time (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
