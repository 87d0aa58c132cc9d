"""Who gets what: deliveries are recorded with the change, one per shared inbox, and follow visibility."""

import orjson

from caravan.federation.models import Delivery


def _inboxes(activity_type: str) -> set[str]:
    return set(Delivery.objects.filter(activity__type=activity_type).values_list("inbox_url", flat=True))


def test_visibility_decides_the_recipients(make_account, make_remote):
    from caravan.publishing import create_post
    from caravan.relationships import follow

    alice = make_account("alice")
    fan1 = make_remote("fan1", "fans.example")
    fan2 = make_remote("fan2", "fans.example")
    other = make_remote("mentioned", "other.example")
    stranger = make_remote("stranger", "strangers.example")
    follow(fan1.account, alice)
    follow(fan2.account, alice)
    assert stranger.account.domain

    create_post(alice, "hello everyone")
    assert _inboxes("Create") == {"https://fans.example/inbox"}  # one request for the two followers there

    Delivery.objects.all().delete()
    create_post(alice, "@mentioned@other.example friends only", visibility="private")
    assert _inboxes("Create") == {"https://fans.example/inbox", "https://other.example/inbox"}

    Delivery.objects.all().delete()
    direct = create_post(alice, "@mentioned@other.example just you", visibility="direct")
    assert _inboxes("Create") == {"https://other.example/inbox"}
    body = orjson.loads(bytes(Delivery.objects.get().activity.body))
    assert body["object"]["to"] == [other.uri] and body["object"]["cc"] == []
    assert body["object"]["id"] == direct.uri


def test_nothing_is_recorded_when_the_change_rolls_back(make_account, make_remote):
    import pytest
    from django.db import transaction

    from caravan.publishing import create_post
    from caravan.relationships import follow

    alice = make_account("alice")
    follow(make_remote("fan", "fans.example").account, alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        create_post(alice, "never mind")
        raise RuntimeError
    assert not Delivery.objects.exists()


def test_deliveries_are_sent_signed_and_marked_done(make_account, make_remote, run_tasks):
    """The sender really POSTs: to a loopback aiohttp receiver standing in for a remote server."""
    import asyncio
    import threading

    from aiohttp import web

    from caravan.federation.signatures import IncomingRequest, parse_request_signature
    from caravan.publishing import create_post
    from caravan.relationships import follow
    from tests.federation.harness import free_port

    received = []
    port = free_port("127.0.0.1")

    async def inbox(request):
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        received.append((IncomingRequest("POST", request.path_qs, headers, body, scheme="http"), body))
        return web.Response(status=500 if len(received) == 1 else 202)

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/inbox", inbox)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        from caravan.profiles import upsert_remote_account

        alice = make_account("alice")
        uri = f"http://127.0.0.1:{port}/users/fan"
        fan = upsert_remote_account(
            uri,
            username="fan",
            domain=f"127.0.0.1:{port}",
            inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"http://127.0.0.1:{port}/inbox",
        )
        follow(fan, alice)
        create_post(alice, "over the wire")
        run_tasks(raise_on_failure=False)
        delivery = Delivery.objects.get(activity__type="Create")
        assert delivery.state == Delivery.PENDING and delivery.attempts == 1 and delivery.last_status == 500
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)  # the retry is due now
        from caravan.federation.sender import deliver_due

        deliver_due()
        delivery.refresh_from_db()
        assert delivery.state == Delivery.DONE and len(received) == 2
        request, body = received[-1]
        alice.refresh_from_db()
        assert parse_request_signature(request).verify(alice.public_key_pem)
        assert orjson.loads(body)["object"]["content"].startswith("<p>over the wire")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def test_a_server_that_keeps_failing_is_skipped_until_it_posts_to_us(
    make_account, make_remote, caravan_settings, client
):
    from caravan.federation.models import UnavailableDomain
    from caravan.federation.sender import deliver_due
    from caravan.profiles import upsert_remote_account
    from caravan.publishing import create_post
    from caravan.relationships import follow
    from tests.federation.harness import free_port

    caravan_settings(FEDERATION_UNAVAILABLE_DAYS=1)  # Mastodon's 7 days, shrunk
    alice = make_account("alice")
    port = free_port("127.0.0.1")  # nothing listens there: connection refused
    domain = f"127.0.0.1:{port}"
    uri = f"http://{domain}/users/gone"
    gone = upsert_remote_account(uri, username="gone", domain=domain, inbox_url=f"{uri}/inbox")
    follow(gone, alice)
    create_post(alice, "anyone there?")
    deliver_due()
    failed = Delivery.objects.get()
    assert failed.state == Delivery.PENDING and failed.attempts == 1 and failed.last_status is None
    assert UnavailableDomain.objects.get(domain=domain).unavailable
    create_post(alice, "still there?")
    assert Delivery.objects.count() == 1  # nothing more is queued for an unavailable server
    # It comes back and posts to us: deliveries resume.
    from caravan.federation.sender import mark_available

    mark_available([domain])
    create_post(alice, "welcome back")
    assert Delivery.objects.count() == 2
