"""Quote posts through Mastodon.py against a real `caravan serve` (Mastodon 4.5): `quoted_status_id` and
`quote_approval_policy` on posting, the nested `quote` (Quote, ShallowQuote one level deeper) and
`quote_approval`, the 422 when quoting is not allowed, the interaction policy, the quotes list with Link paging,
revoking, the `quote` and `quoted_update` notifications, and a quote of a post the reader cannot read."""

import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError


def fresh(signup):
    return signup(f"qt{uuid.uuid4().hex[:10]}")


def raw(client, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{client.api_base_url}{path}",
        headers={"Authorization": f"Bearer {client.access_token}"},
        timeout=30,
        **kwargs,
    )


def test_quote_is_accepted_nested_and_notified(server, signup):
    author, quoter = fresh(signup), fresh(signup)
    original = author.status_post("the original thought")
    assert original["quote_approval"] == {"automatic": ["public"], "manual": [], "current_user": "automatic"}
    seen_by_quoter = quoter.status(original["id"])
    assert seen_by_quoter["quote_approval"]["current_user"] == "automatic"
    quoting = quoter.status_post("adding to it", quoted_status_id=original["id"])
    assert quoting["quote"]["state"] == "accepted"
    assert quoting["quote"]["quoted_status"]["id"] == original["id"]
    assert quoting["quote"]["quoted_status"]["content"] == original["content"]
    # A quote of the quote: the inner one is a ShallowQuote.
    again = author.status_post("quoting the quote", quoted_status_id=quoting["id"])
    inner = again["quote"]["quoted_status"]["quote"]
    assert inner == {"state": "accepted", "quoted_status_id": original["id"]}
    # The author is told, with the quoting status.
    note = next(n for n in author.notifications(types=["quote"]))
    assert note["type"] == "quote" and note["status"]["id"] == quoting["id"]
    # Public timelines carry the nested quote too (the status cache keeps no quote state).
    timeline = quoter.timeline_home()
    assert (
        next(s for s in timeline if s["id"] == quoting["id"])["quote"]["quoted_status"]["id"]
        == original["id"]
    )


def test_not_allowed_quotes_are_422_and_store_nothing(server, signup):
    author, stranger = fresh(signup), fresh(signup)
    closed = author.status_post("mine alone", quote_approval_policy="nobody")
    assert closed["quote_approval"]["automatic"] == []
    assert stranger.status(closed["id"])["quote_approval"]["current_user"] == "denied"
    before = stranger.me()["statuses_count"]
    response = raw(
        stranger, "POST", "/api/v1/statuses", data={"status": "x", "quoted_status_id": closed["id"]}
    )
    assert response.status_code == 422
    assert "does not allow you to quote" in response.json()["error"]
    assert stranger.me()["statuses_count"] == before
    private = author.status_post("followers only", visibility="private")
    response = raw(
        stranger, "POST", "/api/v1/statuses", data={"status": "x", "quoted_status_id": private["id"]}
    )
    assert response.status_code == 404 and response.json()["error"]
    response = raw(stranger, "POST", "/api/v1/statuses", data={"status": "x", "quoted_status_id": "abc"})
    assert response.status_code == 404
    bad = raw(author, "POST", "/api/v1/statuses", data={"status": "x", "quote_approval_policy": "everyone"})
    assert bad.status_code == 422 and bad.json()["error"]


def test_followers_policy_and_changing_it(server, signup):
    author, follower, stranger = fresh(signup), fresh(signup), fresh(signup)
    follower.account_follow(author.me()["id"])
    post = author.status_post("for followers to quote", quote_approval_policy="followers")
    assert post["quote_approval"]["automatic"] == ["followers"]
    assert follower.status(post["id"])["quote_approval"]["current_user"] == "automatic"
    assert stranger.status(post["id"])["quote_approval"]["current_user"] == "denied"
    assert follower.status_post("I may", quoted_status_id=post["id"])["quote"]["state"] == "accepted"
    with pytest.raises(MastodonAPIError):
        stranger.status_post("I may not", quoted_status_id=post["id"])
    opened = author.status_update_quote_approval_policy(post["id"], "public")
    assert opened["quote_approval"]["automatic"] == ["public"]
    assert stranger.status_post("now I may", quoted_status_id=post["id"])["quote"]["state"] == "accepted"
    refused = raw(
        stranger,
        "PUT",
        f"/api/v1/statuses/{post['id']}/interaction_policy",
        data={"quote_approval_policy": "nobody"},
    )
    assert refused.status_code == 403 and refused.json()["error"]
    assert author.status(post["id"])["quote_approval"]["automatic"] == ["public"]


def test_quotes_list_paging_revoke_and_edit_notice(server, signup):
    author, quoters = fresh(signup), [fresh(signup) for _ in range(3)]
    original = author.status_post("much quoted")
    quoting = [q.status_post(f"quote {i}", quoted_status_id=original["id"]) for i, q in enumerate(quoters)]
    assert author.status(original["id"])["quotes_count"] == 3
    first = author.status_quotes(original["id"], limit=2)
    assert [s["id"] for s in first] == [quoting[2]["id"], quoting[1]["id"]]
    rest = author.fetch_next(first)
    assert [s["id"] for s in rest] == [quoting[0]["id"]]
    # Only the author lists them.
    assert raw(quoters[0], "GET", f"/api/v1/statuses/{original['id']}/quotes").status_code == 403
    # An edit tells those who quoted it.
    author.status_update(original["id"], "much quoted, edited")
    assert any(n["type"] == "quoted_update" for n in quoters[0].notifications())
    # Revoking: the quoting status answers revoked, for everyone, at once.
    revoked = author.status_quote_revoke(original["id"], quoting[0]["id"])
    assert revoked["quote"] == {"state": "revoked", "quoted_status": None}
    assert quoters[0].status(quoting[0]["id"])["quote"] == {"state": "revoked", "quoted_status": None}
    anonymous = requests.get(f"{server}/api/v1/statuses/{quoting[0]['id']}", timeout=30).json()
    assert anonymous["quote"] == {"state": "revoked", "quoted_status": None}
    assert [s["id"] for s in author.status_quotes(original["id"])] == [quoting[2]["id"], quoting[1]["id"]]
    assert author.status(original["id"])["quotes_count"] == 2
    # Someone else cannot revoke.
    response = raw(quoters[1], "POST", f"/api/v1/statuses/{original['id']}/quotes/{quoting[1]['id']}/revoke")
    assert response.status_code == 403


def test_quote_of_a_post_the_reader_cannot_read_shows_nothing_of_it(server, signup):
    author, quoter, blocked = fresh(signup), fresh(signup), fresh(signup)
    original = author.status_post("soon hidden from one reader")
    quoting = quoter.status_post("quoting", quoted_status_id=original["id"])
    author.account_block(blocked.me()["id"])
    seen = blocked.status(quoting["id"])
    assert seen["quote"] == {"state": "unauthorized", "quoted_status": None}
    assert "soon hidden" not in str(seen)
    author.status_delete(original["id"])
    assert quoter.status(quoting["id"])["quote"] == {"state": "deleted", "quoted_status": None}
