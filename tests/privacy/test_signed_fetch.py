"""ActivityPub fetches are authorised for the account whose key signed them, never for its server: a
followers-only post goes to a follower, a direct post to an addressee, and nobody else (another account of the
follower's server, that server's instance actor) learns it exists. Collections follow the same rule.

A signature that does not verify, with authorized fetch off, is answered as an unsigned fetch (as Mastodon
does); with authorized fetch on it is refused."""

import logging

import orjson
import pytest

from caravan.publishing import create_post, pin, reblog
from caravan.relationships import accept_follow_request, block, follow

AP = "application/activity+json"


@pytest.fixture
def alice(make_account):
    return make_account("alice")


def _followed_by(account, remote) -> None:
    follow(remote.account, account)
    accept_follow_request(account, remote.account)


def _outbox_objects(client, remote, username: str = "alice") -> list[str]:
    page = orjson.loads(remote.get(client, f"/users/{username}/outbox?page=1").content)
    return [
        item["object"]["id"] if isinstance(item["object"], dict) else item["id"]
        for item in page["orderedItems"]
    ]


def test_followers_only_post_is_not_served_to_other_accounts_of_a_followers_server(
    client, alice, make_remote
):
    follower = make_remote("carol", "friends.example")
    neighbour = make_remote("mallory", "friends.example")
    instance_actor = make_remote("friends.example", "friends.example")
    _followed_by(alice, follower)
    secret = create_post(alice, "for my followers", visibility="private")
    path = f"/users/alice/statuses/{secret.id}"

    assert follower.get(client, path).status_code == 200
    assert follower.get(client, f"{path}/activity").status_code == 200
    for outsider in (neighbour, instance_actor):
        assert outsider.get(client, path).status_code == 404
        assert outsider.get(client, f"{path}/activity").status_code == 404


def test_direct_post_is_served_to_its_addressee_only(client, alice, make_remote):
    addressee = make_remote("bob", "far.example")
    follower = make_remote("carol", "far.example")
    _followed_by(alice, follower)
    direct = create_post(alice, "@bob@far.example just for you", visibility="direct")
    assert [m.account_id for m in direct.mentions.all()] == [addressee.account.id]
    path = f"/users/alice/statuses/{direct.id}"
    assert addressee.get(client, path).status_code == 200
    assert follower.get(client, path).status_code == 404


def test_outbox_lists_what_the_signer_may_read(client, alice, make_account, make_remote):
    follower = make_remote("carol", "friends.example")
    neighbour = make_remote("mallory", "friends.example")
    _followed_by(alice, follower)
    public = create_post(alice, "hello everyone")
    secret = create_post(alice, "for my followers", visibility="private")

    assert _outbox_objects(client, follower) == [secret.uri, public.uri]
    assert _outbox_objects(client, neighbour) == [public.uri]
    anonymous = orjson.loads(client.get("/users/alice/outbox?page=1", HTTP_ACCEPT=AP).content)
    assert [item["object"]["id"] for item in anonymous["orderedItems"]] == [public.uri]


def test_outbox_and_objects_never_show_a_boost_of_a_post_the_signer_may_not_read(
    client, alice, make_account, make_remote
):
    bob = make_account("bob")
    carol = make_remote("carol", "friends.example")
    boosted = create_post(bob, "bob speaks")
    boost = reblog(alice, boosted)
    block(bob, carol.account)  # bob blocks carol: alice's boost must not show her bob's post

    assert boosted.uri not in _outbox_objects(client, carol)
    assert carol.get(client, f"/users/alice/statuses/{boost.id}").status_code == 404
    assert carol.get(client, f"/users/bob/statuses/{boosted.id}").status_code == 404
    stranger = make_remote("dave", "other.example")
    assert boosted.uri in [
        item["object"]
        for item in orjson.loads(stranger.get(client, "/users/alice/outbox?page=1").content)["orderedItems"]
    ]


def test_featured_collection_hides_pins_from_a_signer_the_author_blocks(client, alice, make_remote):
    carol = make_remote("carol", "friends.example")
    dave = make_remote("dave", "other.example")
    pinned = create_post(alice, "read this first")
    pin(alice, pinned)
    block(alice, carol.account)

    def featured(remote) -> list[str]:
        return [
            item["id"]
            for item in orjson.loads(remote.get(client, "/users/alice/collections/featured").content)[
                "orderedItems"
            ]
        ]

    assert featured(dave) == [pinned.uri]
    assert featured(carol) == []


def _badly_signed_get(client, remote, path: str):
    """A GET signed with another key than the one the signer's actor publishes."""
    from django.conf import settings

    from caravan.federation.signatures import sign_request
    from tests.federation.conftest import keypair

    wrong_private, _ = keypair()
    headers = sign_request(
        "GET",
        f"{settings.BASE_URL}{path}",
        key_id=remote.account.key_id,
        private_key_pem=wrong_private,
        accept=AP,
    )
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.get(path, **meta)


def test_a_signature_that_does_not_verify_gets_the_public_document(
    client, alice, make_remote, monkeypatch, caplog, caravan_settings
):
    caravan_settings(AUTHORIZED_FETCH=False)
    monkeypatch.setattr("caravan.federation.actors.refresh_key", lambda account: account)  # no network
    follower = make_remote("carol", "friends.example")
    _followed_by(alice, follower)
    public = create_post(alice, "hello everyone")
    secret = create_post(alice, "for my followers", visibility="private")

    with caplog.at_level(logging.INFO, logger="caravan.federation.views"):
        response = _badly_signed_get(client, follower, f"/users/alice/statuses/{public.id}")
    assert response.status_code == 200 and orjson.loads(response.content)["id"] == public.uri
    assert any("does not verify" in record.getMessage() for record in caplog.records)
    assert _badly_signed_get(client, follower, "/users/alice").status_code == 200
    outbox = orjson.loads(_badly_signed_get(client, follower, "/users/alice/outbox?page=1").content)
    assert [item["object"]["id"] for item in outbox["orderedItems"]] == [public.uri]
    # Unverified, it is nobody's signature: no followers-only post for it.
    assert _badly_signed_get(client, follower, f"/users/alice/statuses/{secret.id}").status_code == 404


def test_with_authorized_fetch_a_signature_that_does_not_verify_is_refused(
    client, alice, make_remote, monkeypatch, caravan_settings
):
    caravan_settings(AUTHORIZED_FETCH=True)
    monkeypatch.setattr("caravan.federation.actors.refresh_key", lambda account: account)
    remote = make_remote("carol", "friends.example")
    public = create_post(alice, "hello everyone")
    response = _badly_signed_get(client, remote, f"/users/alice/statuses/{public.id}")
    assert response.status_code == 401
    assert _badly_signed_get(client, remote, "/users/alice/outbox").status_code == 401
    assert remote.get(client, f"/users/alice/statuses/{public.id}").status_code == 200
