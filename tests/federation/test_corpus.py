"""Real-world activity shapes (Mastodon, GoToSocial, Misskey, Pleroma/Akkoma, Pixelfed, PeerTube, Lemmy), as
JSON fixtures written from their documentation: each is signed, POSTed to our inbox and must become the right
domain objects."""

import json
from pathlib import Path

import orjson
import pytest
from django.conf import settings

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
FIXTURES = sorted(p.name for p in CORPUS.glob("*.json"))


@pytest.mark.parametrize("name", FIXTURES)
def test_corpus_activity_is_understood(name, client, make_account, keys):
    from caravan.federation.actors import store_actor
    from caravan.federation.signatures import sign_request
    from caravan.notifications.models import Notification
    from caravan.posts.models import Favourite, Post
    from caravan.posts.visibility import can_read
    from caravan.publishing import create_post
    from caravan.relationships import accept_follow_request, follow

    alice = make_account("alice")
    stranger = make_account("stranger")
    alice_post = create_post(alice, "a post of alice's")
    private_pem, public_pem = keys[0]
    text = (CORPUS / name).read_text()
    for placeholder, value in {
        "{alice_post}": alice_post.uri,
        "{alice}": alice.uri,
        "{domain}": settings.DOMAIN,
        "{public_key}": json.dumps(public_pem)[1:-1],
    }.items():
        text = text.replace(placeholder, value)
    fixture = json.loads(text)
    actors = {doc["id"]: store_actor(doc, doc["id"]) for doc in fixture["actors"]}
    first = actors[fixture["actors"][0]["id"]]
    follow(alice, first)
    accept_follow_request(first, alice)
    key_ids = {doc["id"]: doc["publicKey"]["id"] for doc in fixture["actors"]}

    for activity in fixture["activities"]:
        body = orjson.dumps(activity)
        headers = sign_request(
            "POST",
            f"{settings.BASE_URL}/inbox",
            key_id=key_ids[activity["actor"]],
            private_key_pem=private_pem,
            body=body,
        )
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
        response = client.post("/inbox", data=body, content_type="application/activity+json", **meta)
        assert response.status_code == 202, (activity["type"], response.content)

    expect = fixture["expect"]
    for key in ("post", "reply"):
        if key not in expect:
            continue
        spec = expect[key]
        post = Post.objects.get(uri=spec["uri"])
        assert not post.local
        if "visibility" in spec:
            assert post.visibility == spec["visibility"]
        for fragment in spec.get("contains", []):
            assert fragment in post.content, (fragment, post.content)
        for fragment in spec.get("absent", []):
            assert fragment not in post.content
        if "spoiler" in spec:
            assert post.spoiler_text == spec["spoiler"]
        if "sensitive" in spec:
            assert post.sensitive == spec["sensitive"]
        if "language" in spec:
            assert post.language == spec["language"]
        if "media" in spec:
            media = list(post.media_attachments.all())
            assert len(media) == len(spec["media"])
            for item, wanted in zip(media, spec["media"], strict=True):
                assert item.description == wanted["description"] and item.type == wanted["type"]
                assert item.remote_url.startswith("https://")
                if "focus" in wanted:
                    assert [item.focus_x, item.focus_y] == wanted["focus"]
        if "mentions" in spec:
            assert sorted(m.account.username for m in post.mentions.all()) == spec["mentions"]
        if "tags" in spec:
            assert sorted(pt.tag.name for pt in post.post_tags.all()) == spec["tags"]
        if "poll" in spec:
            assert {o["title"]: o["votes_count"] for o in post.poll.options} == spec["poll"]
        if "in_reply_to" in spec:
            assert post.in_reply_to is not None and post.in_reply_to.uri == spec["in_reply_to"]
        if "readable_by_alice" in spec:
            assert can_read(post, alice) is spec["readable_by_alice"]
            assert can_read(post, stranger) is spec["readable_by_stranger"]
    if "reblog_of" in expect:
        assert Post.objects.filter(reblog_of__uri=expect["reblog_of"], account=first).exists()
    if "favourited" in expect:
        assert Favourite.objects.filter(post__uri=expect["favourited"]).exists()
    if "not_favourited" in expect:
        assert not Favourite.objects.filter(post__uri=expect["not_favourited"]).exists()
    if "notification" in expect:
        assert Notification.objects.filter(recipient=alice, type=expect["notification"]).exists()
    if "actor" in expect:
        spec = expect["actor"]
        account = actors[spec["uri"]]
        account.refresh_from_db()
        if "display_name" in spec:
            assert account.display_name == spec["display_name"]
        if "fields" in spec:
            assert [f["name"] for f in account.fields] == spec["fields"]
        if "shared_inbox" in spec:
            assert account.shared_inbox_url == spec["shared_inbox"]
        if "group" in spec:
            assert account.group is spec["group"]


def test_corpus_covers_the_major_implementations():
    software = " ".join(json.loads((CORPUS / name).read_text())["software"] for name in FIXTURES)
    for name in ("Mastodon", "GoToSocial", "Misskey", "Pleroma", "Akkoma", "Pixelfed", "PeerTube", "Lemmy"):
        assert name in software
