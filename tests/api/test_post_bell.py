"""The bell: following with `notify=true` tells the follower of each new post by that account (a `status`
notification, as Mastodon), never of its boosts or its replies to others, and never for followers without it."""

import uuid

from tests.api.conftest import wait_until


def _status_notifications(client) -> list[dict]:
    return [n for n in client.notifications() if n["type"] == "status"]


def test_followers_with_the_bell_are_told_of_new_posts(signup):
    tag = uuid.uuid4().hex[:6]
    author, belled, plain, other = (signup(f"{n}{tag}") for n in ("au", "be", "pl", "ot"))
    author_id = author.account_verify_credentials()["id"]
    assert belled.account_follow(author_id, notify=True)["notifying"] is True
    plain.account_follow(author_id)

    post = author.status_post("The caravan leaves at dawn")
    told = wait_until(lambda: _status_notifications(belled))
    assert [(n["status"]["id"], n["account"]["id"]) for n in told] == [(post["id"], author_id)]

    # Not for a boost, nor for a reply to someone else (it reaches the home of who follows both), but a reply
    # to oneself (a thread) counts.
    belled.account_follow(other.account_verify_credentials()["id"])
    other_post = other.status_post("Who is coming?")
    boost = author.status_reblog(other_post["id"])
    reply = author.status_post("I am!", in_reply_to_id=other_post["id"])
    thread = author.status_post("More in the thread", in_reply_to_id=post["id"])
    wanted = {boost["id"], reply["id"], thread["id"]}
    wait_until(lambda: wanted <= {s["id"] for s in belled.timeline_home()})
    assert [n["status"]["id"] for n in _status_notifications(belled)] == [thread["id"], post["id"]]
    assert _status_notifications(plain) == []

    # A followers-only post reaches the belled follower too; ringing stops when the bell is turned off.
    private = author.status_post("Followers only", visibility="private")
    wait_until(lambda: len(_status_notifications(belled)) == 3)
    assert _status_notifications(belled)[0]["status"]["id"] == private["id"]
    belled.account_follow(author_id, notify=False)
    quiet = author.status_post("After the bell is off")
    wait_until(lambda: any(s["id"] == quiet["id"] for s in belled.timeline_home()))
    assert len(_status_notifications(belled)) == 3
