"""Seed a large, reproducible Caravan database for the core benchmarks (bulk inserts, not the services).

    python bench/seed.py --accounts 10000 --posts 1000000   # into CARAVAN_DATA_DIR (SQLite) or DATABASE_URL

What it makes (fixed random seed: two runs give the same graph, texts and mix; ids and dates are relative
to the day of seeding, since posts span the past year):
- `accounts` local accounts with their users (`reader`, `celebrity`, then user00002...); passwords unusable.
- a power-law follow graph: follow targets drawn with weight 1/rank**0.7 (a few accounts gain thousands of
  followers), per-account following counts log-normal (median ~20); `celebrity` has exactly 5,000 local
  followers (capped by `accounts`); `reader` follows exactly 500 accounts, celebrity among them.
- `posts` posts spread uniformly over the past year, ids made the way `caravan.ids.id_from_time` makes them
  (milliseconds << 16 | sequence; the sequence here is deterministic), 75% public / 15% unlisted / 10%
  followers-only, 10% replies to a recent post (same thread root), 10% with one or two of 200 hashtags.
  No search index rows, no media, no boosts, no direct messages.
- the FeedEntry rows the fan-out would have written (followers of the author, replies to others only for
  followers of both, the author's own posts), built with set-based INSERT ... SELECT. Every feed is capped at
  the newest `feed_depth` entries (default 800) to keep seeding fast, except the reader's feed, which is
  complete (~50k rows), so deep pages in the benchmark read a real feed.
- the trim sweep's mark (decision 0043) past every seeded entry, as if the sweep had looked at them all: the
  worker of every server started on the seed would otherwise sweep millions of entries first, competing with
  what is measured, and trim the reader's feed at some moment of some run. Entries added later are swept.

The database is reused when a previous seed with the same parameters finished (table `bench_seed`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SEED = 20261121
READER = "reader"
CELEBRITY = "celebrity"
CELEBRITY_FOLLOWERS = 5000
READER_FOLLOWS = 500
YEAR_MS = 365 * 24 * 3600 * 1000
TAG_COUNT = 200
WORDS = (  # noqa: SIM905
    "caravan road river desert market bread tea morning night city village friend letter garden rain wind "
    "music book window train harbour mountain story photo coffee bridge lantern song walk cloud sea light"
).split()


def setup_django() -> None:
    """Configure Django from DATABASE_URL / CARAVAN_DATA_DIR (default: bench/out/data-sqlite)."""
    os.environ.setdefault("CARAVAN_DATA_DIR", str(BENCH_DIR / "out" / "data-sqlite"))
    os.environ.setdefault("CARAVAN_FAST_PASSWORD_HASHER", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
    import django

    django.setup()


def fresh_database(data_dir: Path) -> None:
    """For a bench that seeds its own data: a new SQLite database in `data_dir` (or the PostgreSQL database
    DATABASE_URL names, which must be empty), Django set up and migrated."""
    if "DATABASE_URL" not in os.environ:
        shutil.rmtree(data_dir, ignore_errors=True)
        os.environ["CARAVAN_DATA_DIR"] = str(data_dir)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _log(message: str) -> None:
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _insert(table: str, columns: list[str], rows, batch: int = 5000) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany in batches on SQLite."""
    from django.db import connection

    count = 0
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


ACCOUNT_DEFAULTS = {
    "display_name": "",
    "note": "",
    "note_html": "",
    "fields": "[]",
    "avatar": "",
    "header": "",
    "avatar_remote_url": "",
    "header_remote_url": "",
    "locked": False,
    "bot": False,
    "group": False,
    "discoverable": True,
    "url": "",
    "inbox_url": "",
    "outbox_url": "",
    "shared_inbox_url": "",
    "followers_url": "",
    "following_url": "",
    "featured_url": "",
    "public_key_pem": "",
    "private_key_pem": "",
    "key_id": "",
    "also_known_as": "[]",
    "followers_count": 0,
    "following_count": 0,
    "statuses_count": 0,
}


