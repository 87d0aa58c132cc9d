"""Federation figure: one post by an author with 10,000 followers on 2,000 servers, until every inbox has it.

python bench/federation_fanout.py [--followers 10000] [--servers 2000]

A real `caravan serve` (with its embedded worker) sends; a separate aiohttp receiver process emulates the
2,000 servers on loopback: host names h0.fanout.test ... h1999.fanout.test, all resolved to 127.0.0.1 through
CARAVAN_FEDERATION_RESOLVE, which the sender's HTTP client honours (so each host is a distinct pool and
per-host limit). The clock runs from the create_post call to the last inbox's first request; the receiver also
counts requests per inbox, so duplicates would show.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402
from tests.federation.harness import Server, free_port, wait_until  # noqa: E402

RECEIVER = r"""
import asyncio, sys, time, orjson
from aiohttp import web
hits, first = {}, {}
async def inbox(request):
    await request.read()
    host = request.headers.get("Host", "")
    key = host + request.path
    hits[key] = hits.get(key, 0) + 1
    first.setdefault(key, time.time())
    return web.Response(status=202)
async def stats(request):
    return web.Response(body=orjson.dumps({"inboxes": len(hits), "requests": sum(hits.values()),
                        "duplicates": sum(v - 1 for v in hits.values()),
                        "last": max(first.values(), default=0),
                        "signed": signed[0]}), content_type="application/json")
signed = [0]
@web.middleware
async def count_signed(request, handler):
    if "Signature" in request.headers:
        signed[0] += 1
    return await handler(request)
app = web.Application(middlewares=[count_signed], client_max_size=2**20)
app.router.add_get("/_stats", stats)
app.router.add_post("/{tail:.*}", inbox)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, backlog=4096, access_log=None)
"""


def seed(server: Server, followers: int, hosts: int, port: int) -> None:
    """Bulk-create the remote followers in the server's database (set-up, not measured)."""
    code = f"""
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "caravan.settings"
django.setup()
from caravan.accounts.models import Account
from caravan.social.models import Follow
from django.db.models import F
alice = Account.objects.get(username="alice", domain="")
accounts = []
for i in range({followers}):
    h = i % {hosts}
    domain = f"h{{h}}.fanout.test:{port}"
    uri = f"http://{{domain}}/users/u{{i}}"
    accounts.append(Account(username=f"u{{i}}", domain=domain, uri=uri, inbox_url=uri + "/inbox",
                            shared_inbox_url=f"http://{{domain}}/inbox", followers_url=uri + "/followers"))
Account.objects.bulk_create(accounts, batch_size=2000)
Follow.objects.bulk_create([Follow(account=a, target_account=alice) for a in accounts], batch_size=2000)
Account.objects.filter(pk=alice.pk).update(followers_count={followers})
print("seeded", len(accounts))
"""
    subprocess.run([sys.executable, "-c", code], env={**server.env}, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=2_000)
    args = parser.parse_args()

    port = free_port("127.0.0.1")
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    root = Path(tempfile.mkdtemp(prefix="caravan-bench-fanout-"))
    server = Server(0, root, {"CARAVAN_FEDERATION_RESOLVE": "fanout.test=127.0.0.1"})
    try:
        server.start()
        server.call("create_user", username="alice")
        seed(server, args.followers, args.servers, port)

        def stats() -> dict:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=5) as response:
                return orjson.loads(response.read())

        wait_until(lambda: stats() is not None, timeout=20, what="receiver")
        started = time.time()
        server.call("post", username="alice", text="Hello, all 10,000 of you!")
        posted = time.time() - started
        wait_until(
            lambda: stats()["inboxes"] >= args.servers,
            timeout=120,
            interval=0.05,
            what="every inbox to receive the post",
        )
        result = stats()
        elapsed = result["last"] - started
        database = "PostgreSQL" if server.database_url else "SQLite"
        print(
            f"federation fan-out ({database}): 1 post, {args.followers} followers on {args.servers} servers"
        )
        print(f"  create_post returned after {posted * 1000:.0f} ms (deliveries recorded in its transaction)")
        print(f"  every shared inbox reached in {elapsed:.2f} s")
        print(
            f"  requests: {result['requests']} for {result['inboxes']} inboxes "
            f"(duplicates {result['duplicates']}, signed {result['signed']})"
        )
    finally:
        server.close()
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
