"""The inbox: every activity type becomes the same domain change a local person would make, only when the
signature, the origin and the activity id allow it; anything else gets a 4xx and changes nothing."""

import orjson
import pytest
from django.conf import settings

from caravan.federation.models import Delivery, ReceivedActivity
from caravan.posts.models import Favourite, Post
from caravan.social.models import Block, Follow, FollowRequest

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def alice(make_account):
    return make_account("alice")


@pytest.fixture
def bob(make_remote):
    return make_remote("bob", "remote.example")


def note(remote, n=1, **fields):
    uri = f"{remote.uri}/statuses/{n}"
    return {
        "id": uri,
        "type": "Note",
        "attributedTo": remote.uri,
        "content": f"<p>note {n}</p>",
        "published": "2026-01-02T03:04:05Z",
        "to": [PUBLIC],
        "cc": [f"{remote.uri}/followers"],
        **fields,
    }


def create(remote, obj, n=1):
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": remote.uri,
        "object": obj,
    }


def followed_by(alice, remote):
    from caravan.relationships import accept_follow_request, follow

    follow(alice, remote.account)
    accept_follow_request(remote.account, alice)


def test_follow_of_an_open_account_is_accepted_and_answered(client, alice, bob):
    activity = {"id": f"{bob.uri}#follows/1", "type": "Follow", "actor": bob.uri, "object": alice.uri}
    response = bob.post(client, activity, "/users/alice/inbox")
    assert response.status_code == 202
    assert Follow.objects.filter(account=bob.account, target_account=alice).exists()
    accept = Delivery.objects.get(activity__type="Accept")
    assert accept.inbox_url == bob.account.inbox_url
    body = orjson.loads(bytes(accept.activity.body))
    assert body["object"]["id"] == activity["id"] and body["actor"] == alice.uri


def test_follow_of_a_locked_account_waits_for_approval(client, alice, bob):
    from caravan.profiles import update_profile
    from caravan.relationships import accept_follow_request

    update_profile(alice, locked=True)
    bob.post(client, {"id": f"{bob.uri}#follows/2", "type": "Follow", "actor": bob.uri, "object": alice.uri})
    assert FollowRequest.objects.filter(account=bob.account, target_account=alice).exists()
    assert not Delivery.objects.filter(activity__type="Accept").exists()
    accept_follow_request(alice, bob.account)
    accept = orjson.loads(bytes(Delivery.objects.get(activity__type="Accept").activity.body))
    assert accept["object"]["id"] == f"{bob.uri}#follows/2"


def test_accept_and_reject_of_our_follow(client, alice, bob):
    from caravan.relationships import follow

    request = follow(alice, bob.account)
    sent = orjson.loads(bytes(Delivery.objects.get(activity__type="Follow").activity.body))
    assert sent["object"] == bob.uri and sent["id"] == request.uri
    bob.post(client, {"id": f"{bob.uri}#accepts/1", "type": "Accept", "actor": bob.uri, "object": sent})
    assert Follow.objects.filter(account=alice, target_account=bob.account).exists()
    bob.post(client, {"id": f"{bob.uri}#rejects/1", "type": "Reject", "actor": bob.uri, "object": sent["id"]})
    assert not Follow.objects.filter(account=alice, target_account=bob.account).exists()


