"""Hostile actors and posts arriving over ActivityPub: script and odd-scheme URLs are dropped where they are
stored and again where they are shown (API, pages, our own ActivityPub documents), handles Mastodon would
refuse are refused, and bidi controls never reach a display name."""

import orjson
import pytest

from caravan.untrusted import http_url, valid_domain, valid_remote_handle, valid_remote_username
from tests.federation.test_keys import _actor, _post, actor_host  # noqa: F401 - actor_host is a fixture
from tests.html_checks import BIDI_CONTROLS, unsafe_markup

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAGE = frozenset({"link", "span"})  # base.html's stylesheet, a poll bar's width


def hostile_actor(base: str, name: str, public_pem: str) -> dict:
    uri = f"{base}/users/{name}"
    return {
        **_actor(base, name, public_pem),
        "name": "\u202eevil\u2067 twin",
        "summary": '<p onclick="alert(1)" style="color:red">bio<script>alert(2)</script>'
        '<a href="javascript:alert(3)">j</a><a href="/settings/delete">here</a><iframe src="https://x"></iframe></p>',
        "url": "javascript:alert(4)",
        "icon": {"type": "Image", "url": "javascript:alert(5)"},
        "image": {"type": "Image", "url": "data:image/svg+xml,<svg onload=alert(6)>"},
        "attachment": [
            {
                "type": "PropertyValue",
                "name": "site\u202e",
                "value": '<a href="javascript:alert(7)" style="x">me</a><img src=x onerror=alert(8)>'
                '<a href="https://good.example/">good</a>',
            }
        ],
        "alsoKnownAs": ["javascript:alert(9)", f"{base}/users/other"],
        "followers": f"{uri}/followers",
    }


