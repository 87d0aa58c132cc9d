"""Notification policies and requests (Mastodon 4.3) through Mastodon.py against a real `caravan serve`: a
stranger's private mention held in a request (not listed, not streamed, shown with include_filtered), Mastodon's
defaults, a new account's follow filtered or dropped by the policy, accepting (held notifications join the list and
later ones pass) and dismissing (they are gone), several at once by `id[]`, the summary, errors and privacy."""

import json
import queue
import threading
import time
import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from tests.api.test_streaming import _read_sse


def fresh(signup, prefix: str = "np"):
    return signup(f"{prefix}{uuid.uuid4().hex[:10]}")


def raw(client, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{client.api_base_url}{path}",
        headers={"Authorization": f"Bearer {client.access_token}"},
        timeout=30,
        **kwargs,
    )


def listed(client, **params) -> list[dict]:
    response = raw(client, "GET", "/api/v1/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_defaults_are_mastodons_and_a_strangers_private_mention_is_held(signup):
    me, stranger, friend = fresh(signup), fresh(signup), fresh(signup)
    acct = me.me()["acct"]
    policy = me.notifications_policy()
    assert {k: v for k, v in policy.items() if k != "summary" and v is not None} == {
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "filter",
        "for_limited_accounts": "filter",
    }
    assert policy["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}

    held = stranger.status_post(f"@{acct} psst, a secret", visibility="direct")
    public = stranger.status_post(f"@{acct} hello in public")
    me.account_follow(friend.me()["id"])
    from_friend = friend.status_post(f"@{acct} a private word between friends", visibility="direct")
    # A stranger's answer to my own private mention is solicited: it comes through.
    mine = me.status_post(f"@{stranger.me()['acct']} a question for you", visibility="direct")
    answer = stranger.status_post(
        f"@{acct} here is the answer", visibility="direct", in_reply_to_id=mine["id"]
    )

    shown = [n["status"]["id"] for n in listed(me)]
    assert shown == [answer["id"], from_friend["id"], public["id"]]
    assert held["id"] not in shown
    assert raw(me, "GET", "/api/v1/notifications/unread_count").json() == {"count": 3}
    everything = [n["status"]["id"] for n in listed(me, include_filtered="true")]
    assert everything == [answer["id"], from_friend["id"], public["id"], held["id"]]

    [request] = me.notification_requests()
    assert request["account"]["id"] == stranger.me()["id"]
    assert request["notifications_count"] == "1"
    assert request["last_status"]["id"] == held["id"]
    assert me.notification_request(request["id"])["id"] == request["id"]
    assert me.notifications_policy()["summary"] == {
        "pending_requests_count": 1,
        "pending_notifications_count": 1,
    }
    # Nobody else sees, or can act on, my requests.
    with pytest.raises(MastodonNotFoundError):
        stranger.notification_request(request["id"])
    with pytest.raises(MastodonNotFoundError):
        stranger.accept_notification_request(request["id"])
    # (The stranger holds a request of its own: my private mention, unasked, from someone it does not follow.)
    assert request["id"] not in [r["id"] for r in stranger.notification_requests()]


def test_accepting_moves_the_held_notifications_in_and_lets_later_ones_through(signup):
    me, stranger = fresh(signup), fresh(signup)
    acct = me.me()["acct"]
    first = stranger.status_post(f"@{acct} one", visibility="direct")
    second = stranger.status_post(f"@{acct} two", visibility="direct")
    [request] = me.notification_requests()
    assert request["notifications_count"] == "2" and request["last_status"]["id"] == second["id"]
    assert listed(me) == []

    me.accept_notification_request(request["id"])
    assert me.notifications_merged() is True
    assert me.notification_requests() == []
    assert [n["status"]["id"] for n in listed(me)] == [second["id"], first["id"]]
    # The sender is now allowed: its next private mention goes straight to the list.
    third = stranger.status_post(f"@{acct} three", visibility="direct")
    assert listed(me)[0]["status"]["id"] == third["id"]
    assert me.notification_requests() == []


def test_dismissing_deletes_the_held_notifications_and_a_new_request_opens_later(signup):
    me, stranger = fresh(signup), fresh(signup)
    acct = me.me()["acct"]
    stranger.status_post(f"@{acct} unwanted", visibility="direct")
    [request] = me.notification_requests()
    me.dismiss_notification_request(request["id"])
    assert me.notification_requests() == []
    assert listed(me, include_filtered="true") == []
    with pytest.raises(MastodonNotFoundError):
        me.notification_request(request["id"])
    again = stranger.status_post(f"@{acct} unwanted again", visibility="direct")
    [renewed] = me.notification_requests()
    assert renewed["id"] != request["id"] and renewed["last_status"]["id"] == again["id"]
    assert renewed["notifications_count"] == "1"


def test_policy_filters_and_drops_new_accounts_and_strangers(signup):
    me = fresh(signup)
    me_id = me.me()["id"]
    updated = me.update_notifications_policy(for_new_accounts="filter")
    assert updated["for_new_accounts"] == "filter" and updated["for_private_mentions"] == "filter"
    assert me.notifications_policy()["for_new_accounts"] == "filter"
    newcomer = fresh(signup)  # every account here was made seconds ago: all are new
    newcomer.account_follow(me_id)
    assert listed(me) == []
    [request] = me.notification_requests()
    assert request["account"]["id"] == newcomer.me()["id"] and request["last_status"] is None
    assert [n["type"] for n in listed(me, include_filtered="true")] == ["follow"]

    # Someone I follow passes the new-accounts rule, as on Mastodon.
    known = fresh(signup)
    me.account_follow(known.me()["id"])
    known.account_follow(me_id)
    assert [n["account"]["id"] for n in listed(me)] == [known.me()["id"]]

    # drop: the notification is never made, not even as a filtered one; the follow itself still happens.
    me.update_notifications_policy(for_not_following="drop")
    dropper = fresh(signup)
    dropper.account_follow(me_id)
    post = me.status_post("favourite me")
    dropper.status_favourite(post["id"])
    assert [n["account"]["id"] for n in listed(me, include_filtered="true")] == [
        known.me()["id"],
        newcomer.me()["id"],
    ]
    assert dropper.account_relationships(me_id)[0]["following"] is True
    assert len(me.notification_requests()) == 1


def test_accept_and_dismiss_several_by_id(signup):
    me = fresh(signup)
    acct = me.me()["acct"]
    senders = [fresh(signup) for _ in range(3)]
    for sender in senders:
        sender.status_post(f"@{acct} hi", visibility="direct")
    requests_by_sender = {r["account"]["id"]: r["id"] for r in me.notification_requests()}
    assert len(requests_by_sender) == 3
    ids = [requests_by_sender[s.me()["id"]] for s in senders]
    other = fresh(signup)
    # Someone else's ids are ignored, as on Mastodon.
    assert raw(other, "POST", "/api/v1/notifications/requests/accept", data={"id[]": ids}).status_code == 200
    assert len(me.notification_requests()) == 3
    # `id[]=` as Phanpy and Elk send it (Mastodon.py's helpers send `id[][]=`, which Mastodon ignores too).
    assert raw(me, "POST", "/api/v1/notifications/requests/accept", data={"id[]": ids[:2]}).json() == {}
    assert raw(me, "POST", "/api/v1/notifications/requests/dismiss", data={"id[]": ids[2:]}).json() == {}
    assert me.notification_requests() == []
    assert {n["account"]["id"] for n in listed(me)} == {senders[0].me()["id"], senders[1].me()["id"]}
    bad = raw(me, "POST", "/api/v1/notifications/requests/accept", data={"id[]": ["abc"]})
    assert bad.status_code == 422 and "error" in bad.json()


def test_requests_page_with_link_headers(signup):
    me = fresh(signup)
    acct = me.me()["acct"]
    for _ in range(3):
        fresh(signup).status_post(f"@{acct} knock knock", visibility="direct")
    first = raw(me, "GET", "/api/v1/notifications/requests", params={"limit": 2})
    assert first.status_code == 200 and len(first.json()) == 2
    assert 'rel="next"' in first.headers["Link"]
    rest = requests.get(
        first.links["next"]["url"], headers={"Authorization": f"Bearer {me.access_token}"}, timeout=30
    ).json()
    assert len(rest) == 1
    assert {r["id"] for r in first.json()} | {rest[0]["id"]} == {r["id"] for r in me.notification_requests()}


def test_bad_policy_values_are_refused_and_nothing_changes(signup):
    me = fresh(signup)
    with pytest.raises(MastodonAPIError) as refused:
        me.update_notifications_policy(for_not_following="sometimes")
    assert "for_not_following" in str(refused.value)
    response = raw(
        me, "PATCH", "/api/v2/notifications/policy", json={"for_new_accounts": "drop", "for_x": "y"}
    )
    assert response.status_code == 200 and response.json()["for_new_accounts"] == "drop"
    response = raw(me, "PATCH", "/api/v2/notifications/policy", json={"for_new_accounts": ["accept"]})
    assert response.status_code == 422 and "error" in response.json()
    assert me.notifications_policy()["for_not_following"] == "accept"
    assert me.notifications_policy()["for_new_accounts"] == "drop"
    assert raw(me, "GET", "/api/v1/notifications/requests/999999999").status_code == 404
    assert raw(me, "POST", "/api/v1/notifications/requests/notanid/accept").status_code == 404


def test_a_filtered_notification_is_not_streamed_an_accepted_senders_is(signup, server):
    me, stranger = fresh(signup), fresh(signup)
    acct = me.me()["acct"]
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_sse,
        args=(f"{server}/api/v1/streaming/user/notification", me.access_token, events, stop),
        daemon=True,
    )
    reader.start()
    try:
        assert events.get(timeout=10) == ("status", 200)
        time.sleep(0.3)
        stranger.status_post(f"@{acct} held back", visibility="direct")
        marker = fresh(signup).status_post(f"@{acct} a public mention after it")
        seen = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                event, data = events.get(timeout=1)
            except queue.Empty:
                continue
            if event == "notification":
                seen.append(json.loads(data)["status"]["id"])
                if seen[-1] == marker["id"]:
                    break
        assert seen == [marker["id"]]  # the held mention never reached the stream
        [request] = me.notification_requests()
        me.accept_notification_request(request["id"])
        passed = stranger.status_post(f"@{acct} now allowed", visibility="direct")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            event, data = events.get(timeout=15)
            if event == "notification":
                assert json.loads(data)["status"]["id"] == passed["id"]
                break
        else:
            raise AssertionError("no notification for the accepted sender")
    finally:
        stop.set()


def test_a_deleted_held_post_leaves_the_request_without_a_status(signup):
    me, stranger = fresh(signup), fresh(signup)
    post = stranger.status_post(f"@{me.me()['acct']} soon gone", visibility="direct")
    stranger.status_post(f"@{me.me()['acct']} public one", visibility="private")
    stranger.status_delete(post["id"])
    for request in me.notification_requests():
        assert request["last_status"] is None or request["last_status"]["id"] != post["id"]
    assert post["id"] not in [n["status"]["id"] for n in listed(me, include_filtered="true")]