def test_create_note_with_mentions_tags_cw_and_media(client, alice, bob):
    followed_by(alice, bob)
    obj = note(
        bob,
        7,
        summary="spoiler",
        sensitive=True,
        contentMap={"fr": "<p>bonjour</p>"},
        content='<p>hi <a href="x">@alice</a> #Tag<script>alert(1)</script></p>',
        tag=[
            {"type": "Mention", "href": alice.uri, "name": f"@alice@{settings.DOMAIN}"},
            {"type": "Hashtag", "href": "https://remote.example/tags/tag", "name": "#Tag"},
            {"type": "Emoji", "name": ":blob:", "icon": {"type": "Image", "url": "https://r/e.png"}},
        ],
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": "https://remote.example/a.png",
                "name": "alt text",
                "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
                "focalPoint": [0.5, -0.25],
                "width": 10,
                "height": 20,
            }
        ],
    )
    assert bob.post(client, create(bob, obj)).status_code == 202
    post = Post.objects.get(uri=obj["id"])
    assert post.account == bob.account and not post.local and post.visibility == "public"
    assert "<script>" not in post.content and "hi" in post.content
    assert post.spoiler_text == "spoiler" and post.sensitive and post.language == "fr"
    assert [m.account for m in post.mentions.all()] == [alice]
    assert [pt.tag.name for pt in post.post_tags.all()] == ["tag"]
    media = post.media_attachments.get()
    assert media.remote_url == "https://remote.example/a.png" and media.description == "alt text"
    assert (media.focus_x, media.focus_y) == (0.5, -0.25)
    assert alice.notifications.filter(type="mention").exists() if hasattr(alice, "notifications") else True
    assert post.emojis == [{"shortcode": "blob", "url": "https://r/e.png"}]


def test_custom_emoji_show_as_images_in_the_api_and_on_pages(client, alice, bob):
    from caravan.api.entities import status_base
    from caravan.posts.selectors import load_posts
    from caravan.web.cards import post_cards

    followed_by(alice, bob)
    obj = note(
        bob,
        8,
        content='<p>party :blobcat: <a href="https://remote.example/:blobcat:">link</a> :unknown:</p>',
        tag=[
            {"type": "Emoji", "name": ":blobcat:", "icon": {"type": "Image", "url": "https://r/cat.png"}},
            {"type": "Emoji", "name": ":bad code:", "icon": {"url": "javascript:alert(1)"}},
        ],
    )
    assert bob.post(client, create(bob, obj, 8)).status_code == 202
    post = load_posts([Post.objects.get(uri=obj["id"]).id])[0]
    assert status_base(post)["emojis"] == [
        {
            "shortcode": "blobcat",
            "url": "https://r/cat.png",
            "static_url": "https://r/cat.png",
            "visible_in_picker": False,
        }
    ]
    html = str(post_cards([post], alice)[0].content)
    assert html.count('<img class="emoji" src="https://r/cat.png" alt=":blobcat:"') == 1
    assert 'href="https://remote.example/:blobcat:"' in html and ":unknown:" in html


def test_unrelated_create_is_dropped(client, alice, bob):
    assert bob.post(client, create(bob, note(bob, 3))).status_code == 202
    assert not Post.objects.filter(uri=note(bob, 3)["id"]).exists()


def test_visibility_is_read_from_addressing(client, alice, bob):
    followed_by(alice, bob)
    cases = {
        "public": {"to": [PUBLIC], "cc": []},
        "unlisted": {"to": [f"{bob.uri}/followers"], "cc": [PUBLIC]},
        "private": {"to": [f"{bob.uri}/followers"], "cc": []},
        "direct": {"to": [alice.uri], "cc": []},
    }
    for n, (expected, addressing) in enumerate(cases.items(), start=10):
        bob.post(client, create(bob, note(bob, n, **addressing)))
        assert Post.objects.get(uri=note(bob, n)["id"]).visibility == expected


def test_replayed_activity_changes_nothing(client, alice, bob):
    followed_by(alice, bob)
    activity = create(bob, note(bob, 20))
    assert bob.post(client, activity).status_code == 202
    response = bob.post(client, activity)
    assert response.status_code == 202 and response["X-Caravan-Result"] == "duplicate"
    assert Post.objects.filter(uri=activity["object"]["id"]).count() == 1
    assert ReceivedActivity.objects.filter(uri=activity["id"]).count() == 1