def insert_accounts(rows, stamp) -> int:
    """Plain multi-row inserts of accounts: each row a dict with id, username, domain and uri, and any other
    column that differs from ACCOUNT_DEFAULTS; created and updated at `stamp` (from `_ts`)."""
    columns = ["id", "username", "domain", "uri", *ACCOUNT_DEFAULTS, "created_at", "updated_at"]
    return _insert(
        "accounts_account",
        columns,
        (
            (
                row["id"],
                row["username"],
                row["domain"],
                row["uri"],
                *(row.get(name, default) for name, default in ACCOUNT_DEFAULTS.items()),
                stamp,
                stamp,
            )
            for row in rows
        ),
    )


def _ts(moment: datetime, vendor: str):
    # Django stores naive UTC text on SQLite; psycopg adapts aware datetimes itself.
    return moment.replace(tzinfo=None).isoformat(" ") if vendor == "sqlite" else moment


def _draw_distinct(
    rng: random.Random, population: list[int], cum_weights: list[float], k: int, exclude: int
) -> set[int]:
    chosen: set[int] = set()
    k = min(k, len(population) - 1)
    while len(chosen) < k:
        for target in rng.choices(population, cum_weights=cum_weights, k=(k - len(chosen)) * 2 + 4):
            if target != exclude:
                chosen.add(target)
                if len(chosen) >= k:
                    break
    return chosen


def seeded_params() -> dict | None:
    from django.db import connection

    if "bench_seed" not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, value FROM bench_seed")
        return dict(cursor.fetchall())


