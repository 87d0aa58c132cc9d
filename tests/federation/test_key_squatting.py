"""Key squatting: an actor whose document claims someone else's key id must not make the real owner's
signatures fail, nor sign as them. A key id belongs to a document on its actor's own server, and the key a
signature is checked with is the one the key id's own document names."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.conf import settings

from caravan.accounts.models import Account
from caravan.social.models import Follow
from tests.federation.inbox_requests import ActorHost, Signer, follow, signed
from tests.federation.test_inbox_front import post_to_view


@pytest.fixture
def hosts():
    """Two servers on two origins: bob's, and mallory's."""
    bob_host, mallory_host = ActorHost(), ActorHost()
    yield bob_host, mallory_host
    bob_host.close()
    mallory_host.close()


def send(client, signer: Signer, activity: dict, key_id: str | None = None):
    signer = Signer(signer.uri, signer.private_pem) if key_id is None else _with_key(signer, key_id)
    return post_to_view(client, signed(settings.BASE_URL, "/inbox", orjson.dumps(activity), signer))


class _with_key(Signer):  # noqa: N801 - a Signer that signs with another key id
    def __init__(self, signer: Signer, key_id: str) -> None:
        super().__init__(signer.uri, signer.private_pem)
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id


def test_an_actor_elsewhere_claiming_a_key_id_does_not_lock_its_owner_out(client, make_account, hosts, keys):
    from caravan.federation.actors import fetch_actor

    alice = make_account("alice")
    bob_host, mallory_host = hosts
    (bob_private, bob_public), (mallory_private, mallory_public) = keys[0], keys[1]
    bob = Signer(bob_host.actor("bob", bob_public), bob_private)
    # mallory's document names bob's key id as hers, with her own key.
    mallory_uri = mallory_host.actor(
        "mallory",
        mallory_public,
        publicKey={
            "id": bob.key_id,
            "owner": f"{mallory_host.base}/users/mallory",
            "publicKeyPem": mallory_public,
        },
    )
    mallory = Signer(mallory_uri, mallory_private)
    fetch_actor(mallory_uri)  # we learn about mallory first (a boost, a mention, a search...)
    assert Account.objects.get(uri=mallory_uri).key_id != bob.key_id

    # mallory signing with bob's key id gets nowhere, as bob or as herself.
    assert send(client, mallory, follow(mallory, alice.uri, 1), key_id=bob.key_id).status_code == 401
    assert send(client, mallory, follow(bob, alice.uri, 2), key_id=bob.key_id).status_code == 401
    # bob's own signature works, and it is bob who follows.
    assert send(client, bob, follow(bob, alice.uri, 3)).status_code == 202
    assert Follow.objects.filter(account__uri=bob.uri, target_account=alice).exists()
    assert not Follow.objects.filter(account__uri=mallory_uri).exists()


def test_a_claim_stored_before_is_overruled_by_the_key_ids_own_document(client, make_account, hosts, keys):
    from caravan.profiles import upsert_remote_account

    alice = make_account("alice")
    bob_host, mallory_host = hosts
    (bob_private, bob_public), (_mallory_private, mallory_public) = keys[0], keys[1]
    bob = Signer(bob_host.actor("bob", bob_public), bob_private)
    # A row left from before key ids were checked: mallory, elsewhere, holding bob's key id.
    mallory_uri = f"{mallory_host.base}/users/mallory"
    upsert_remote_account(
        mallory_uri,
        username="mallory",
        domain=mallory_host.base.split("//")[1],
        key_id=bob.key_id,
        public_key_pem=mallory_public,
    )
    assert send(client, bob, follow(bob, alice.uri)).status_code == 202
    assert Follow.objects.filter(account__uri=bob.uri, target_account=alice).exists()
    assert Account.objects.get(uri=bob.uri).public_key_pem == bob_public


def test_an_actor_on_the_same_server_claiming_a_key_id_gives_way_to_its_owner(
    client, make_account, hosts, keys
):
    from caravan.federation.actors import fetch_actor

    alice = make_account("alice")
    bob_host, _ = hosts
    (bob_private, bob_public), (_mallory_private, mallory_public) = keys[0], keys[1]
    bob = Signer(bob_host.actor("bob", bob_public), bob_private)
    mallory_uri = bob_host.actor(
        "mallory",
        mallory_public,
        publicKey={
            "id": bob.key_id,
            "owner": f"{bob_host.base}/users/mallory",
            "publicKeyPem": mallory_public,
        },
    )
    fetch_actor(mallory_uri)
    Account.objects.filter(uri=mallory_uri).update(fetched_at=datetime.now(UTC) - timedelta(days=1))
    assert send(client, bob, follow(bob, alice.uri)).status_code == 202
    assert Follow.objects.filter(account__uri=bob.uri, target_account=alice).exists()
    # The key now belongs to bob alone.
    assert list(Account.objects.filter(key_id=bob.key_id).values_list("uri", flat=True)) == [bob.uri]
