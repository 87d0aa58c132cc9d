"""What a home page past a trimmed feed's edge costs (decision 0043): pages computed by the fan-out rule from the
reader's side (`rebuilt_home_ids` and `load_posts`), against the stored pages at the same depth.

    python bench/home_feed_rebuilt.py           # the seeded SQLite database (bench/out/data-sqlite)
    DATABASE_URL=postgres://root@127.0.0.1:5432/bench_core python bench/home_feed_rebuilt.py

Read-only: it trims nothing (the seeded reader's feed is whole, so stored and computed pages can be compared
at any depth) and needs a database seeded by bench/seed.py.
"""

import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(BENCH_DIR))
    import seed

    seed.setup_django()
    from django.db import connection

    from caravan.pagination import Page, paginate
    from caravan.posts.selectors import load_posts
    from caravan.timelines.models import FeedEntry
    from caravan.timelines.selectors import rebuilt_home_ids

    info = seed.ensure_seeded()
    reader = info["reader"]
    feed = list(FeedEntry.objects.filter(owner=reader).order_by("-post_id").values_list("post_id", flat=True))
    rng = random.Random(7)
    edges = [feed[800]] + [
        rng.choice(feed[800:]) for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
    ]

    def timed(read) -> tuple[float, list[int]]:
        started = time.perf_counter()
        ids = read()
        load_posts(ids)
        return (time.perf_counter() - started) * 1000, ids

    stored_ms, rebuilt_ms, same = [], [], 0
    for edge in edges:
        page = Page(max_id=edge, limit=40)
        ms, stored = timed(
            lambda page=page: paginate(
                FeedEntry.objects.filter(owner=reader).values_list("post_id", flat=True), page, key="post_id"
            )
        )
        stored_ms.append(ms)
        ms, rebuilt = timed(lambda page=page: rebuilt_home_ids(reader, page))
        rebuilt_ms.append(ms)
        same += rebuilt == stored

    def summary(values: list[float]) -> str:
        ordered = sorted(values)
        return f"p50 {ordered[len(ordered) // 2]:6.2f} ms  max {ordered[-1]:6.2f} ms  (n={len(ordered)})"

    print(
        f"{connection.vendor}: reader follows {info['reader_following']}, feed {len(feed)} entries; pages of 40 "
        "below the 800th entry"
    )
    print(f"stored page + load_posts  : {summary(stored_ms)}")
    print(f"rebuilt page + load_posts : {summary(rebuilt_ms)}")
    print(f"rebuilt page equal to the stored one: {same} of {len(edges)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