def test_update_edits_and_delete_tombstones(client, alice, bob):
    followed_by(alice, bob)
    bob.post(client, create(bob, note(bob, 30)))
    edited = note(bob, 30, content="<p>edited</p>", updated="2026-01-02T05:00:00Z")
    bob.post(
        client, {"id": f"{edited['id']}#updates/1", "type": "Update", "actor": bob.uri, "object": edited}
    )
    post = Post.objects.get(uri=edited["id"])
    assert "edited" in post.content and post.edited_at is not None and post.edits.count() == 2
    bob.post(
        client,
        {
            "id": f"{edited['id']}#delete",
            "type": "Delete",
            "actor": bob.uri,
            "object": {"id": edited["id"], "type": "Tombstone"},
        },
    )
    assert not Post.objects.filter(uri=edited["id"]).exists()
    # A re-Create of a deleted object is ignored.
    bob.post(client, {**create(bob, note(bob, 30)), "id": f"{edited['id']}/activity2"})
    assert not Post.objects.filter(uri=edited["id"]).exists()


def test_someone_else_cannot_edit_or_delete(client, alice, bob, make_remote):
    followed_by(alice, bob)
    bob.post(client, create(bob, note(bob, 40)))
    mallory = make_remote("mallory", "evil.example")
    forged = note(bob, 40, content="<p>pwned</p>", updated="2026-01-03T00:00:00Z")
    response = mallory.post(
        client, {"id": "https://evil.example/u/1", "type": "Update", "actor": mallory.uri, "object": forged}
    )
    assert response.status_code == 403
    response = mallory.post(
        client,
        {"id": "https://evil.example/d/1", "type": "Delete", "actor": mallory.uri, "object": forged["id"]},
    )
    assert response.status_code == 403
    assert "note 40" in Post.objects.get(uri=forged["id"]).content


def test_like_announce_and_their_undo(client, alice, bob):
    from caravan.publishing import create_post

    post = create_post(alice, "like me")
    like = {"id": f"{bob.uri}#likes/1", "type": "Like", "actor": bob.uri, "object": post.uri}
    bob.post(client, like)
    assert Favourite.objects.filter(account=bob.account, post=post).exists()
    boost = {
        "id": f"{bob.uri}/statuses/99/activity",
        "type": "Announce",
        "actor": bob.uri,
        "object": post.uri,
        "to": [PUBLIC],
        "published": "2026-01-02T03:04:05Z",
    }
    bob.post(client, boost)
    assert Post.objects.filter(account=bob.account, reblog_of=post).exists()
    bob.post(client, {"id": f"{bob.uri}#likes/1/undo", "type": "Undo", "actor": bob.uri, "object": like})
    bob.post(client, {"id": f"{bob.uri}/statuses/99/undo", "type": "Undo", "actor": bob.uri, "object": boost})
    assert not Favourite.objects.filter(account=bob.account).exists()
    assert not Post.objects.filter(account=bob.account, reblog_of=post).exists()
    post.refresh_from_db()
    assert post.favourites_count == 0 and post.reblogs_count == 0


def test_block_and_flag(client, alice, bob):
    from caravan.moderation.models import Report
    from caravan.publishing import create_post

    followed_by(alice, bob)
    bob.post(client, {"id": f"{bob.uri}#blocks/1", "type": "Block", "actor": bob.uri, "object": alice.uri})
    assert Block.objects.filter(account=bob.account, target_account=alice).exists()
    assert not Follow.objects.filter(account=alice, target_account=bob.account).exists()
    post = create_post(alice, "reported")
    bob.post(
        client,
        {
            "id": f"{bob.uri}#flags/1",
            "type": "Flag",
            "actor": bob.uri,
            "content": "spam",
            "object": [alice.uri, post.uri],
        },
    )
    report = Report.objects.get()
    assert report.target_account == alice and report.post_ids == [post.id] and report.comment == "spam"
    bob.post(client, {"id": f"{bob.uri}#flags/1", "type": "Flag", "actor": bob.uri, "object": [alice.uri]})
    assert Report.objects.count() == 1  # a redelivered Flag is one report


