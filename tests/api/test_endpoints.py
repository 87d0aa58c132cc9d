"""Every endpoint group, driven through the real Mastodon.py library against a real server."""

import io
import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError
from PIL import Image

from tests.api.conftest import wait_until


def png(colour=(200, 30, 30), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def pair(signup):
    """Two fresh people, so tests do not share relationships."""
    tag = uuid.uuid4().hex[:6]
    return signup(f"a{tag}"), signup(f"b{tag}")


def me(client):
    return client.account_verify_credentials()


def test_profile_update_and_lookup(pair, server):
    alice, bob = pair
    updated = alice.account_update_credentials(
        display_name="Alice A.",
        note="Hello, I am #new here",
        fields=[("Site", "https://example.org")],
        avatar=png(),
        avatar_mime_type="image/png",
        locked=False,
        default_privacy="unlisted",
        default_sensitive=True,
    )
    assert updated["display_name"] == "Alice A." and "hashtag" in updated["note"]
    assert updated["fields"][0]["name"] == "Site"
    assert updated["source"]["privacy"] == "unlisted" and updated["source"]["sensitive"] is True
    assert "/media/avatars/" in updated["avatar"]
    assert requests.get(updated["avatar"], timeout=10).status_code == 200
    found = bob.account_lookup(updated["acct"])
    assert found["id"] == updated["id"]
    assert bob.account(updated["id"])["display_name"] == "Alice A."
    assert alice.preferences()["posting:default:visibility"] == "unlisted"
    # masto.js sends profile fields as fields_attributes[0][name] in multipart; JSON hashes work too.
    token = alice.access_token
    response = requests.patch(
        f"{server}/api/v1/accounts/update_credentials",
        headers={"Authorization": f"Bearer {token}"},
        files={
            "fields_attributes[0][name]": (None, "Pronouns"),
            "fields_attributes[0][value]": (None, "she/her"),
            "source[privacy]": (None, "public"),
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["fields"] == [{"name": "Pronouns", "value": "she/her", "verified_at": None}]
    assert response.json()["source"]["privacy"] == "public"


def test_posting_editing_and_status_actions(pair):
    alice, bob = pair
    media = alice.media_post(png(), mime_type="image/png", description="a red square", focus=(0.1, -0.2))
    assert media["type"] == "image" and media["description"] == "a red square"
    assert alice.media(media["id"])["url"] == media["url"]
    alice.media_update(media["id"], description="a red rectangle")
    post = alice.status_post(
        "Look #Caravan",
        media_ids=[media["id"]],
        sensitive=True,
        spoiler_text="colour",
        language="en",
        idempotency_key="key-1",
    )
    again = alice.status_post("Look #Caravan", media_ids=[media["id"]], idempotency_key="key-1")
    assert again["id"] == post["id"]
    assert post["media_attachments"][0]["description"] == "a red rectangle"
    assert post["spoiler_text"] == "colour" and post["sensitive"] and post["language"] == "en"
    assert post["tags"][0]["name"].lower() == "caravan"

    reply = bob.status_post("@" + me(alice)["acct"] + " nice", in_reply_to_id=post["id"])
    assert reply["in_reply_to_id"] == post["id"]
    context = alice.status_context(post["id"])
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    assert [s["id"] for s in bob.status_context(reply["id"])["ancestors"]] == [post["id"]]

    edited = alice.status_update(post["id"], "Look again #Caravan", spoiler_text="colour")
    assert "again" in edited["content"] and edited["edited_at"] is not None
    assert len(alice.status_history(post["id"])) == 2
    assert alice.status_source(post["id"])["text"] == "Look again #Caravan"

    boost = bob.status_reblog(post["id"])
    assert boost["reblog"]["id"] == post["id"] and boost["reblogged"] is True
    assert bob.status_favourite(post["id"])["favourited"] is True
    assert bob.status_bookmark(post["id"])["bookmarked"] is True
    assert bob.status_mute(post["id"])["muted"] is True
    assert bob.status_unmute(post["id"])["muted"] is False
    assert [a["id"] for a in alice.status_reblogged_by(post["id"])] == [me(bob)["id"]]
    assert [a["id"] for a in alice.status_favourited_by(post["id"])] == [me(bob)["id"]]
    assert [s["id"] for s in bob.bookmarks()] == [post["id"]]
    assert [s["id"] for s in bob.favourites()] == [post["id"]]
    assert bob.status_unreblog(post["id"])["reblogged"] is False
    assert bob.status_unfavourite(post["id"])["favourited"] is False
    assert bob.status_unbookmark(post["id"])["bookmarked"] is False
    assert alice.status_pin(post["id"])["pinned"] is True
    assert [s["id"] for s in alice.account_statuses(me(alice)["id"], pinned=True)] == [post["id"]]
    assert alice.status_unpin(post["id"])["pinned"] is False

    poll = alice.status_post("Tea or coffee?", poll=alice.make_poll(["Tea", "Coffee"], expires_in=3600))
    voted = bob.poll_vote(poll["poll"]["id"], [1])
    assert voted["voted"] is True and voted["own_votes"] == [1] and voted["votes_count"] == 1
    assert alice.poll(poll["poll"]["id"])["options"][1]["votes_count"] == 1
    with pytest.raises(MastodonAPIError):
        bob.poll_vote(poll["poll"]["id"], [0])

    assert [s["id"] for s in alice.account_statuses(me(alice)["id"], only_media=True)] == [post["id"]]
    assert reply["id"] not in [s["id"] for s in bob.account_statuses(me(bob)["id"], exclude_replies=True)]
    assert [s["id"] for s in alice.account_statuses(me(alice)["id"], tagged="caravan")] == [post["id"]]

    deleted = alice.status_delete(poll["id"])
    assert deleted["text"] == "Tea or coffee?"
    with pytest.raises(MastodonNotFoundError):
        alice.status(poll["id"])


def test_follows_blocks_mutes_and_requests(pair, signup):
    alice, bob = pair
    a, b = me(alice), me(bob)
    rel = bob.account_follow(a["id"], reblogs=False, notify=True)
    assert rel["following"] and rel["notifying"] and not rel["showing_reblogs"]
    assert alice.account_relationships([b["id"]])[0]["followed_by"] is True
    assert [x["id"] for x in alice.account_followers(a["id"])] == [b["id"]]
    assert [x["id"] for x in bob.account_following(b["id"])] == [a["id"]]
    assert bob.account_note_set(a["id"], "met at the station")["note"] == "met at the station"
    assert bob.account_unfollow(a["id"])["following"] is False

    assert alice.account_mute(b["id"], duration=3600)["muting"] is True
    assert [x["id"] for x in alice.mutes()] == [b["id"]]
    assert alice.account_unmute(b["id"])["muting"] is False
    assert alice.account_block(b["id"])["blocking"] is True
    assert [x["id"] for x in alice.blocks()] == [b["id"]]
    with pytest.raises(MastodonAPIError):
        bob.account_follow(a["id"])
    assert alice.account_unblock(b["id"])["blocking"] is False

    alice.domain_block("spam.example")
    assert alice.domain_blocks() == ["spam.example"]
    alice.domain_unblock("spam.example")
    assert alice.domain_blocks() == []

    alice.account_update_credentials(locked=True)
    assert bob.account_follow(a["id"])["requested"] is True
    assert [x["id"] for x in alice.follow_requests()] == [b["id"]]
    assert alice.follow_request_authorize(b["id"])["followed_by"] is True
    carol = signup(f"c{uuid.uuid4().hex[:8]}")
    assert carol.account_follow(a["id"])["requested"] is True
    assert alice.follow_request_reject(me(carol)["id"])["requested_by"] is False
    assert carol.account_relationships([a["id"]])[0]["following"] is False

    carol.account_follow(b["id"])
    familiar = carol.account_familiar_followers(a["id"])
    assert [x["id"] for x in familiar[0]["accounts"]] == [b["id"]]
    assert a["id"] in [x["id"] for x in bob.account_search(a["username"])]
    assert isinstance(carol.suggestions(), list)


def test_timelines_lists_markers_and_pagination(pair):
    alice, bob = pair
    a = me(alice)
    bob.account_follow(a["id"])
    posts = [alice.status_post(f"post {i} #trainride") for i in range(5)]
    wait_until(lambda: len(bob.timeline_home(limit=40)) >= 5)
    home = bob.timeline_home(limit=2)
    assert [s["id"] for s in home] == [posts[4]["id"], posts[3]["id"]]
    older = bob.fetch_next(home)
    assert [s["id"] for s in older] == [posts[2]["id"], posts[1]["id"]]
    newer = bob.fetch_previous(older)
    assert [s["id"] for s in newer] == [posts[4]["id"], posts[3]["id"]]
    assert posts[4]["id"] in [s["id"] for s in bob.timeline_local()]
    assert posts[4]["id"] in [s["id"] for s in bob.timeline_hashtag("trainride")]

    lst = bob.list_create("Friends")
    bob.list_accounts_add(lst["id"], [a["id"]])
    assert [x["id"] for x in bob.list_accounts(lst["id"])] == [a["id"]]
    assert [x["id"] for x in bob.account_lists(a["id"])] == [lst["id"]]
    assert [s["id"] for s in bob.timeline_list(lst["id"], limit=5)][0] == posts[4]["id"]
    assert bob.list_update(lst["id"], title="Close friends")["title"] == "Close friends"
    bob.list_accounts_delete(lst["id"], [a["id"]])
    assert bob.list_accounts(lst["id"]) == []
    bob.list_delete(lst["id"])
    assert bob.lists() == []

    markers = bob.markers_set(["home"], [posts[4]["id"]])
    assert markers["home"]["last_read_id"] == posts[4]["id"]
    assert bob.markers_get(["home"])["home"]["last_read_id"] == posts[4]["id"]


def test_notifications_and_filters(pair):
    alice, bob = pair
    a, b = me(alice), me(bob)
    bob.account_follow(a["id"])
    mention = bob.status_post(f"@{a['acct']} hello there")
    favourite_target = alice.status_post("favourite me")
    bob.status_favourite(favourite_target["id"])
    notes = wait_until(lambda: alice.notifications() if len(alice.notifications()) >= 3 else None)
    assert {n["type"] for n in notes} == {"follow", "mention", "favourite"}
    follow = next(n for n in notes if n["type"] == "follow")
    assert follow.get("status") is None
    assert [n["type"] for n in alice.notifications(types=["mention"])] == ["mention"]
    assert "mention" not in [n["type"] for n in alice.notifications(exclude_types=["mention"])]
    one = alice.notifications(id=follow["id"])
    assert one["account"]["id"] == b["id"]
    assert alice.notifications_unread_count()["count"] == 3
    alice.notifications_dismiss(follow["id"])
    assert len(alice.notifications()) == 2
    grouped = requests.get(
        f"{alice.api_base_url}/api/v2/notifications",
        headers={"Authorization": f"Bearer {alice.access_token}"},
        timeout=10,
    ).json()
    assert {g["type"] for g in grouped["notification_groups"]} == {"mention", "favourite"}
    assert mention["id"] in [s["id"] for s in grouped["statuses"]]
    alice.notifications_clear()
    assert alice.notifications() == []

    warn = bob.create_filter_v2(
        "trains", ["home"], "warn", keywords_attributes=[{"keyword": "train", "whole_word": True}]
    )
    hide = bob.create_filter_v2("spoilers", ["home"], "hide", keywords_attributes=[{"keyword": "ending"}])
    assert [f["id"] for f in bob.filters_v2()] == [warn["id"], hide["id"]]
    alice.status_post("my train is late")
    alice.status_post("the ending was sad")
    wait_until(lambda: any("train" in s["content"] for s in bob.timeline_home()))
    home = bob.timeline_home()
    train = next(s for s in home if "train" in s["content"])
    assert train["filtered"][0]["filter"]["id"] == warn["id"]
    assert train["filtered"][0]["keyword_matches"] == ["train"]
    assert not any("ending" in s["content"] for s in home)
    bob.delete_filter_v2(hide["id"])
    assert [f["id"] for f in bob.filters_v2()] == [warn["id"]]


def test_search_tags_conversations_reports_and_instance(pair, server):
    alice, bob = pair
    a = me(alice)
    unique = f"zq{uuid.uuid4().hex[:6]}"
    post = alice.status_post(f"Searching for {unique} #{unique}")
    result = bob.search_v2(unique, resolve=False)
    assert [s["id"] for s in result["statuses"]] == [post["id"]]
    assert [t["name"] for t in result["hashtags"]] == [unique]
    assert a["id"] in [x["id"] for x in bob.search_v2(a["username"], result_type="accounts")["accounts"]]
    assert bob.tag_follow(unique)["following"] is True
    assert [t["name"] for t in bob.followed_tags()] == [unique]
    assert bob.tag_unfollow(unique)["following"] is False

    direct = alice.status_post(f"@{me(bob)['acct']} just us", visibility="direct")
    conversations = wait_until(lambda: bob.conversations())
    assert conversations[0]["last_status"]["id"] == direct["id"] and conversations[0]["unread"] is True
    assert bob.conversations_read(conversations[0]["id"])["unread"] is False

    report = bob.report(a["id"], status_ids=[post["id"]], comment="spam", category="spam")
    assert report["target_account"]["id"] == a["id"] and report["status_ids"] == [post["id"]]

    assert bob.instance()["version"].startswith("4.3.0")
    v2 = bob.instance_v2()
    assert v2["api_versions"]["mastodon"] == 2 and v2["configuration"]["statuses"]["max_characters"] == 500
    assert isinstance(bob.instance_peers(), list) and len(bob.instance_activity()) == 12
    assert isinstance(bob.instance_rules(), list)
    assert bob.custom_emojis() == [] and bob.announcements() == []
    assert isinstance(bob.trending_tags(), list)
    for path in ("/api/v1/instance", "/api/v1/instance/", "/api/v2/instance/"):
        assert requests.get(server + path, timeout=10).status_code == 200
