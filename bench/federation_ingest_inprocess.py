"""Federation figure, in one process: how fast queued Create(Note) activities become posts (the
`process_inbox` task plus the feed fan-out it enqueues), with and without the client API's streaming listener.

    python bench/federation_ingest_inprocess.py [--activities 3000]

This isolates the inbox processing from HTTP; bench/federation_ingest.py measures the whole server. Each
variant runs in a fresh child process with its own SQLite database (or PostgreSQL database when DATABASE_URL
is set, created and dropped here).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import os, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import orjson
from caravan import events
from caravan.profiles import upsert_remote_account
from caravan.signup import register_user
from caravan.federation.inbox import process_queued
from caravan.federation.models import InboxItem
from caravan.relationships import accept_follow_request, follow
from caravan.worker import run_pending_tasks

count, detach = int(sys.argv[1]), sys.argv[2] == "detach"
if detach:
    for name in list(events._listeners):
        events._listeners[name] = [f for f in events._listeners[name] if "streaming" not in f.__module__]
alice = register_user(username="alice", password="correct horse battery", agreement=True).account
authors = []
for a in range(50):
    uri = f"https://remote{a % 5}.example/users/actor{a}"
    author = upsert_remote_account(uri, username=f"actor{a}", domain=f"remote{a % 5}.example",
                                   inbox_url=uri + "/inbox", followers_url=uri + "/followers")
    follow(alice, author)
    accept_follow_request(author, alice)
    authors.append(author)
run_pending_tasks(raise_on_failure=False)
items = []
for n in range(count):
    author = authors[n % len(authors)]
    note = {"id": f"{author.uri}/statuses/{n}", "type": "Note", "attributedTo": author.uri,
            "content": f"<p>note {n} #bench</p>", "published": "2026-01-01T00:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [author.followers_url],
            "tag": [{"type": "Hashtag", "name": "#bench"}]}
    activity = {"id": note["id"] + "/activity", "type": "Create", "actor": author.uri, "object": note}
    items.append(InboxItem(signer=author, body=orjson.dumps(activity)))
InboxItem.objects.bulk_create(items)
started = time.perf_counter()
processed = process_queued()
applied = time.perf_counter() - started
run_pending_tasks(raise_on_failure=False)
total = time.perf_counter() - started
print(f"{processed} {applied:.3f} {total:.3f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=3000)
    args = parser.parse_args()
    for variant, label in (
        ("attach", "as shipped (API streaming listener attached)"),
        ("detach", "federation path alone (streaming listener detached)"),
    ):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "caravan.settings",
            "CARAVAN_FAST_PASSWORD_HASHER": "1",
            "CARAVAN_DATA_DIR": tempfile.mkdtemp(prefix="caravan-bench-inproc-"),
        }
        db_name = ""
        if os.environ.get("DATABASE_URL"):
            import psycopg

            db_name = f"bench_fed_inproc_{os.getpid()}"
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
                conn.execute(f'CREATE DATABASE "{db_name}"')
            env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + db_name
        try:
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.activities), variant],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            processed, applied, total = int(out[0]), float(out[1]), float(out[2])
            print(
                f"{label}: {processed} Create(Note) applied in {applied:.2f} s "
                f"({processed / applied:,.0f}/s); with their feed fan-out {total:.2f} s "
                f"({processed / total:,.0f}/s)  [run {time.perf_counter() - started:.0f} s]"
            )
        finally:
            if db_name:
                import psycopg

                with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
