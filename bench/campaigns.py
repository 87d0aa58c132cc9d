"""Benchmark: a campaign with 100,000 members: server time of its page, its JSON feed and the API's campaign
entity, and of joining and leaving (each under its own transaction, counts kept as they change).

    python bench/campaigns.py                                  # SQLite in bench/out/data-campaigns (made afresh)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_campaigns python bench/campaigns.py   # emptied first
    python bench/campaigns.py --members 100000 --runs 9 --joins 50

Seeds with bulk inserts (not the services): `--members` local accounts, each a member of one campaign at one of
the three levels (a tenth of them unverified), 60 days of history, and the kept counts computed once from the
memberships (`services.recount`). Then reads in process (Django's test client, so no network) the campaign page
as a visitor and as a member, its `.json` feed and the API entity, `--runs` times each; and has `--joins`
accounts join (the service, as the web form and the API call it) and then leave, timing each call.
Targets: the page under 50 ms of server time; joining and leaving under 20 ms each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
DATA_DIR = BENCH_DIR / "out" / "data-campaigns"

import seed  # noqa: E402


def seed_campaign(members: int, joiners: int) -> int:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from caravan.accounts.models import Account, User
    from caravan.campaigns import services
    from caravan.campaigns.models import COUNT_FIELDS, LEVELS, Campaign, CampaignDay, Membership
    from caravan.ids import new_id

    rng, base, now = random.Random(20261130), settings.BASE_URL, timezone.now()
    old = now - timedelta(days=90)
    with transaction.atomic():
        seed._log(f"{members + joiners} accounts")
        accounts = [
            Account(id=new_id(), username=f"m{i:06d}", uri=f"{base}/users/m{i:06d}", url=f"{base}/@m{i:06d}")
            for i in range(members + joiners)
        ]
        Account.objects.bulk_create(accounts, batch_size=5000)
        Account.objects.update(created_at=old)
        User.objects.bulk_create(
            [
                User(username=a.username, password="!", account=a, email=f"{a.username}@bench.invalid")  # noqa: S106 - unusable
                for a in accounts[members:]  # the joiners sign in; members need no User for this benchmark
            ],
            batch_size=5000,
        )
        owner = accounts[0]
        owner_user = User(username=owner.username, account=owner)
        owner_user.set_unusable_password()
        owner_user.save()
        campaign = Campaign.objects.create(
            owner=owner, title="نترك المنصة معًا", description="A benchmark campaign.", target=members * 2
        )
        seed._log(f"{members} memberships")
        rows = []
        for account in accounts[:members]:
            verified = rng.random() >= 0.1
            rows.append(
                Membership(
                    campaign=campaign,
                    account=account,
                    level=rng.choices(LEVELS, weights=[6, 3, 1])[0],
                    verified=verified,
                    verifies_at=None if verified else now + timedelta(days=rng.randint(1, 6)),
                )
            )
        Membership.objects.bulk_create(rows, batch_size=5000)
        counts = services.recount(campaign)
        Campaign.objects.filter(pk=campaign.pk).update(**counts)
        today = timezone.localdate()
        CampaignDay.objects.bulk_create(
            [
                CampaignDay(
                    campaign=campaign,
                    day=today - timedelta(days=n),
                    **{name: counts[name] * (60 - n) // 60 for name in COUNT_FIELDS},
                )
                for n in range(60)
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return campaign.pk


def timed(client, path: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        begun = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def describe(label: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, round(len(timings) * 0.95) - 1)]
    shown = ", ".join(f"{t:.1f}" for t in timings[:9]) + (" ..." if len(timings) > 9 else "")
    print(f"{label}: {shown} ms; median {median:.1f} ms, p95 {p95:.1f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--joins", type=int, default=50)
    args = parser.parse_args()
    os.environ["CARAVAN_CAMPAIGN_JOINS_PER_HOUR"] = "0"  # one process joins many accounts: no rate limit
    seed.fresh_database(DATA_DIR)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from caravan.accounts.models import Account, User
    from caravan.campaigns import services
    from caravan.campaigns.models import Campaign

    if Account.objects.exists():
        print(
            "this benchmark seeds its own data: point DATABASE_URL at a fresh, empty database",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    campaign_id = seed_campaign(args.members, args.joins)
    seed._log(f"seeded in {time.monotonic() - started:.0f} s")
    campaign = Campaign.objects.get(pk=campaign_id)
    print(
        f"{connection.vendor}: campaign of {campaign.headline + campaign.unverified} members "
        f"({campaign.headline} verified, {campaign.unverified} unverified)"
    )

    visitor = Client(HTTP_HOST=settings.DOMAIN)
    member = Client(HTTP_HOST=settings.DOMAIN)
    member.force_login(User.objects.get(account_id=campaign.owner_id))
    medians = {}
    for label, client, path in (
        ("page, visitor", visitor, f"/campaigns/{campaign_id}"),
        ("page, member", member, f"/campaigns/{campaign_id}"),
        ("page in Arabic", visitor, f"/campaigns/{campaign_id}?lang=ar"),
        ("JSON feed", visitor, f"/campaigns/{campaign_id}.json"),
        ("API entity", visitor, f"/api/v1/caravan/campaigns/{campaign_id}"),
    ):
        timed(client, path, 2)  # warm: templates compiled, translations loaded
        medians[label] = describe(label, timed(client, path, args.runs))

    joiners = list(Account.objects.filter(user__isnull=False).exclude(pk=campaign.owner_id)[: args.joins])
    join_times, leave_times = [], []
    for account in joiners:
        begun = time.perf_counter()
        services.join(campaign, account, "will_move")
        join_times.append((time.perf_counter() - begun) * 1000)
    for account in joiners:
        begun = time.perf_counter()
        services.leave(campaign, account)
        leave_times.append((time.perf_counter() - begun) * 1000)
    join_median = describe("join", join_times)
    leave_median = describe("leave", leave_times)
    campaign.refresh_from_db()
    assert campaign.counts() == services.recount(campaign), "kept counts drifted from the memberships"

    page = max(medians["page, visitor"], medians["page, member"], medians["page in Arabic"])
    print(
        f"\n{connection.vendor}: campaign page median {page:.1f} ms of server time (target < 50 ms); "
        f"join {join_median:.1f} ms, leave {leave_median:.1f} ms (target < 20 ms each); counts equal a recount"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
