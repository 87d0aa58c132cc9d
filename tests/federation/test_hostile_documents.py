"""Pathological JSON from other servers gets a 4xx (or is ignored), never a 500: activities posted to the
inbox with any field of the wrong type or out of range, and remote documents we fetch (actors and their keys,
objects) that are nested, huge, or shaped wrong."""

import orjson
import pytest
from django.conf import settings

from caravan.accounts.models import Account
from caravan.posts.models import Post
from tests.federation.inbox_requests import ActorHost, Signer, follow, signed
from tests.federation.test_inbox_front import post_to_view

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOSTILE_VALUES = [
    None,
    7,
    -1,
    2**64 - 1,
    1e308,
    True,
    "",
    "not a url",
    {},
    {"id": 5},
    [],
    [[[[[[[[[[]]]]]]]]]],
    ["x", 5, None],
]


@pytest.fixture
def host():
    host = ActorHost()
    yield host
    host.close()


@pytest.fixture
def bob(host, keys, make_account):
    from caravan.federation.actors import fetch_actor

    private, public = keys[0]
    signer = Signer(host.actor("bob", public), private)
    fetch_actor(signer.uri)
    return signer


def _send(client, signer: Signer, activity: dict | bytes):
    body = activity if isinstance(activity, bytes) else orjson.dumps(activity)
    return post_to_view(client, signed(settings.BASE_URL, "/inbox", body, signer))


def _activities(bob: Signer, alice, post) -> list[dict]:
    note = {
        "id": f"{bob.uri}/statuses/1",
        "type": "Note",
        "attributedTo": bob.uri,
        "content": "<p>hi</p>",
        "published": "2026-01-02T03:04:05Z",
        "to": [PUBLIC],
        "cc": [f"{bob.uri}/followers"],
        "tag": [{"type": "Mention", "href": alice.uri}],
        "attachment": [{"type": "Document", "mediaType": "image/png", "url": f"{bob.uri}/a.png", "width": 4}],
        "inReplyTo": post.uri,
        "url": f"{bob.uri}/@1",
        "summary": "cw",
    }
    question = {
        **note,
        "id": f"{bob.uri}/statuses/2",
        "type": "Question",
        "oneOf": [{"type": "Note", "name": "a", "replies": {"totalItems": 1}}, {"type": "Note", "name": "b"}],
        "endTime": "2027-01-01T00:00:00Z",
        "votersCount": 1,
    }
    return [
        {"id": f"{bob.uri}/c/1", "type": "Create", "actor": bob.uri, "object": note},
        {"id": f"{bob.uri}/c/2", "type": "Create", "actor": bob.uri, "object": question},
        {"id": f"{bob.uri}/u/1", "type": "Update", "actor": bob.uri, "object": {**question, "updated": "x"}},
        {
            "id": f"{bob.uri}/u/2",
            "type": "Update",
            "actor": bob.uri,
            "object": {"id": bob.uri, "type": "Person"},
        },
        {"id": f"{bob.uri}/l/1", "type": "Like", "actor": bob.uri, "object": post.uri},
        {"id": f"{bob.uri}/a/1", "type": "Announce", "actor": bob.uri, "object": post.uri, "to": [PUBLIC]},
        {"id": f"{bob.uri}/f/1", "type": "Follow", "actor": bob.uri, "object": alice.uri},
        {
            "id": f"{bob.uri}/x/1",
            "type": "Undo",
            "actor": bob.uri,
            "object": {"type": "Follow", "object": alice.uri},
        },
        {"id": f"{bob.uri}/x/2", "type": "Accept", "actor": bob.uri, "object": {"type": "Follow"}},
        {"id": f"{bob.uri}/x/3", "type": "Reject", "actor": bob.uri, "object": f"{alice.uri}#follows/1"},
        {"id": f"{bob.uri}/d/1", "type": "Delete", "actor": bob.uri, "object": f"{bob.uri}/statuses/1"},
        {"id": f"{bob.uri}/b/1", "type": "Block", "actor": bob.uri, "object": alice.uri},
        {"id": f"{bob.uri}/g/1", "type": "Flag", "actor": bob.uri, "object": [alice.uri], "content": "spam"},
        {"id": f"{bob.uri}/m/1", "type": "Move", "actor": bob.uri, "object": bob.uri, "target": "x"},
        {"id": f"{bob.uri}/p/1", "type": "Add", "actor": bob.uri, "object": post.uri, "target": "x"},
        {"id": f"{bob.uri}/p/2", "type": "Remove", "actor": bob.uri, "object": post.uri, "target": "x"},
    ]


def _variants(activity: dict):
    """The activity with each field (and each field of its object) replaced by each hostile value."""
    for value in HOSTILE_VALUES:
        for field in activity:
            if field not in ("id", "type", "actor"):
                yield {**activity, field: value}
        obj = activity.get("object")
        if isinstance(obj, dict):
            for field in obj:
                yield {**activity, "object": {**obj, field: value}}
            for option in ("oneOf", "tag", "attachment"):
                if isinstance(obj.get(option), list):
                    yield {**activity, "object": {**obj, option: [value]}}