def hostile_note(base: str, name: str, alice_uri: str) -> dict:
    uri = f"{base}/users/{name}"
    return {
        "id": f"{uri}/statuses/1",
        "type": "Note",
        "attributedTo": uri,
        "url": "javascript:alert(10)",
        "content": '<p>hi <a href="javascript:alert(11)" onmouseover="alert(12)">a</a> <a href="/oauth/authorize">b</a>'
        '<img src=x onerror=alert(13)><object data="https://x"></object> :blob:'
        '<a href="magnet:?xt=urn:x">m</a><a href="gemini://x.example">g</a></p>',
        "to": [PUBLIC],
        "cc": [alice_uri],
        "published": "2026-01-02T03:04:05Z",
        "tag": [
            {"type": "Mention", "href": alice_uri, "name": "@alice"},
            {"type": "Emoji", "name": ":blob:", "icon": {"url": "data:image/png;base64,AAAA"}},
        ],
        "attachment": [
            {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(14)"},
            {"type": "Document", "mediaType": "image/png", "url": "data:image/png;base64,AAAA"},
            {"type": "Document", "mediaType": "image/png", "url": [{"href": "//evil.example/a.png"}]},
            {"type": "Document", "mediaType": "image/png", "url": "https://media.example/ok.png"},
        ],
    }


def test_a_hostile_remote_actor_and_post_are_stored_and_shown_safely(client, make_account, keys, actor_host):  # noqa: F811
    from caravan.accounts.models import Account
    from caravan.api.entities import account as account_entity
    from caravan.api.entities import status
    from caravan.posts.models import Post
    from caravan.posts.selectors import load_posts

    alice = make_account("alice")
    base, documents = actor_host
    private, public = keys[0]
    documents["/users/mallory"] = hostile_actor(base, "mallory", public)
    uri = f"{base}/users/mallory"
    note = hostile_note(base, "mallory", alice.uri)
    create = {"id": f"{note['id']}/activity", "type": "Create", "actor": uri, "object": note}
    assert _post(client, create, f"{uri}#main-key", private).status_code == 202

    mallory = Account.objects.get(uri=uri)
    # Stored: nothing but http(s) URLs, no bidi controls in the name.
    assert mallory.avatar_remote_url == "" and mallory.header_remote_url == "" and mallory.url == uri
    assert mallory.also_known_as == [f"{base}/users/other"]
    assert mallory.display_name == "evil twin"
    assert unsafe_markup(mallory.note_html) == [] and 'href="/settings' not in mallory.note_html
    post = Post.objects.get(uri=note["id"])
    assert post.url == post.uri and post.emojis == []
    assert unsafe_markup(post.content) == [] and "/oauth/authorize" not in post.content
    assert [m.remote_url for m in post.media_attachments.all()] == ["https://media.example/ok.png"]

    # The client API.
    data = account_entity(mallory)
    assert data["display_name"] == "evil twin" and data["url"] == uri
    assert data["avatar"].startswith("http") and "javascript" not in data["avatar"]
    assert "data:" not in data["header"]
    assert unsafe_markup(data["note"]) == []
    [field] = data["fields"]
    assert field["name"] == "site" and unsafe_markup(field["value"]) == []
    assert 'href="https://good.example/"' in field["value"]
    shown = status(load_posts([post.id])[0], alice)
    assert unsafe_markup(shown["content"]) == [] and shown["url"] == post.uri
    assert shown["emojis"] == [] and [m["remote_url"] for m in shown["media_attachments"]] == [
        "https://media.example/ok.png"
    ]
    response = client.get(f"/api/v1/accounts/{mallory.id}")
    assert response.status_code == 200 and unsafe_markup(orjson.loads(response.content)["note"]) == []

    # The web pages.
    for path in (f"/@mallory@{mallory.domain}", f"/@mallory@{mallory.domain}/{post.id}"):
        page = client.get(path).content.decode()
        assert unsafe_markup(page, allow_relative=True, allowed_tags=PAGE) == [], path
        assert 'href="/settings/delete"' not in page and 'href="/oauth/authorize"' not in page
        assert not any(ch in page for ch in BIDI_CONTROLS)


def test_handles_mastodon_would_refuse_are_refused(client, make_account, keys, actor_host):  # noqa: F811
    from caravan.accounts.models import Account
    from caravan.lookup import account as find_remote

    alice = make_account("alice")
    base, documents = actor_host
    private, public = keys[0]
    for path_name, username in (
        ("rlo", "ad\u202emin"),
        ("space", "al ice"),
        ("at", "a@b.example"),
        ("dot", ".x"),
    ):
        actor = {**_actor(base, path_name, public), "preferredUsername": username}
        documents[f"/users/{path_name}"] = actor
        follow = {
            "id": f"{actor['id']}#follows/1",
            "type": "Follow",
            "actor": actor["id"],
            "object": alice.uri,
        }
        # The signer's actor cannot be stored, so the key is unknown: refused, and nothing is stored.
        assert _post(client, follow, f"{actor['id']}#main-key", private).status_code == 401, username
        assert not Account.objects.filter(uri=actor["id"]).exists()

    # A known actor renaming itself to a refused name: the Update is refused and the profile unchanged.
    documents["/users/fine"] = _actor(base, "fine", public)
    fine_uri = f"{base}/users/fine"
    hello = {"id": f"{fine_uri}#follows/1", "type": "Follow", "actor": fine_uri, "object": alice.uri}
    assert _post(client, hello, f"{fine_uri}#main-key", private).status_code == 202
    renamed = {**_actor(base, "fine", public), "preferredUsername": "fi\u2066ne"}
    update = {"id": f"{fine_uri}#updates/1", "type": "Update", "actor": fine_uri, "object": renamed}
    response = _post(client, update, f"{fine_uri}#main-key", private)
    assert response.status_code == 422 and b"refused" in response.content
    assert Account.objects.get(uri=fine_uri).username == "fine"

    # WebFinger (mentions, search) finds an actor whose name is refused: nothing comes back.
    domain = base.split("//")[1]
    documents["/users/rtl"] = {**_actor(base, "rtl", public), "preferredUsername": "e\u202evil"}
    documents["/.well-known/webfinger"] = {
        "subject": f"acct:e\u202evil@{domain}",
        "links": [{"rel": "self", "type": "application/activity+json", "href": f"{base}/users/rtl"}],
    }
    assert find_remote("e\u202evil", domain) is None
    assert not Account.objects.filter(uri=f"{base}/users/rtl").exists()


@pytest.mark.parametrize(
    ("username", "ok"),
    [
        ("alice", True),
        ("a.b-c_d", True),
        ("mastodon.social", True),
        ("al ice", False),
        ("ad\u202emin", False),
        ("élise", False),
        (".a", False),
        ("a-", False),
        ("a@b", False),
        ("x" * 65, False),
    ],
)
def test_remote_usernames_follow_mastodons_rule(username, ok):
    assert valid_remote_username(username) is ok


@pytest.mark.parametrize(
    ("domain", "ok"),
    [
        ("mastodon.social", True),
        ("127.0.0.2:54321", True),
        ("[::1]:8080", True),
        ("bücher.example", True),
        ("xn--bcher-kva.example", True),
        ("evil.example\u202e", False),
        ("exa mple.com", False),
        ("a..b", False),
        ("-a.example", False),
        ("a.example:0", False),
        ("a.example:99999", False),
        ("a.example:80x", False),
        ("1.2.3", False),
        ("user@host", False),
    ],
)
def test_domains_are_host_names_with_an_optional_port(domain, ok):
    assert valid_domain(domain) is ok


def test_a_servers_own_actor_may_be_named_after_its_host():
    assert valid_remote_handle("127.0.0.2:54321", "127.0.0.2:54321")
    assert not valid_remote_handle("other.example:1", "127.0.0.2:54321")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>",
        "/relative",
        "//evil.example/x",
        "java\nscript:alert(1)",
        " https://x.example",
        "https://",
        "ftp://x.example/",
        "https://x.example:99999/",
        "https://x.example/\u202e",
    ],
)
def test_only_absolute_http_urls_pass(url):
    assert http_url(url) == ""
    assert http_url("https://x.example/a?b=1") == "https://x.example/a?b=1"