def test_update_person_refreshes_the_profile(client, bob):
    actor = {
        "id": bob.uri,
        "type": "Person",
        "preferredUsername": "bob",
        "name": "Bobby",
        "summary": "<p>bio<script>x</script></p>",
        "inbox": f"{bob.uri}/inbox",
        "publicKey": {
            "id": f"{bob.uri}#main-key",
            "owner": bob.uri,
            "publicKeyPem": bob.account.public_key_pem,
        },
        "attachment": [{"type": "PropertyValue", "name": "site", "value": "x"}],
    }
    assert (
        bob.post(
            client, {"id": f"{bob.uri}#updates/1", "type": "Update", "actor": bob.uri, "object": actor}
        ).status_code
        == 202
    )
    bob.account.refresh_from_db()
    assert bob.account.display_name == "Bobby" and "<script>" not in bob.account.note
    assert bob.account.fields[0]["name"] == "site"


def test_featured_add_and_remove(client, alice, bob):
    followed_by(alice, bob)
    bob.post(client, create(bob, note(bob, 50)))
    post = Post.objects.get(uri=note(bob, 50)["id"])
    add = {
        "id": f"{bob.uri}#add/1",
        "type": "Add",
        "actor": bob.uri,
        "object": post.uri,
        "target": bob.account.featured_url,
    }
    bob.post(client, add)
    assert post.pins.filter(account=bob.account).exists()
    bob.post(client, {**add, "id": f"{bob.uri}#remove/1", "type": "Remove"})
    assert not post.pins.exists()


def test_poll_vote_from_a_remote_voter(client, alice, bob):
    from caravan.publishing import PollSpec, create_post

    question = create_post(alice, "which?", poll=PollSpec(options=["a", "b"], expires_in=3600))
    vote = {
        "id": f"{bob.uri}#votes/1",
        "type": "Note",
        "name": "b",
        "attributedTo": bob.uri,
        "inReplyTo": question.uri,
        "to": alice.uri,
    }
    bob.post(
        client, {"id": f"{bob.uri}#votes/1/activity", "type": "Create", "actor": bob.uri, "object": vote}
    )
    question.poll.refresh_from_db()
    assert [o["votes_count"] for o in question.poll.options] == [0, 1]


@pytest.mark.parametrize(
    "problem",
    [
        "unsigned",
        "wrong_key",
        "not_the_actor",
        "bad_digest",
        "stale",
        "oversized",
        "malformed",
        "foreign_object",
        "foreign_activity_id",
    ],
)
def test_bad_requests_are_refused_and_change_nothing(client, alice, bob, make_remote, problem, keys):
    from caravan.federation.signatures import http_date

    followed_by(alice, bob)
    activity = create(bob, note(bob, 60))
    before = Post.objects.count()
    if problem == "unsigned":
        response = client.post(
            "/inbox", data=orjson.dumps(activity), content_type="application/activity+json"
        )
        expected = 401
    elif problem == "wrong_key":
        response = bob.post(
            client,
            activity,
            private_pem=keys[
                (keys.index(next(k for k in keys if k[1] == bob.account.public_key_pem)) + 1) % len(keys)
            ][0],
        )
        expected = 401
    elif problem == "not_the_actor":
        mallory = make_remote("mallory", "evil.example")
        response = mallory.post(client, activity)
        expected = 401
    elif problem == "bad_digest":
        response = bob.post(client, activity, body=orjson.dumps(activity), Digest="SHA-256=AAAA")
        expected = 401
    elif problem == "stale":
        import time

        response = bob.post(client, activity, Date=http_date(time.time() - 3 * 3600))
        expected = 401
    elif problem == "oversized":
        big = create(bob, note(bob, 60, content="x" * (1024 * 1024 + 10)))
        response = bob.post(client, big)
        expected = 413
    elif problem == "malformed":
        response = bob.post(client, activity, body=b"{not json")
        expected = 400
    elif problem == "foreign_object":
        forged = create(bob, {**note(bob, 60), "id": "https://victim.example/statuses/1"})
        response = bob.post(client, forged)
        expected = 403
    else:
        response = bob.post(client, {**activity, "id": "https://victim.example/activities/1"})
        expected = 403
    assert response.status_code == expected, response.content
    assert Post.objects.count() == before