def ensure_seeded(accounts: int = 10_000, posts: int = 1_000_000, feed_depth: int = 800) -> dict:
    """Seed the configured database unless it already holds this seed; returns facts the benchmarks need."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    wanted = {
        "accounts": str(accounts),
        "posts": str(posts),
        "feed_depth": str(feed_depth),
        "seed": str(SEED),
    }
    found = seeded_params()
    if found is not None and {k: found.get(k) for k in wanted} == wanted:
        _log(f"reusing the seeded {connection.vendor} database ({found})")
    else:
        if found is not None or _has_rows():
            raise SystemExit(
                "The database holds other data; point CARAVAN_DATA_DIR / DATABASE_URL at an empty one."
            )
        started = time.monotonic()
        _seed(accounts, posts, feed_depth)
        elapsed = time.monotonic() - started
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_seed (key varchar(50) PRIMARY KEY, value varchar(200))")
            for key, value in {**wanted, "seconds": f"{elapsed:.0f}"}.items():
                cursor.execute("INSERT INTO bench_seed (key, value) VALUES (%s, %s)", [key, value])
        _log(f"seeded in {elapsed:.0f} s")
    _ensure_keys()
    _mark_feeds_swept()
    return facts()


def _ensure_keys() -> None:
    """Give every account key-sized PEM fields, as federating accounts have (RSA-2048: ~1.7 kB + 0.45 kB).

    They ride along in every post row that selects its author, so leaving them empty would flatter the reads.
    The text is PEM-shaped filler, not a usable key. Idempotent (older seeds get it on their next use).
    """
    from django.db import connection, transaction

    body = "".join(
        random.Random(SEED).choices(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k=1624
        )
    )
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    private = f"-----BEGIN PRIVATE KEY-----\n{lines}\n-----END PRIVATE KEY-----\n"
    public = f"-----BEGIN PUBLIC KEY-----\n{lines[:392]}\n-----END PUBLIC KEY-----\n"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account WHERE private_key_pem = ''")
        if cursor.fetchone()[0]:
            _log("filling key-sized PEM fields")
            cursor.execute(
                "UPDATE accounts_account SET private_key_pem = %s, public_key_pem = %s WHERE domain = ''",
                [private, public],
            )


def _mark_feeds_swept() -> None:
    """Put the trim sweep's mark past the seeded feed entries (see the module's note). Idempotent: once a
    server has run on the seed the mark is its own, and entries added since are left to its sweep."""
    from caravan.timelines.models import FeedEntry, FeedTrimSweep

    if not FeedTrimSweep.objects.exists():
        newest = FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        FeedTrimSweep.objects.create(scanned_through=newest)
        _log(f"trim sweep marked as having looked at the seeded entries (through id {newest})")


def _has_rows() -> bool:
    from caravan.accounts.models import Account

    return Account.objects.exists()


def facts() -> dict:
    from caravan.accounts.models import Account
    from caravan.timelines.models import FeedEntry

    reader = Account.objects.get(username=READER, domain="")
    celebrity = Account.objects.get(username=CELEBRITY, domain="")
    return {
        "reader": reader,
        "celebrity": celebrity,
        "reader_following": reader.following_set.count(),
        "celebrity_followers": celebrity.followers_set.filter(account__domain="").count(),
        "reader_feed_entries": FeedEntry.objects.filter(owner=reader).count(),
    }


def _seed(n_accounts: int, n_posts: int, feed_depth: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from caravan.ids import lowest_id_at

    vendor = connection.vendor
    rng = random.Random(SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    year_ago = now - timedelta(days=365)
    base = settings.BASE_URL

    # Accounts and users. Ids are time-sortable like everywhere else: accounts were made a year and a bit ago.
    names = [READER, CELEBRITY] + [f"user{i:05d}" for i in range(2, n_accounts)]
    account_ids = [lowest_id_at(year_ago - timedelta(days=30)) + i for i in range(n_accounts)]
    joined = _ts(year_ago - timedelta(days=30), vendor)
    with transaction.atomic():
        _log(f"{n_accounts} accounts")
        insert_accounts(
            (
                {
                    "id": aid,
                    "username": name,
                    "domain": "",
                    "uri": f"{base}/users/{name}",
                    "display_name": name.title(),
                    "url": f"{base}/@{name}",
                    "inbox_url": f"{base}/users/{name}/inbox",
                    "outbox_url": f"{base}/users/{name}/outbox",
                    "shared_inbox_url": f"{base}/inbox",
                    "followers_url": f"{base}/users/{name}/followers",
                    "following_url": f"{base}/users/{name}/following",
                    "featured_url": f"{base}/users/{name}/collections/featured",
                    "key_id": f"{base}/users/{name}#main-key",
                }
                for aid, name in zip(account_ids, names, strict=True)
            ),
            joined,
        )
        _insert(
            "accounts_user",
            [
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "account_id",
                "approved",
                "registration_reason",
                "locale",
                "default_visibility",
                "default_sensitive",
                "default_language",
                "role",
                "sign_up_network",
                "sign_up_holds",
                "digits",
                "hijri_dates",
                "time_zone",
                "unconfirmed_email",
            ],
            (
                (
                    "!unusable-bench-password",
                    False,
                    name,
                    "",
                    "",
                    f"{name}@bench.invalid",
                    False,
                    True,
                    joined,
                    aid,
                    True,
                    "",
                    "",
                    "public",
                    False,
                    "",
                    "user",
                    "",
                    "[]",
                    "western",
                    False,
                    "",
                    "",
                )
                for aid, name in zip(account_ids, names, strict=True)
            ),
        )

    # The follow graph. Rank = position in account_ids; the celebrity (rank 1) gets its followers separately.
    _log("follow graph")
    reader_id, celebrity_id = account_ids[0], account_ids[1]
    others = account_ids[2:]
    cum, total = [], 0.0
    for rank in range(len(others)):
        total += 1.0 / (rank + 1) ** 0.7
        cum.append(total)
    shuffled = others[:]
    rng.shuffle(shuffled)  # popularity is independent of the username order
    follows: dict[int, set[int]] = {}
    for aid in others:
        k = max(1, min(1000, int(rng.lognormvariate(3.0, 1.0))))
        follows[aid] = _draw_distinct(rng, shuffled, cum, k, aid)
    follows[reader_id] = _draw_distinct(rng, shuffled, cum, READER_FOLLOWS - 1, reader_id) | {celebrity_id}
    follows[celebrity_id] = _draw_distinct(rng, shuffled, cum, 20, celebrity_id)
    candidates = [a for a in account_ids if a not in (reader_id, celebrity_id)]
    for follower in [reader_id] + rng.sample(candidates, min(CELEBRITY_FOLLOWERS, n_accounts - 1) - 1):
        follows[follower].add(celebrity_id)
    follow_rows = []
    followed_at = _ts(year_ago - timedelta(days=1), vendor)
    next_follow_id = lowest_id_at(year_ago - timedelta(days=1))
    for follower in account_ids:
        for target in sorted(follows.get(follower, ())):
            follow_rows.append((next_follow_id, follower, target, True, False, None, "", followed_at))
            next_follow_id += 1
    with transaction.atomic():
        _log(f"{len(follow_rows)} follows")
        _insert(
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
            follow_rows,
        )
    del follow_rows

    # Posts, in id (= time) order so the indexes fill append-mostly.
    _log(f"{n_posts} posts")
    activity = [rng.lognormvariate(0.0, 1.2) for _ in account_ids]
    act_cum, total = [], 0.0
    for value in activity:
        total += value
        act_cum.append(total)
    authors = rng.choices(account_ids, cum_weights=act_cum, k=n_posts)
    moments = sorted(rng.randrange(YEAR_MS) for _ in range(n_posts))
    start_ms = int(year_ago.timestamp() * 1000)
    tags = [f"topic{i}" for i in range(TAG_COUNT)]
    tag_cum = [math.fsum(1.0 / (j + 1) for j in range(i + 1)) for i in range(TAG_COUNT)]
    sentences = [" ".join(rng.choices(WORDS, k=rng.randint(6, 24))) for _ in range(997)]
    post_ids: list[int] = []
    post_author: list[int] = []
    post_root: list[int] = []
    post_tags: list[tuple[int, int]] = []
    visibilities = ["public"] * 75 + ["unlisted"] * 15 + ["private"] * 10

    def post_rows():
        for i in range(n_posts):
            ms = start_ms + moments[i]
            pid = (ms << 16) | (i & 0xFFFF)
            author = authors[i]
            name = names[author - account_ids[0]]
            moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
            text = sentences[i % len(sentences)]
            reply_to = reply_account = None
            root = pid
            if post_ids and rng.random() < 0.10:
                j = rng.randrange(max(0, len(post_ids) - 5000), len(post_ids))  # replies go to recent posts
                reply_to, reply_account, root = post_ids[j], post_author[j], post_root[j]
            if rng.random() < 0.10:
                chosen = set(rng.choices(range(TAG_COUNT), cum_weights=tag_cum, k=rng.randint(1, 2)))
                text += " " + " ".join(f"#{tags[t]}" for t in sorted(chosen))
                post_tags.extend((pid, t + 1) for t in sorted(chosen))
            post_ids.append(pid)
            post_author.append(author)
            post_root.append(root)
            when = _ts(moment, vendor)
            yield (
                pid,
                author,
                f"{base}/users/{name}/statuses/{pid}",
                f"{base}/@{name}/{pid}",
                text,
                f"<p>{text}</p>",
                "",
                False,
                visibilities[rng.randrange(100)],
                "en",
                reply_to,
                reply_account,
                f"{base}/users/x/statuses/{reply_to}" if reply_to else "",
                root,
                None,
                True,
                False,
                "",
                when,
                None,
                when,
                0,
                0,
                0,
                False,
                "[]",
                "nobody",  # quote_policy: the model's default
            )

    with transaction.atomic():
        _insert(
            "posts_tag",
            ["id", "name", "display_name", "created_at"],
            ((i + 1, t, t, _ts(year_ago, vendor)) for i, t in enumerate(tags)),
        )
        _insert(
            "posts_post",
            [
                "id",
                "account_id",
                "uri",
                "url",
                "text",
                "content",
                "spoiler_text",
                "sensitive",
                "visibility",
                "language",
                "in_reply_to_id",
                "in_reply_to_account_id",
                "in_reply_to_uri",
                "thread_root_id",
                "reblog_of_id",
                "local",
                "imported",
                "original_uri",
                "created_at",
                "edited_at",
                "updated_at",
                "replies_count",
                "reblogs_count",
                "favourites_count",
                "has_media",
                "emojis",
                "quote_policy",
            ],
            post_rows(),
        )
        _log(f"{len(post_tags)} post tags")
        _insert("posts_posttag", ["post_id", "tag_id"], post_tags)
    if vendor == "postgresql":
        # Keep sequences ahead of the explicit ids we wrote.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('posts_tag', 'id'), (SELECT max(id) FROM posts_tag))"
            )

    # Counters, set-based.
    _log("account counters")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET "
            "followers_count = (SELECT count(*) FROM social_follow f"
            " WHERE f.target_account_id = accounts_account.id),"
            "following_count = (SELECT count(*) FROM social_follow f"
            " WHERE f.account_id = accounts_account.id),"
            "statuses_count = (SELECT count(*) FROM posts_post p WHERE p.account_id = accounts_account.id)"
        )

    _materialize_feeds(account_ids, reader_id, follows, authors, feed_depth, start_ms)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _materialize_feeds(account_ids, reader_id, follows, authors, feed_depth, start_ms) -> None:
    """INSERT ... SELECT the fan-out's rows from follows x posts, newest `feed_depth` per owner (reader: all).

    Posts are uniform in time, so each owner's query is limited to the most recent slice of the year expected
    to hold twice its depth (from the exact per-author post counts) before ranking; that keeps the join small.
    """
    from django.db import connection, transaction

    from caravan.ids import lowest_id_at

    posts_by_author: dict[int, int] = {}
    for author in authors:
        posts_by_author[author] = posts_by_author.get(author, 0) + 1
    cutoffs = []
    for owner in account_ids:
        expected = posts_by_author.get(owner, 0) + sum(
            posts_by_author.get(t, 0) for t in follows.get(owner, ())
        )
        if owner == reader_id or expected <= 2 * feed_depth:
            cutoffs.append((owner, 0, 10**9 if owner == reader_id else feed_depth))
            continue
        fraction = 2 * feed_depth / expected
        ms = start_ms + int(YEAR_MS * (1 - fraction))
        cutoffs.append((owner, lowest_id_at(datetime.fromtimestamp(ms / 1000, tz=UTC)), feed_depth))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_feed_cutoff")
        cursor.execute(
            "CREATE TABLE bench_feed_cutoff (owner_id bigint PRIMARY KEY, min_id bigint, depth integer)"
        )
    _insert("bench_feed_cutoff", ["owner_id", "min_id", "depth"], cutoffs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sql = """
        INSERT INTO timelines_feedentry (owner_id, post_id, author_id)
        SELECT owner_id, post_id, author_id FROM (
            SELECT s.owner_id, p.id AS post_id, p.account_id AS author_id, c.depth,
                   ROW_NUMBER() OVER (PARTITION BY s.owner_id ORDER BY p.id DESC) AS rn
            FROM (SELECT account_id AS owner_id, target_account_id AS source_id FROM social_follow
                  WHERE account_id >= %s AND account_id < %s
                  UNION ALL
                  SELECT id, id FROM accounts_account WHERE domain = '' AND id >= %s AND id < %s) s
            JOIN bench_feed_cutoff c ON c.owner_id = s.owner_id
            JOIN posts_post p ON p.account_id = s.source_id AND p.id >= c.min_id
            WHERE p.visibility <> 'direct' AND p.reblog_of_id IS NULL
              AND (s.owner_id = p.account_id OR p.in_reply_to_account_id IS NULL
                   OR p.in_reply_to_account_id = p.account_id
                   OR EXISTS (SELECT 1 FROM social_follow f2 WHERE f2.account_id = s.owner_id
                              AND f2.target_account_id = p.in_reply_to_account_id))
        ) ranked
        WHERE rn <= depth
        ORDER BY owner_id, post_id
    """
    step = 500
    for start in range(0, len(account_ids), step):
        end = start + step
        low = account_ids[start]
        high = account_ids[end] if end < len(account_ids) else account_ids[-1] + 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [low, high, low, high])
        _log(f"feeds for owners {start}..{min(start + step, len(account_ids))}")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_feed_cutoff")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument(
        "--feed-depth", type=int, default=800, help="entries kept per feed (the reader's: all)"
    )
    args = parser.parse_args()
    setup_django()
    info = ensure_seeded(args.accounts, args.posts, args.feed_depth)
    print(
        f"reader follows {info['reader_following']}, feed {info['reader_feed_entries']} entries; "
        f"celebrity has {info['celebrity_followers']} local followers"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
