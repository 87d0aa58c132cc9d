"""Benchmark: one post's notifications pushed to 10,000 Web Push subscriptions on a loopback push service.

    .venv/bin/python bench/push_fanout.py                      # 10,000 subscriptions, fresh SQLite in bench/out/
    .venv/bin/python bench/push_fanout.py --subscriptions 2000

Seeds its own database (bulk inserts: 10,000 accounts with users, tokens and push subscriptions, each with
its own P-256 key and auth secret as a browser makes them), starts a push service in another process (aiohttp
on 127.0.0.1, answering 201 and counting), then records one notification per subscriber for one post through
`notifications.services.notify_many` (the transaction that writes them queues the `deliver_push` task) and
runs the queue with the worker's own code. The clock runs from the commit to the push service's 10,000th
request. A sample of the pushes is decrypted with the subscribers' keys and the VAPID signature checked.
Target: within 10 s. The breakdown (building messages, encrypting, sending) is measured on a second pass.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))  # tests.push.receiver: the same decryption and VAPID check the tests use


def push_service() -> None:
    """The loopback push service (run as `push_fanout.py --serve`): answers every POST with 201, counts them,
    keeps the first 20; `GET /count` and `GET /sample` report. Prints its port on the first line."""
    import base64
    import json

    from aiohttp import web

    count = 0
    sample: list[dict] = []

    async def receive(request: web.Request) -> web.Response:
        nonlocal count
        body = await request.read()
        count += 1
        if len(sample) < 20:
            sample.append(
                {
                    "path": request.path,
                    "headers": dict(request.headers),
                    "body": base64.b64encode(body).decode(),
                }
            )
        return web.Response(status=201)

    async def report_count(request: web.Request) -> web.Response:
        return web.Response(text=str(count))

    async def report_sample(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps(sample))

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/count", report_count)
        app.router.add_get("/sample", report_sample)
        app.router.add_post("/{tail:.*}", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
        await site.start()
        print(site._server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def seed(n: int, origin: str) -> tuple[object, dict[int, object]]:
    """n accounts with users, tokens and subscriptions (bulk), and the author; returns (author, keys by
    subscription account id for a sample)."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application
    from tests.push.receiver import BrowserKeys

    from caravan.accounts.models import Account, User
    from caravan.push.models import ALERT_TYPES, PushSubscription
    from caravan.signup import register_user

    author = register_user(username="author", password="correct horse battery", agreement=True).account  # noqa: S106
    app = Application.objects.create(
        name="bench", client_type="confidential", authorization_grant_type="authorization-code"
    )
    accounts = [
        Account(username=f"sub{i}", domain="", uri=f"{origin}/users/sub{i}", display_name=f"Subscriber {i}")
        for i in range(n)
    ]
    Account.objects.bulk_create(accounts, batch_size=2000)
    users = [
        User(username=a.username, account=a, password="!", locale="ar" if i % 2 else "en")  # noqa: S106
        for i, a in enumerate(accounts)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    expires = timezone.now() + timedelta(days=365)
    tokens = [
        AccessToken(user=u, application=app, token=f"bench-token-{i}", expires=expires, scope="read push")
        for i, u in enumerate(users)
    ]
    AccessToken.objects.bulk_create(tokens, batch_size=2000)
    kept: dict[int, object] = {}
    subscriptions = []
    for i, (account, token) in enumerate(zip(accounts, tokens, strict=True)):
        keys = BrowserKeys()
        kept[account.id] = keys
        subscriptions.append(
            PushSubscription(
                access_token=token,
                account=account,
                endpoint=f"{origin}/push/{i}",
                key_p256dh=keys.p256dh,
                key_auth=keys.auth,
                standard=True,
                alerts=dict.fromkeys(ALERT_TYPES, True),
            )
        )
    PushSubscription.objects.bulk_create(subscriptions, batch_size=2000)
    return author, kept


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        push_service()
        return

    data_dir = BENCH_DIR / "out" / f"push-{int(time.time())}"
    data_dir.mkdir(parents=True)
    os.environ.setdefault("CARAVAN_DATA_DIR", str(data_dir))
    os.environ["CARAVAN_FEDERATION_ALLOW_PRIVATE"] = "1"  # the push service is on loopback
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")

    service = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    origin = f"http://127.0.0.1:{service.stdout.readline().strip()}"

    def delivered() -> int:
        return int(urllib.request.urlopen(f"{origin}/count", timeout=30).read())  # noqa: S310 - loopback

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from tests.push.receiver import Received, verify_vapid

    from caravan.instance.vapid import public_key
    from caravan.notifications.models import Notification
    from caravan.notifications.services import notify_many
    from caravan.publishing.posting import create_post
    from caravan.push import sending
    from caravan.worker import run_pending_tasks

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    author, keys = seed(args.subscriptions, origin)
    print(f"seeded {args.subscriptions:,} subscriptions in {time.perf_counter() - started:.1f} s")
    post = create_post(author, "The caravan leaves at dawn: bring water, bring friends.")
    run_pending_tasks()
    from caravan.accounts.models import Account

    recipients = list(Account.objects.filter(username__startswith="sub", domain=""))
    server_key = public_key()

    with transaction.atomic():
        made = notify_many([(recipient, "status", author, post) for recipient in recipients])
    committed = time.perf_counter()
    run_pending_tasks()
    while (done := delivered()) < len(made) and time.perf_counter() - committed < 120:
        time.sleep(0.05)
    total = time.perf_counter() - committed
    print(f"{done:,} of {len(made):,} pushes delivered {total:.2f} s after the commit (target: 10 s)")

    checked = 0
    by_endpoint = {f"/push/{i}": account for i, account in enumerate(recipients)}
    for item in json.loads(urllib.request.urlopen(f"{origin}/sample", timeout=30).read()):  # noqa: S310
        path = item["path"]
        received = Received(path, item["headers"], base64.b64decode(item["body"]), 201)
        verify_vapid(received, server_key, origin)
        payload = keys[by_endpoint[path].id].decrypt(received)
        assert payload["notification_type"] == "status" and payload["body"].startswith("The caravan")
        checked += 1
    print(f"{checked} sampled pushes decrypted with their subscriber's key, VAPID signature verified")

    ids = [n.id for n in Notification.objects.filter(post=post)]
    t0 = time.perf_counter()
    messages = sending.messages_for(ids)
    t1 = time.perf_counter()
    sending.encrypt(messages)
    t2 = time.perf_counter()
    results = asyncio.run(sending._post_all(messages))
    t3 = time.perf_counter()
    ok = sum(1 for status, _, _ in results if status == 201)
    errors: dict[str, int] = {}
    for status, error, _ in results:
        if status != 201:
            errors[f"{status} {error[:80]}"] = errors.get(f"{status} {error[:80]}", 0) + 1
    if errors:
        print("failures:", errors)
    print(
        f"second pass, {len(messages):,} messages: build {t1 - t0:.2f} s, encrypt {t2 - t1:.2f} s, "
        f"send {t3 - t2:.2f} s ({ok:,} answered 201; {len(messages) / (t3 - t2):,.0f} requests/s)"
    )
    service.terminate()
    service.wait()


if __name__ == "__main__":
    main()
