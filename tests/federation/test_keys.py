"""Keys of remote actors: fetched when unknown, fetched again once when a signature fails with the stored key
(the actor rotated it), and identity always taken from the URL fetched."""

import asyncio
import contextlib
import threading
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from aiohttp import web

from tests.federation.harness import free_port


@pytest.fixture
def actor_host():
    """A loopback server publishing actor documents: documents[path] = dict."""
    documents: dict[str, dict] = {}
    port = free_port("127.0.0.1")

    async def serve(request):
        document = documents.get(request.path)
        if document is None:
            return web.Response(status=404)
        return web.Response(body=orjson.dumps(document), content_type="application/activity+json")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", documents
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def _actor(base: str, name: str, public_pem: str) -> dict:
    uri = f"{base}/users/{name}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": uri,
        "type": "Person",
        "preferredUsername": name,
        "inbox": f"{uri}/inbox",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
    }


def _post(client, activity: dict, key_id: str, private_pem: str):
    from django.conf import settings

    from caravan.federation.signatures import sign_request

    body = orjson.dumps(activity)
    headers = sign_request(
        "POST", f"{settings.BASE_URL}/inbox", key_id=key_id, private_key_pem=private_pem, body=body
    )
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    return client.post("/inbox", data=body, content_type="application/activity+json", **meta)


def test_unknown_key_is_fetched_and_a_rotated_key_refetched_once(client, make_account, keys, actor_host):
    from caravan.accounts.models import Account
    from caravan.social.models import Follow

    alice = make_account("alice")
    base, documents = actor_host
    (old_private, old_public), (new_private, new_public) = keys[0], keys[1]
    documents["/users/carol"] = _actor(base, "carol", old_public)
    uri = f"{base}/users/carol"
    follow = {"id": f"{uri}#follows/1", "type": "Follow", "actor": uri, "object": alice.uri}
    assert _post(client, follow, f"{uri}#main-key", old_private).status_code == 202
    carol = Account.objects.get(uri=uri)
    assert carol.public_key_pem == old_public and carol.domain == base.split("//")[1]
    # carol rotates her key; our stored copy is a day old.
    documents["/users/carol"] = _actor(base, "carol", new_public)
    Account.objects.filter(pk=carol.pk).update(fetched_at=datetime.now(UTC) - timedelta(days=1))
    undo = {"id": f"{uri}#follows/1/undo", "type": "Undo", "actor": uri, "object": follow}
    assert _post(client, undo, f"{uri}#main-key", new_private).status_code == 202
    carol.refresh_from_db()
    assert carol.public_key_pem == new_public
    assert not Follow.objects.filter(account=carol, target_account=alice).exists()
    # A key that matches neither the stored nor the published key is refused.
    Account.objects.filter(pk=carol.pk).update(fetched_at=datetime.now(UTC) - timedelta(days=1))
    again = {**follow, "id": f"{uri}#follows/2"}
    assert _post(client, again, f"{uri}#main-key", old_private).status_code == 401


def test_a_document_claiming_another_id_is_not_believed(make_account, actor_host, keys):
    from caravan.federation.actors import fetch_actor
    from caravan.federation.network import FetchError

    base, documents = actor_host
    victim = _actor(base, "victim", keys[0][1])
    documents["/users/victim"] = victim
    # The attacker's document says it is the victim (CVE-2024-23832): fetching it must not yield the victim.
    documents["/users/attacker"] = {**_actor(base, "attacker", keys[1][1]), "id": victim["id"]}
    account = None
    with contextlib.suppress(FetchError):
        account = fetch_actor(f"{base}/users/attacker")
    if account is not None:
        # Re-fetched from the id it claimed: we got the real victim document and its real key.
        assert account.uri == victim["id"] and account.public_key_pem == keys[0][1]
    documents["/users/attacker"] = {
        **_actor(base, "attacker", keys[1][1]),
        "id": "http://127.0.0.1:1/users/x",
    }
    with pytest.raises(FetchError):
        fetch_actor(f"{base}/users/attacker")


def test_announce_of_an_unknown_post_fetches_it_from_its_origin(client, make_account, keys, actor_host):
    from caravan.posts.models import Post
    from caravan.relationships import accept_follow_request, follow

    alice = make_account("alice")
    base, documents = actor_host
    private, public = keys[0]
    documents["/users/booster"] = _actor(base, "booster", public)
    documents["/users/author"] = _actor(base, "author", keys[1][1])
    note_id = f"{base}/users/author/statuses/1"
    documents["/users/author/statuses/1"] = {
        "id": note_id,
        "type": "Note",
        "attributedTo": f"{base}/users/author",
        "content": "<p>the original</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2024-01-01T00:00:00Z",
    }
    booster = f"{base}/users/booster"
    hello = {"id": f"{booster}#follows/9", "type": "Follow", "actor": booster, "object": alice.uri}
    assert _post(client, hello, f"{booster}#main-key", private).status_code == 202
    from caravan.accounts.models import Account

    follow(alice, Account.objects.get(uri=booster))
    accept_follow_request(Account.objects.get(uri=booster), alice)
    # The embedded copy lies about the content: only the fetched original counts.
    announce = {
        "id": f"{booster}/statuses/2/activity",
        "type": "Announce",
        "actor": booster,
        "object": {
            "id": note_id,
            "type": "Note",
            "content": "<p>forged</p>",
            "attributedTo": f"{base}/users/author",
        },
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    assert _post(client, announce, f"{booster}#main-key", private).status_code == 202
    original = Post.objects.get(uri=note_id)
    assert "the original" in original.content and original.account.uri == f"{base}/users/author"
    assert Post.objects.filter(reblog_of=original, account__uri=booster).exists()
