"""Federation figure: how many signed Create(Note) activities per second one Caravan server ingests.

python bench/federation_ingest.py [--activities 3000] [--concurrency 32] [--actors 50]

Starts a real `caravan serve` (SQLite, or PostgreSQL when DATABASE_URL is set) on 127.0.0.2, a host of remote
actors on 127.0.0.9 (their actor documents and keys), then POSTs pre-signed activities to the shared inbox
over keep-alive connections. The clock runs from the first request to the moment every note is stored as a
Post (checked in the server's database), so the figure is ingest into domain objects, not just "202 Accepted".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402
from aiohttp import ClientSession, TCPConnector, web  # noqa: E402
from tests.federation.conftest import keypair  # noqa: E402
from tests.federation.harness import CARAVAN, Server, free_port, wait_until  # noqa: E402

from caravan.federation.signatures import sign_request  # noqa: E402

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def actor_host(count: int, port: int) -> tuple[web.AppRunner, list[dict]]:
    base = f"http://127.0.0.9:{port}"
    private, public = (
        keypair()
    )  # one key for all actors keeps start-up short; each actor still has its own id
    actors = []
    for index in range(count):
        uri = f"{base}/users/actor{index}"
        actors.append(
            {
                "doc": {
                    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": uri,
                    "type": "Person",
                    "preferredUsername": f"actor{index}",
                    "inbox": f"{uri}/inbox",
                    "followers": f"{uri}/followers",
                    "endpoints": {"sharedInbox": f"{base}/inbox"},
                    "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public},
                },
                "private": private,
            }
        )
    by_path = {f"/users/actor{i}": orjson.dumps(a["doc"]) for i, a in enumerate(actors)}

    async def get_actor(request: web.Request) -> web.Response:
        body = by_path.get(request.path)
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, content_type="application/activity+json")

    async def inbox(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202)

    app = web.Application()
    app.router.add_get("/users/{name}", get_actor)
    app.router.add_post("/{tail:.*}", inbox)
    return web.AppRunner(app), actors


async def run(args) -> None:
    port = free_port("127.0.0.9")
    runner, actors = actor_host(args.actors, port)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.9", port).start()

    root = Path(args.data or tempfile.mkdtemp(prefix="caravan-bench-ingest-"))
    env = {"CARAVAN_LOG_LEVEL": "ERROR"}
    if args.accept_only:
        env["CARAVAN_EMBEDDED_WORKER"] = "0"  # measure the inbox front alone: nothing applies the queue
    if args.worker_process:
        env["CARAVAN_EMBEDDED_WORKER"] = "0"
    server = Server(0, root, env)
    server.start()
    worker_process = None
    if args.worker_process:
        # The scale-out shape: the web process only accepts; a `caravan worker` process applies the queue.
        import subprocess

        worker_process = subprocess.Popen(
            [CARAVAN, "worker"],
            env={**server.env, "CARAVAN_EMBEDDED_WORKER": "1"},
            stdout=server.log,
            stderr=subprocess.STDOUT,
        )
    try:
        alice = server.call("create_user", username="alice")["uri"]
        inbox = f"{server.base_url}/inbox"
        bodies = []
        for n in range(args.activities):
            actor = actors[n % len(actors)]
            uri = actor["doc"]["id"]
            note = {
                "id": f"{uri}/statuses/{n}",
                "type": "Note",
                "attributedTo": uri,
                "content": f'<p>note {n} for <a href="{alice}">@alice</a> #bench</p>',
                "published": "2026-01-01T00:00:00Z",
                "to": [PUBLIC],
                "cc": [f"{uri}/followers"],
                "tag": [
                    {"type": "Mention", "href": alice, "name": "@alice"},
                    {"type": "Hashtag", "name": "#bench"},
                ],
            }
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{note['id']}/activity",
                "type": "Create",
                "actor": uri,
                "to": note["to"],
                "cc": note["cc"],
                "object": note,
            }
            body = orjson.dumps(activity)
            headers = sign_request(
                "POST", inbox, key_id=f"{uri}#main-key", private_key_pem=actor["private"], body=body
            )
            bodies.append((body, headers))

        # Warm-up: every actor is fetched once (key cache), outside the timing.
        async with ClientSession(connector=TCPConnector(limit=args.concurrency)) as session:
            warm = []
            for actor in actors:
                uri = actor["doc"]["id"]
                follow = orjson.dumps(
                    {"id": f"{uri}#warm", "type": "Like", "actor": uri, "object": f"{uri}/x"}
                )
                warm.append(
                    (
                        follow,
                        sign_request(
                            "POST",
                            inbox,
                            key_id=f"{uri}#main-key",
                            private_key_pem=actor["private"],
                            body=follow,
                        ),
                    )
                )
            await asyncio.gather(*(session.post(inbox, data=b, headers=h) for b, h in warm))
        # alice follows every actor (their Accept recorded directly): the notes are for her home timeline.
        for actor in actors:
            server.call("follow_accepted", username="alice", uri=actor["doc"]["id"])
        async with ClientSession(connector=TCPConnector(limit=args.concurrency)) as session:
            statuses: dict[int, int] = {}
            queue = list(range(len(bodies)))

            async def worker() -> None:
                while queue:
                    index = queue.pop()
                    body, headers = bodies[index]
                    async with session.post(inbox, data=body, headers=headers) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            accepted = time.perf_counter() - started

        def stored() -> int:
            if server.database_url:
                import psycopg

                with psycopg.connect(server.database_url) as conn:
                    return conn.execute("SELECT count(*) FROM posts_post WHERE local = false").fetchone()[0]
            with sqlite3.connect(server.data_dir / "caravan.sqlite3") as conn:
                return conn.execute("SELECT count(*) FROM posts_post WHERE local = 0").fetchone()[0]

        print(
            f"  answered {statuses} in {accepted:.2f} s: "
            f"{args.activities / accepted:,.0f} verified and queued/s",
            flush=True,
        )
        if args.accept_only:
            return
        wait_until(
            lambda: stored() >= args.activities, timeout=args.timeout, interval=0.05, what="every note stored"
        )
        total = time.perf_counter() - started
        database = "PostgreSQL" if server.database_url else "SQLite"
        print(
            f"federation ingest ({database}): {args.activities} signed Create(Note) "
            f"from {args.actors} actors, "
            f"concurrency {args.concurrency}"
        )
        print(f"  responses: {statuses}")
        print(f"  all answered in {accepted:.2f} s; all stored as posts in {total:.2f} s")
        print(f"  ingest rate: {args.activities / total:,.0f} activities/s")
    finally:
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=10)
        server.close()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=3000)
    parser.add_argument("--actors", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--data", default="")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--worker-process", action="store_true", help="apply the queue in a `caravan worker`")
    parser.add_argument(
        "--accept-only", action="store_true", help="no worker: measure verified acceptance only"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
    main()
