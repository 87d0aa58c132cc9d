"""Benchmark: server time of the moderators' waves page (`/moderation/waves`, 48 hours) on a large database.

    python bench/moderation_waves.py                          # SQLite in bench/out/data-waves (made afresh)
    python bench/moderation_waves.py --accounts 100000 --follows 300000 --posts 100000 --runs 5

Seeds with bulk inserts (not the services): `--accounts` local accounts with users, spread over the past year
except `--recent` of them signed up in the last 48 hours; among those a wave of `--wave` accounts from one
email domain, one invite and one network (a third from one address), all within one hour, each following ten
others of the wave; `--follows` follows in all (the rest random); `--posts` posts over the last 48 hours, a
tenth with one of 50 hashtags or a link, and one post per wave account with the same hashtag and link. Then a moderator reads the page in process
(Django's test client, so no network) `--runs` times; prints each time, the median, and what the page found.
Target: the page stays under a second however large the tables grow, since every read is bounded.
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
DATA_DIR = BENCH_DIR / "out" / "data-waves"

import seed  # noqa: E402

ACCOUNT_COLUMNS = [
    "id", "username", "domain", "display_name", "note", "note_html", "fields", "avatar", "header",
    "avatar_remote_url", "header_remote_url", "locked", "bot", "group", "discoverable", "uri", "url", "inbox_url",
    "outbox_url", "shared_inbox_url", "followers_url", "following_url", "featured_url", "public_key_pem",
    "private_key_pem", "key_id", "also_known_as", "followers_count", "following_count", "statuses_count",
    "created_at", "updated_at",
]  # fmt: skip
USER_COLUMNS = [
    "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
    "date_joined", "account_id", "approved", "registration_reason", "locale", "default_visibility",
    "default_sensitive", "default_language", "invite_id", "role", "sign_up_ip", "sign_up_network", "sign_up_holds",
]  # fmt: skip
POST_COLUMNS = [
    "id", "account_id", "uri", "url", "text", "content", "spoiler_text", "sensitive", "visibility", "language",
    "in_reply_to_id", "in_reply_to_account_id", "in_reply_to_uri", "thread_root_id", "reblog_of_id", "local",
    "imported", "original_uri", "created_at", "edited_at", "updated_at", "replies_count", "reblogs_count",
    "favourites_count", "has_media", "emojis",
]  # fmt: skip


def _address(index: int, in_wave: bool) -> tuple[str, str]:
    """(sign-up address, its network): the wave from one /24, a third of it from one address; everyone else
    from addresses spread over many networks."""
    if in_wave:
        host = 7 if index % 3 == 0 else 10 + index % 240
        return f"198.51.100.{host}", "198.51.100.0/24"
    a, b, c = index % 200 + 1, index // 200 % 250, index % 97 + 1
    return f"10.{a}.{b}.{c}", f"10.{a}.{b}.0/24"


def seed_waves(n_accounts: int, n_recent: int, n_wave: int, n_follows: int, n_posts: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from caravan.ids import id_from_time, lowest_id_at
    from caravan.signup import create_admin

    vendor, base, rng = connection.vendor, settings.BASE_URL, random.Random(20261129)
    now = datetime.now(UTC)
    wave_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    moments = [now - timedelta(days=365) * rng.random() for _ in range(n_accounts - n_recent)]
    moments += [now - timedelta(hours=48) * rng.random() for _ in range(n_recent - n_wave)]
    moments += [wave_hour + timedelta(minutes=59) * rng.random() for _ in range(n_wave)]
    order = sorted(range(n_accounts), key=moments.__getitem__)  # inserted in time order, as they signed up
    ids = [id_from_time(moment) for moment in moments]
    names = [f"u{i:06d}" for i in range(n_accounts)]
    wave = set(range(n_accounts - n_wave, n_accounts))
    admin = create_admin("moderator", "correct horse battery")
    invite_id = 1
    with transaction.atomic():
        seed._log(f"{n_accounts} accounts ({n_recent} in the last 48 hours, a wave of {n_wave})")
        seed._insert(
            "instance_invite",
            ["id", "code", "created_by_id", "max_uses", "uses", "expires_at", "created_at"],
            [(invite_id, "benchwave", admin.pk, None, n_wave, None, seed._ts(now, vendor))],
        )
        seed._insert(
            "accounts_account",
            ACCOUNT_COLUMNS,
            (
                (ids[i], names[i], "", "", "", "", "[]", "", "", "", "", False, False, False, True,
                 f"{base}/users/{names[i]}", f"{base}/@{names[i]}", "", "", "", "", "", "", "", "", "", "[]",
                 0, 0, 0, seed._ts(moments[i], vendor), seed._ts(moments[i], vendor))
                for i in order
            ),
        )  # fmt: skip
        seed._insert(
            "accounts_user",
            USER_COLUMNS,
            (
                ("!unusable", False, names[i], "", "", f"{names[i]}@{'wave.example' if i in wave else f'mail{i % 500}.example'}",
                 False, True, seed._ts(moments[i], vendor), ids[i], True, "", "", "public", False, "",
                 invite_id if i in wave else None, "user", *_address(i, i in wave), "[]")
                for i in order
            ),
        )  # fmt: skip
        seed._log(f"{n_follows} follows")
        wave_list = sorted(wave)
        pairs: set[tuple[int, int]] = set()
        for i in wave_list:
            for j in rng.sample(wave_list, min(11, n_wave)):
                if j != i:
                    pairs.add((i, j))
        while len(pairs) < n_follows:
            i, j = rng.randrange(n_accounts), rng.randrange(n_accounts)
            if i != j:
                pairs.add((i, j))
        follow_at = seed._ts(now, vendor)
        first_follow_id = lowest_id_at(now - timedelta(days=1))
        seed._insert(
            "social_follow",
            [
                "id",
                "account_id",
                "target_account_id",
                "show_reblogs",
                "notify",
                "languages",
                "uri",
                "created_at",
            ],
            (
                (first_follow_id + k, ids[i], ids[j], True, False, None, "", follow_at)
                for k, (i, j) in enumerate(sorted(pairs))
            ),
        )
        seed._log(f"{n_posts} posts in the last 48 hours")
        tags = [f"topic{t}" for t in range(50)] + ["cheapwatches"]
        seed._insert(
            "posts_tag",
            ["id", "name", "display_name", "created_at"],
            ((t + 1, name, name, follow_at) for t, name in enumerate(tags)),
        )
        authors = [rng.randrange(n_accounts) for _ in range(n_posts)] + wave_list
        times = [now - timedelta(hours=48) * rng.random() for _ in range(n_posts)]
        times += [wave_hour + timedelta(minutes=30)] * n_wave
        post_rows, post_tags = [], []
        for index, (author, moment) in enumerate(zip(authors, times, strict=True)):
            pid = id_from_time(moment)
            if index >= n_posts:
                text, tag = "Buy now #cheapwatches", len(tags)
                html = '<p>Buy now <a href="https://wave.example/buy">wave.example/buy</a></p>'
            elif rng.random() < 0.1:
                tag = rng.randrange(50) + 1
                text = f"morning tea #{tags[tag - 1]}"
                html = f'<p>morning tea <a href="https://news{tag}.example/{index}">link</a></p>'
            else:
                text, tag, html = "morning tea by the river", None, "<p>morning tea by the river</p>"
            when = seed._ts(moment, vendor)
            post_rows.append(
                (pid, ids[author], f"{base}/users/{names[author]}/statuses/{pid}", "", text, html, "", False,
                 "public", "en", None, None, "", pid, None, True, False, "", when, None, when, 0, 0, 0, False,
                 "[]")
            )  # fmt: skip
            if tag is not None:
                post_tags.append((pid, tag))
        seed._insert("posts_post", POST_COLUMNS, post_rows)
        seed._insert("posts_posttag", ["post_id", "tag_id"], post_tags)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--recent", type=int, default=8_000, help="accounts made in the last 48 hours")
    parser.add_argument("--wave", type=int, default=300)
    parser.add_argument("--follows", type=int, default=300_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seed.fresh_database(DATA_DIR)
    from django.conf import settings
    from django.test import Client

    from caravan.accounts.models import User
    from caravan.moderation.waves import waves_report

    started = time.monotonic()
    seed_waves(args.accounts, args.recent, args.wave, args.follows, args.posts)
    seed._log(f"seeded in {time.monotonic() - started:.0f} s")

    client = Client(HTTP_HOST=settings.DOMAIN)
    moderator = User.objects.get(username="moderator")
    client.force_login(moderator)
    timings = []
    for _ in range(args.runs):
        begun = time.perf_counter()
        response = client.get("/moderation/waves")
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, response.status_code
    report = waves_report(moderator)
    print("page server time (ms): " + ", ".join(f"{t:.0f}" for t in timings))
    print(f"median {statistics.median(timings):.0f} ms over {args.runs} runs")
    print(
        f"found: {report.total_new} new accounts ({report.accounts_read} grouped); "
        f"largest email domain {report.email_domains[0].key if report.email_domains else '-'} "
        f"({report.email_domains[0].size if report.email_domains else 0}); "
        f"addresses {[(c.key, c.size) for c in report.addresses[:3]]}; "
        f"networks {[(c.key, c.size) for c in report.networks[:3]]}; "
        f"invites {[c.size for c in report.invites]}; busy hours {[c.size for c in report.busy_hours]}; "
        f"rings {[r.size for r in report.rings]}; "
        f"top hashtag bursts {[(b.value, b.accounts) for b in report.hashtag_bursts[:3]]}; "
        f"top link bursts {[(b.value, b.accounts) for b in report.link_bursts[:3]]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
