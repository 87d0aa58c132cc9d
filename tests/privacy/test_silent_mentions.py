"""Someone who was addressed once stays a recipient: an edit that drops their mention keeps them as a silent
mention (as Mastodon does). They are no longer shown or listed, but they keep reading the post, and their server
still receives its later edits and its deletion. Checked here at the delivery-row level and through the API of
a real server; tests/federation/test_servers.py checks it between real servers."""

import uuid

import orjson

from caravan.federation.models import Delivery
from caravan.posts.models import Mention
from caravan.posts.visibility import can_read, visible_posts
from caravan.publishing import create_post, delete_post, edit_post


def _sent(activity_type: str) -> list[tuple[str, dict]]:
    rows = Delivery.objects.filter(activity__type=activity_type).select_related("activity")
    return [(row.inbox_url, orjson.loads(bytes(row.activity.body))) for row in rows]


def test_an_edit_that_drops_a_mention_and_the_delete_still_reach_that_server(make_account, make_remote):
    alice = make_account("alice")
    bob = make_remote("bob", "far.example")
    carol = make_remote("carol", "near.example")
    post = create_post(alice, "@bob@far.example @carol@near.example plans", visibility="direct")

    edit_post(post, alice, "@carol@near.example plans, without bob")
    [update] = [body for inbox, body in _sent("Update") if inbox == "https://far.example/inbox"]
    assert {inbox for inbox, _ in _sent("Update")} == {
        "https://far.example/inbox",
        "https://near.example/inbox",
    }
    # Bob's server learns of the edit, but bob is no longer addressed or tagged in it.
    assert update["object"]["to"] == [carol.uri]
    assert [tag["href"] for tag in update["object"]["tag"] if tag["type"] == "Mention"] == [carol.uri]
    assert bob.uri not in orjson.dumps(update["object"]).decode()

    delete_post(post, alice)
    assert {inbox for inbox, _ in _sent("Delete")} == {
        "https://far.example/inbox",
        "https://near.example/inbox",
    }


def test_a_dropped_mention_is_silent_and_still_reads_the_post(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    post = create_post(alice, "@bob see you at noon", visibility="direct")
    edit_post(post, alice, "see you at noon")
    assert Mention.objects.get(post=post, account=bob).silent
    assert can_read(post, bob) and visible_posts(bob).filter(pk=post.pk).exists()
    assert post.shown_mentions == []
    edit_post(post, alice, "@bob see you at one")
    assert not Mention.objects.get(post=post, account=bob).silent


def test_silent_mentions_are_not_listed_in_the_api_but_keep_access(signup):
    tag = uuid.uuid4().hex[:6]
    alice, carol, dave = (signup(f"{name}{tag}") for name in ("sa", "sc", "sd"))
    carol_acct = carol.account_verify_credentials()["acct"]
    dave_acct = dave.account_verify_credentials()["acct"]
    post = alice.status_post(f"@{carol_acct} @{dave_acct} the plan", visibility="direct")
    assert sorted(m["acct"] for m in post["mentions"]) == sorted([carol_acct, dave_acct])

    edited = alice.status_update(post["id"], f"@{dave_acct} the plan, between us")
    assert [m["acct"] for m in edited["mentions"]] == [dave_acct]
    assert f"@{carol_acct}" not in edited["content"] and f"/@{carol_acct}" not in edited["content"]
    # Carol was addressed once: she keeps reading the post (and its later versions), unlisted as a mention.
    seen_by_carol = carol.status(post["id"])
    assert [m["acct"] for m in seen_by_carol["mentions"]] == [dave_acct]
    assert "between us" in seen_by_carol["content"]
    assert [m["acct"] for m in alice.status(post["id"])["mentions"]] == [dave_acct]
