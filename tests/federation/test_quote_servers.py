"""Quote posts across three real servers (FEP-044f): alice on A quotes bob's post on B; B approves at once
(its policy is public) with a stamp A and its followers' servers check; bob revokes and the quote shows revoked
on A and on C, where carol follows alice. A post nobody may quote is refused, and hostile stamps (on the wrong
host, naming other posts) never make a quote accepted."""

import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(3, start_timeout=400) as federation:
        a, b, c = federation.servers
        mutual_follow(a, "alice", b, "bob")
        c.call("create_user", username="carol")
        c.call("follow", username="carol", handle=a.handle("alice"))
        wait_until(
            lambda: c.call("relationship", username="carol", uri=a.uri("alice"))["following"],
            what="carol following alice",
        )
        yield federation


def _state(server, uri, viewer=None):
    return server.call("quote_state", uri=uri, viewer=viewer)


def _arrived(server, uri):
    """Wait for a post delivered to `server` (a follower's): quoting it then finds it stored."""
    wait_until(lambda: _state(server, uri) is not None, what=f"{uri} on {server.base_url}")


def test_quote_approved_then_revoked_across_servers(fed):
    a, b, c = fed.servers
    original = b.call("quote_post", username="bob", text="bob's thought", quote_policy="public")
    _arrived(a, original["uri"])
    quoting = a.call("quote_post", username="alice", text="alice adds to it", quoted=original["uri"])
    assert "uri" in quoting, quoting
    # B answers the QuoteRequest: the quote is accepted on A with B's stamp, and B knows it too.
    accepted = wait_until(
        # Both readings: the row and the reader's view are two queries, and the Accept may land between them.
        lambda: (s := _state(a, quoting["uri"], "alice")) and s["stored"] == s["state"] == "accepted" and s,
        what="the quote accepted on A",
    )
    assert accepted["approval_uri"].startswith(b.base_url) and accepted["shown"] == original["uri"]
    on_b = wait_until(
        lambda: (s := _state(b, quoting["uri"], "bob")) and s["state"] == "accepted" and s,
        what="the accepted quote on B",
    )
    assert on_b["state"] == "accepted" and on_b["shown"] == original["uri"]
    assert "quote" in b.call("notifications", username="bob")
    # carol on C follows alice: her server checks B's stamp when the Update with it arrives.
    wait_until(
        lambda: (s := _state(c, quoting["uri"], "carol")) and s["state"] == "accepted",
        what="the accepted quote on C",
    )
    # bob takes his post back: A and carol's server C show the quote revoked, without bob's post.
    b.call("revoke_quote", username="bob", quoting=quoting["uri"])
    for server, viewer in ((a, "alice"), (c, "carol"), (b, "bob")):
        seen = wait_until(
            lambda server=server, viewer=viewer: (
                (s := _state(server, quoting["uri"], viewer)) and s["state"] == "revoked" and s
            ),
            what=f"the revoked quote on {server.base_url}",
        )
        assert seen["shown"] is None


def test_nobody_policy_is_rejected(fed):
    a, b, _ = fed.servers
    original = b.call("quote_post", username="bob", text="not for quoting", quote_policy="nobody")
    # A knows the policy from the Note's canQuote and refuses before asking.
    _arrived(a, original["uri"])
    assert _state(a, original["uri"])["policy"] == "nobody"
    assert a.call("quote_post", username="alice", text="trying", quoted=original["uri"]) == {
        "error": "quote_not_allowed"
    }


def test_nobody_policy_request_gets_a_reject(fed):
    """A server that asks anyway (its own rule differs) gets a Reject: the quote is rejected there."""
    a, b, _ = fed.servers
    original = b.call("quote_post", username="bob", text="ask me not", quote_policy="nobody")
    note = {
        "id": f"{a.uri('alice')}/statuses/990001",
        "type": "Note",
        "attributedTo": a.uri("alice"),
        "content": "<p>quoting regardless</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "quote": original["uri"],
    }
    request = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{a.uri('alice')}/statuses/990001/quote_request",
        "type": "QuoteRequest",
        "actor": a.uri("alice"),
        "object": original["uri"],
        "instrument": note,
    }
    a.call("send_raw", username="alice", inbox=f"{b.base_url}/inbox", activity=request)
    rejected = wait_until(
        lambda: (s := _state(b, note["id"], "bob")) and s["stored"] == "rejected" and s,
        what="the request rejected on B",
    )
    assert rejected["shown"] is None


@pytest.mark.parametrize("kind", ["wrong_host", "wrong_objects"])
def test_hostile_stamps_are_refused(fed, kind):
    a, b, c = fed.servers
    original = b.call("quote_post", username="bob", text=f"genuine {kind}", quote_policy="public")
    _arrived(a, original["uri"])
    honest = a.call("quote_post", username="alice", text="honest quote", quoted=original["uri"])
    genuine = wait_until(
        lambda: (s := _state(a, honest["uri"])) and s["stored"] == "accepted" and s,
        what="an honest quote accepted",
    )
    # carol on C claims a stamp: one on her own server, or bob's genuine stamp for alice's quote.
    stamp = f"{c.uri('carol')}/quote_authorizations/1" if kind == "wrong_host" else genuine["approval_uri"]
    note_id = f"{c.uri('carol')}/statuses/99{len(kind)}"
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": c.uri("carol"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [b.uri("bob")],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": c.uri("carol"),
            "content": f'<p><span class="h-card"><a href="{b.uri("bob")}">@bob</a></span> hostile</p>',
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [b.uri("bob")],
            "tag": [{"type": "Mention", "href": b.uri("bob"), "name": "@bob"}],
            "quote": original["uri"],
            "quoteAuthorization": stamp,
        },
    }
    c.call("send_raw", username="carol", inbox=f"{b.base_url}/inbox", activity=create)
    seen = wait_until(lambda: _state(b, note_id, "bob"), what="the hostile post on B")
    assert seen["stored"] == "rejected" and seen["state"] == "rejected" and seen["shown"] is None
