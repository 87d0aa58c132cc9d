"""Discovery and documents: WebFinger, host-meta, NodeInfo, actors, collections, objects and negotiation."""

import orjson
import pytest
from django.conf import settings

from caravan.posts.rendering import html_to_text

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture
def alice(make_account):
    return make_account("alice")


def test_webfinger_finds_local_accounts_by_acct_and_url(client, alice):
    response = client.get(f"/.well-known/webfinger?resource=acct:alice@{settings.DOMAIN}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = orjson.loads(response.content)
    assert data["subject"] == f"acct:alice@{settings.DOMAIN}"
    assert {"rel": "self", "type": AP, "href": alice.uri} in data["links"]
    by_url = client.get(f"/.well-known/webfinger?resource={alice.uri}")
    assert orjson.loads(by_url.content)["subject"] == data["subject"]


@pytest.mark.parametrize(
    "resource,status",
    [
        ("acct:nobody@{domain}", 404),
        ("acct:alice@elsewhere.example", 404),
        ("", 400),
        ("acct:", 400),
        ("acct:a@b@c", 400),
        ("mailto:alice", 400),
    ],
)
def test_webfinger_refuses_unknown_and_malformed(client, alice, resource, status):
    response = client.get("/.well-known/webfinger", {"resource": resource.format(domain=settings.DOMAIN)})
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == "*"


def test_host_meta_and_nodeinfo(client, alice):
    assert "webfinger?resource={uri}" in client.get("/.well-known/host-meta").content.decode()
    links = orjson.loads(client.get("/.well-known/nodeinfo").content)["links"]
    assert {link["rel"].rsplit("/", 1)[1] for link in links} == {"2.0", "2.1"}
    for version in ("2.0", "2.1"):
        doc = orjson.loads(client.get(f"/nodeinfo/{version}").content)
        assert doc["version"] == version and doc["software"]["name"] == "caravan"
        assert doc["protocols"] == ["activitypub"] and doc["usage"]["users"]["total"] == 1
    assert "repository" in orjson.loads(client.get("/nodeinfo/2.1").content)["software"]
    assert client.get("/nodeinfo/9.9").status_code == 404


def test_instance_actor_is_an_application_served_unsigned(client, settings, db):
    data = orjson.loads(client.get("/actor", HTTP_ACCEPT=AP).content)
    assert data["type"] == "Application" and data["preferredUsername"] == settings.DOMAIN
    assert data["publicKey"]["id"] == f"{settings.BASE_URL}/actor#main-key"
    assert "BEGIN PUBLIC KEY" in data["publicKey"]["publicKeyPem"]


def test_actor_document_has_everything_mastodon_reads(client, alice):
    from caravan.profiles import update_profile

    update_profile(
        alice,
        display_name="Alice",
        note="hello",
        locked=True,
        fields=[{"name": "Site", "value": "https://alice.example"}],
    )
    for accept in (AP, LD):
        response = client.get("/users/alice", HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == AP
    data = orjson.loads(response.content)
    assert data["id"] == alice.uri and data["type"] == "Person" and data["preferredUsername"] == "alice"
    assert (
        data["inbox"] == f"{alice.uri}/inbox"
        and data["endpoints"]["sharedInbox"] == f"{settings.BASE_URL}/inbox"
    )
    assert data["publicKey"]["owner"] == alice.uri and data["publicKey"]["id"] == f"{alice.uri}#main-key"
    assert data["manuallyApprovesFollowers"] is True and data["discoverable"] is True
    # Field values are HTML, as Mastodon sends them: what was typed, escaped, with its URL made a link.
    [field] = data["attachment"]
    assert field["type"] == "PropertyValue" and field["name"] == "Site"
    assert field["value"].startswith('<a href="https://alice.example"')
    assert html_to_text(field["value"]) == "https://alice.example"
    for key in ("outbox", "followers", "following", "featured", "alsoKnownAs"):
        assert key in data
    assert "https://www.w3.org/ns/activitystreams" in data["@context"]


def test_browsers_are_sent_to_the_web_pages(client, alice):
    from caravan.publishing import create_post

    post = create_post(alice, "hi")
    assert client.get("/users/alice", HTTP_ACCEPT="text/html")["Location"].endswith("/@alice")
    assert (
        client.get(f"/users/alice/statuses/{post.id}", HTTP_ACCEPT="text/html")["Location"]
        == f"/@alice/{post.id}"
    )


def test_public_post_object_and_activity(client, alice, make_account):
    from caravan.publishing import create_post
    from caravan.relationships import follow

    follow(make_account("bob"), alice)
    post = create_post(alice, "hello #caravan", spoiler_text="cw")
    note = orjson.loads(client.get(f"/users/alice/statuses/{post.id}", HTTP_ACCEPT=AP).content)
    assert note["id"] == post.uri == f"{alice.uri}/statuses/{post.id}"
    assert note["type"] == "Note" and note["attributedTo"] == alice.uri and note["summary"] == "cw"
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note["tag"][0]["type"] == "Hashtag" and note["sensitive"] is True
    activity = orjson.loads(client.get(f"/users/alice/statuses/{post.id}/activity", HTTP_ACCEPT=AP).content)
    assert activity["type"] == "Create" and activity["object"]["id"] == post.uri


def test_collections_are_paged(client, alice, make_account):
    from caravan.publishing import create_post
    from caravan.relationships import follow

    for i in range(25):
        create_post(alice, f"post {i}")
    follow(make_account("bob"), alice)
    outbox = orjson.loads(client.get("/users/alice/outbox", HTTP_ACCEPT=AP).content)
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 25
    page1 = orjson.loads(client.get(outbox["first"].replace(settings.BASE_URL, ""), HTTP_ACCEPT=AP).content)
    assert page1["type"] == "OrderedCollectionPage" and len(page1["orderedItems"]) == 20 and "next" in page1
    page2 = orjson.loads(client.get(page1["next"].replace(settings.BASE_URL, ""), HTTP_ACCEPT=AP).content)
    assert len(page2["orderedItems"]) == 5 and "next" not in page2
    followers = orjson.loads(client.get("/users/alice/followers?page=1", HTTP_ACCEPT=AP).content)
    assert followers["orderedItems"] == [f"{settings.BASE_URL}/users/bob"]
    assert orjson.loads(client.get("/users/alice/following", HTTP_ACCEPT=AP).content)["totalItems"] == 0
    assert (
        orjson.loads(client.get("/users/alice/collections/featured", HTTP_ACCEPT=AP).content)["totalItems"]
        == 0
    )


@pytest.mark.parametrize("page", ["9" * 25, "٣", "-5", "1e9", ""])
@pytest.mark.parametrize("collection", ["outbox", "followers", "following"])
def test_odd_page_numbers_get_a_page_not_a_server_error(client, alice, collection, page):
    answer = client.get(f"/users/alice/{collection}?page={page}", HTTP_ACCEPT=AP)
    assert answer.status_code == 200
    document = orjson.loads(answer.content)
    assert document["type"] == "OrderedCollectionPage" and document["orderedItems"] == []


def test_followers_only_post_only_for_signed_fetch_from_an_entitled_server(client, alice, make_remote):
    from caravan.publishing import create_post
    from caravan.relationships import accept_follow_request, follow

    post = create_post(alice, "friends only", visibility="private")
    path = f"/users/alice/statuses/{post.id}"
    assert client.get(path, HTTP_ACCEPT=AP).status_code == 404
    follower = make_remote("carol", "friends.example")
    stranger = make_remote("mallory", "strangers.example")
    assert stranger.get(client, path).status_code == 404
    follow(follower.account, alice)
    accept_follow_request(alice, follower.account)
    response = follower.get(client, path)
    assert response.status_code == 200 and orjson.loads(response.content)["id"] == post.uri
    direct = create_post(alice, "secret", visibility="direct")
    assert follower.get(client, f"/users/alice/statuses/{direct.id}").status_code == 404


def test_authorized_fetch_requires_signatures(client, alice, make_remote, caravan_settings):
    caravan_settings(AUTHORIZED_FETCH=True)
    stub = orjson.loads(client.get("/users/alice", HTTP_ACCEPT=AP).content)
    assert stub["publicKey"]["owner"] == alice.uri and "summary" not in stub and "attachment" not in stub
    from caravan.publishing import create_post

    post = create_post(alice, "hello")
    assert client.get(f"/users/alice/statuses/{post.id}", HTTP_ACCEPT=AP).status_code == 401
    assert client.get("/users/alice/outbox", HTTP_ACCEPT=AP).status_code == 401
    assert client.get("/actor", HTTP_ACCEPT=AP).status_code == 200
    assert make_remote("carol").get(client, "/users/alice").status_code == 200