def test_every_activity_with_any_field_of_the_wrong_shape_gets_an_answer_not_a_500(client, make_account, bob):
    from caravan.publishing import create_post

    alice = make_account("alice")
    post = create_post(alice, "hello")
    statuses: dict[int, int] = {}
    crashes: list[str] = []
    n = 0
    for activity in _activities(bob, alice, post):
        for variant in _variants(activity):
            n += 1
            variant = {**variant, "id": f"{variant['id']}/{n}"}
            try:
                response = _send(client, bob, variant)  # the test client raises what a 500 would hide
            except Exception as error:  # noqa: BLE001 - collected, so one run names every crash
                crashes.append(f"{type(error).__name__}: {error} <- {orjson.dumps(variant).decode()[:300]}")
                continue
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    assert not crashes, "\n".join(crashes[:40])
    assert n > 500 and set(statuses) <= {202, 400, 401, 403, 404, 409, 422}, statuses


# Documents we fetch -----------------------------------------------------------------------------------------


def _key_document_cases(host: ActorHost, public: str) -> list[tuple[str, dict | bytes]]:
    uri = f"{host.base}/users/eve"
    actor = orjson.loads(orjson.dumps(host.documents["/users/bob"]))  # a copy, re-pointed at eve
    actor.update(
        id=uri,
        preferredUsername="eve",
        publicKey={"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public},
    )
    return [
        (
            "nested 100,000 deep",
            b'{"id": "' + uri.encode() + b'", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        ),
        ("a number beyond a double", orjson.dumps(actor)[:-1] + b', "followers_count": 1e999999}'),
        ("a 400-digit number", orjson.dumps(actor)[:-1] + b', "followers_count": ' + b"9" * 400 + b"}"),
        ("not an object", b'["Person"]'),
        ("a number as its id", {**actor, "id": 5}),
        ("an object as its username", {**actor, "preferredUsername": {"x": 1}}),
        ("a string as its key", {**actor, "publicKey": "the key"}),
        (
            "an object as the key's PEM",
            {**actor, "publicKey": {**actor["publicKey"], "publicKeyPem": {"x": 1}}},
        ),
        (
            "a broken PEM",
            {
                **actor,
                "publicKey": {**actor["publicKey"], "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAAA"},
            },
        ),
        (
            "a number as its attachments",
            {**actor, "attachment": 5, "publicKey": {**actor["publicKey"], "publicKeyPem": "x"}},
        ),
    ]


def test_hostile_key_documents_get_a_401_not_a_500(client, make_account, host, bob, keys):
    alice = make_account("alice")
    private, public = keys[1]
    for name, document in _key_document_cases(host, public):
        host.documents["/users/eve"] = document
        eve = Signer(f"{host.base}/users/eve", private)
        response = _send(client, eve, follow(eve, alice.uri))
        assert response.status_code == 401, name
        assert not Account.objects.filter(uri=eve.uri, public_key_pem=public).exists(), name


def test_an_actor_with_odd_fields_but_a_good_key_is_understood(client, make_account, host, bob, keys):
    alice = make_account("alice")
    private, public = keys[1]
    uri = host.actor(
        "eve",
        public,
        attachment=5,
        alsoKnownAs={"x": 1},
        icon=[[["x"]]],
        url={"href": {"href": 5}},
        endpoints=[],
        name=["eve"],
        summary=5,
    )
    eve = Signer(uri, private)
    assert _send(client, eve, follow(eve, alice.uri)).status_code == 202
    account = Account.objects.get(uri=uri)
    assert account.fields == [] and account.also_known_as == [] and account.avatar_remote_url == ""


def test_hostile_fetched_objects_are_ignored_not_a_500(client, make_account, host, bob):
    from caravan.relationships import accept_follow_request
    from caravan.relationships import follow as follow_account

    alice = make_account("alice")
    follow_account(alice, Account.objects.get(uri=bob.uri))
    accept_follow_request(Account.objects.get(uri=bob.uri), alice)
    base_note = {
        "type": "Note",
        "attributedTo": bob.uri,
        "content": "<p>fetched</p>",
        "to": [PUBLIC],
    }
    objects = {
        "nested": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "huge": b'{"type": "Note", "content": 1e999999}',
        "numbers": {**base_note, "attributedTo": 5, "content": 7, "tag": 5, "to": 5, "attachment": 5},
        "objects": {**base_note, "content": {"x": 1}, "published": {"y": 2}, "inReplyTo": [5], "url": 5},
    }
    for n, (name, document) in enumerate(objects.items()):
        uri = f"{host.base}/users/bob/statuses/f{n}"
        if isinstance(document, dict):
            document = {**document, "id": uri}
        host.documents[f"/users/bob/statuses/f{n}"] = document
        activity = {"id": f"{uri}/activity", "type": "Create", "actor": bob.uri, "object": uri}
        response = _send(client, bob, activity)
        assert response.status_code in (202, 422), (name, response.content)
    assert not Post.objects.filter(uri__endswith="/statuses/f0").exists()
    assert not Post.objects.filter(uri__endswith="/statuses/f1").exists()
