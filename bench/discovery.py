"""Benchmark: discovery computed at read (decision 0036): one uncached computation of the trending hashtags and of
the trending posts over a busy week, a page of the profile directory and of follow suggestions.

    python bench/discovery.py                      # SQLite in bench/out/data-discovery (made afresh)
    DATABASE_URL=postgres://127.0.0.1:5432/caravan_bench_discovery python bench/discovery.py   # an empty database
    python bench/discovery.py --accounts 2000 --posts 100000 --favourites 40000 --boosts 10000

Seeds with bulk inserts: accounts, public posts spread over the last seven days each with one of 500 hashtags,
favourites and boosts over the last two days, follows. Prints the median of `--runs` computations of each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
DATA_DIR = BENCH_DIR / "out" / "data-discovery"

import seed  # noqa: E402


def seed_week(accounts: int, posts: int, favourites: int, boosts: int) -> None:
    from django.conf import settings
    from django.db import transaction

    from caravan.accounts.models import Account, User
    from caravan.ids import id_from_time
    from caravan.posts.models import Favourite, Post, PostTag, Tag
    from caravan.social.models import Follow

    rng = random.Random(36)
    now = datetime.now(UTC)
    base = settings.BASE_URL
    with transaction.atomic():
        people = [
            Account(
                id=id_from_time(now - timedelta(days=30, seconds=i)),
                username=f"d{i:05d}",
                uri=f"{base}/users/d{i:05d}",
                url=f"{base}/@d{i:05d}",
                last_status_at=now - timedelta(minutes=i),
            )
            for i in range(accounts)
        ]
        Account.objects.bulk_create(people, batch_size=2000)
        User.objects.bulk_create(
            [User(username=a.username, password="!", account=a) for a in people],  # noqa: S106 - unusable
            batch_size=2000,
        )
        tags = Tag.objects.bulk_create([Tag(name=f"topic{i}", display_name=f"topic{i}") for i in range(500)])
        rows, links = [], []
        for _ in range(posts):
            moment = now - timedelta(seconds=rng.uniform(0, 7 * 86400))
            author = people[rng.randrange(accounts)]
            post_id = id_from_time(moment)
            rows.append(
                Post(id=post_id, account=author, uri=f"{author.uri}/statuses/{post_id}", created_at=moment)
            )
            links.append(PostTag(post_id=post_id, tag=tags[int(rng.paretovariate(1.2)) % len(tags)]))
        Post.objects.bulk_create(rows, batch_size=5000)
        PostTag.objects.bulk_create(links, batch_size=5000)
        recent = [p for p in rows if p.created_at > now - timedelta(days=2)]
        favs, seen = [], set()
        while len(favs) < favourites:
            post, who = recent[int(rng.paretovariate(1.1)) % len(recent)], people[rng.randrange(accounts)]
            if (post.id, who.id) not in seen:
                seen.add((post.id, who.id))
                moment = max(post.created_at, now - timedelta(seconds=rng.uniform(0, 2 * 86400)))
                favs.append(Favourite(id=id_from_time(moment), account=who, post=post))
        Favourite.objects.bulk_create(favs, batch_size=5000)
        reblogs = []
        for _ in range(boosts):
            post, who = recent[int(rng.paretovariate(1.1)) % len(recent)], people[rng.randrange(accounts)]
            boost_id = id_from_time(max(post.created_at, now - timedelta(seconds=rng.uniform(0, 2 * 86400))))
            reblogs.append(
                Post(
                    id=boost_id,
                    account=who,
                    reblog_of=post,
                    uri=f"{who.uri}/boosts/{boost_id}",
                    created_at=now,
                )
            )
        Post.objects.bulk_create(reblogs, batch_size=5000)
        Follow.objects.bulk_create(
            [
                Follow(account=people[i], target_account=people[(i * 7 + k) % accounts])
                for i in range(accounts)
                for k in range(1, 21)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--favourites", type=int, default=40_000)
    parser.add_argument("--boosts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seed.fresh_database(DATA_DIR)
    from django.db import connection

    from caravan.accounts.models import Account
    from caravan.discovery import profile_directory, trends
    from caravan.discovery.suggestions import follow_suggestions

    started = time.perf_counter()
    seed_week(args.accounts, args.posts, args.favourites, args.boosts)
    print(f"seeded in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    now = datetime.now(UTC)
    reader = Account.objects.order_by("id").first()
    tags = trends._compute_tags(now)
    posts = trends._compute_posts(now)
    print(f"{len(tags)} trending hashtags, {len(posts)} trending posts")
    print(
        f"trending hashtags, one computation: {median_ms(lambda: trends._compute_tags(now), args.runs):.0f} ms"
    )
    print(
        f"trending posts, one computation:    {median_ms(lambda: trends._compute_posts(now), args.runs):.0f} ms"
    )
    print(
        f"directory page (active):            {median_ms(lambda: profile_directory.directory(reader), args.runs):.1f} ms"
    )
    print(
        f"follow suggestions (40):            {median_ms(lambda: follow_suggestions(reader, 40), args.runs):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