def test_move_carries_local_followers_to_the_new_account(client, alice, bob, make_remote):
    followed_by(alice, bob)
    new = make_remote("bob_new", "new.example", also_known_as=[bob.uri])
    move = {
        "id": f"{bob.uri}#moves/1",
        "type": "Move",
        "actor": bob.uri,
        "object": bob.uri,
        "target": new.uri,
    }
    assert bob.post(client, move).status_code == 202
    bob.account.refresh_from_db()
    assert bob.account.moved_to_id == new.account.id
    impostor = make_remote("someone", "new.example")
    forged = {
        "id": f"{bob.uri}#moves/2",
        "type": "Move",
        "actor": bob.uri,
        "object": bob.uri,
        "target": impostor.uri,
    }
    assert bob.post(client, forged).status_code == 403


def test_local_move_sends_move_and_profile_update_to_followers(client, alice, bob, make_remote):
    from caravan.moving.services import move_out
    from caravan.relationships import follow

    follow(bob.account, alice)
    target = make_remote("alice_new", "new.example", also_known_as=[alice.uri])
    move_out(alice, target.account)
    sent = {
        d.activity.type: orjson.loads(bytes(d.activity.body))
        for d in Delivery.objects.select_related("activity")
    }
    assert sent["Move"]["object"] == alice.uri and sent["Move"]["target"] == target.uri
    assert sent["Update"]["object"]["movedTo"] == target.uri
    assert Delivery.objects.get(activity__type="Move").inbox_url == bob.account.shared_inbox_url


def test_long_remote_polls_and_multiple_choice_votes_from_remote_voters(client, alice, bob):
    from caravan.publishing import PollSpec, create_post

    followed_by(alice, bob)
    question = note(
        bob,
        70,
        type="Question",
        endTime="2099-01-01T00:00:00Z",
        anyOf=[{"type": "Note", "name": f"option {i}", "replies": {"totalItems": i}} for i in range(6)],
    )
    bob.post(client, create(bob, question))
    stored = Post.objects.get(uri=question["id"])
    assert [o["title"] for o in stored.poll.options] == [
        f"option {i}" for i in range(6)
    ] and stored.poll.multiple

    local = create_post(
        alice, "pick any", poll=PollSpec(options=["a", "b", "c"], expires_in=3600, multiple=True)
    )
    for n, name in enumerate(["a", "c"]):
        vote = {
            "id": f"{bob.uri}#votes/m{n}",
            "type": "Note",
            "name": name,
            "attributedTo": bob.uri,
            "inReplyTo": local.uri,
            "to": alice.uri,
        }
        bob.post(client, {"id": f"{vote['id']}/activity", "type": "Create", "actor": bob.uri, "object": vote})
    local.poll.refresh_from_db()
    assert [o["votes_count"] for o in local.poll.options] == [1, 0, 1] and local.poll.voters_count == 1


def test_delete_of_an_actor_removes_its_posts_follows_and_likes_quietly(client, alice, bob):
    from caravan.publishing import create_post

    followed_by(alice, bob)
    bob.post(client, {"id": f"{bob.uri}#follows/9", "type": "Follow", "actor": bob.uri, "object": alice.uri})
    bob.post(client, create(bob, note(bob, 50)))
    post = create_post(alice, "liked by bob")
    bob.post(client, {"id": f"{bob.uri}#likes/9", "type": "Like", "actor": bob.uri, "object": post.uri})
    alice.refresh_from_db()
    post.refresh_from_db()
    assert (alice.followers_count, alice.following_count, post.favourites_count) == (1, 1, 1)
    sent = Delivery.objects.count()

    delete = {"id": f"{bob.uri}#delete", "type": "Delete", "actor": bob.uri, "object": bob.uri}
    assert bob.post(client, delete).status_code == 202

    assert not Post.objects.filter(account=bob.account).exists()
    assert not Follow.objects.filter(account=bob.account).exists()
    assert not Follow.objects.filter(target_account=bob.account).exists()
    assert not Favourite.objects.filter(account=bob.account).exists()
    alice.refresh_from_db()
    post.refresh_from_db()
    assert (alice.followers_count, alice.following_count, post.favourites_count) == (0, 0, 0)
    assert Delivery.objects.count() == sent  # no Undo or Reject sent to an actor that is gone
