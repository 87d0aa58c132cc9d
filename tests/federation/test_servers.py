"""Real servers talking ActivityPub to each other over loopback HTTP: follows, posts, threads, boosts,
favourites, polls, edits, deletes, blocks, followers-only reach, a receiver that was down, and forgeries."""

import http.server
import threading
import time
import urllib.error
import urllib.request

import orjson
import pytest

from tests.federation.conftest import keypair
from tests.federation.harness import Federation, free_port, loopback_host, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(3) as federation:
        a, b, c = federation.servers
        a.call("create_user", username="alice")
        b.call("create_user", username="bob")
        b.call("create_user", username="carol", locked=True)
        c.call("create_user", username="dave")
        yield federation


def _relationship(server, username, other_uri):
    return server.call("relationship", username=username, uri=other_uri)


def _follow(fed, follower_server, follower, target_server, target):
    follower_server.call("follow", username=follower, handle=target_server.handle(target))
    wait_until(
        lambda: _relationship(follower_server, follower, target_server.uri(target))["following"],
        what=f"{follower} to follow {target}",
    )


def test_follow_is_accepted_across_servers(fed):
    a, b, _c = fed.servers
    assert b.call("follow", username="bob", handle=a.handle("alice"))["kind"] == "FollowRequest"
    wait_until(lambda: _relationship(b, "bob", a.uri("alice"))["following"], what="Accept to arrive")
    assert _relationship(a, "alice", b.uri("bob"))["followed_by"]


def test_follow_request_to_a_locked_account_waits_for_approval(fed):
    _a, b, c = fed.servers
    c.call("follow", username="dave", handle=b.handle("carol"))
    wait_until(lambda: _relationship(b, "carol", c.uri("dave")).get("requested_by"), what="request to arrive")
    time.sleep(0.5)
    assert not _relationship(c, "dave", b.uri("carol"))["following"]
    b.call("accept", username="carol", handle=c.handle("dave"))
    wait_until(lambda: _relationship(c, "dave", b.uri("carol"))["following"], what="Accept from carol")


def test_posts_and_reply_threads_cross_servers(fed):
    a, b, c = fed.servers
    post = a.call("post", username="alice", text="Hello fediverse #caravan")
    arrived = wait_until(lambda: b.call("get_post", uri=post["uri"]), what="post on B")
    assert "Hello fediverse" in arrived["content"] and arrived["author"] == a.handle("alice")
    reply = b.call("post", username="bob", text=f"@{a.handle('alice')} hi back", in_reply_to=post["uri"])
    stored = wait_until(lambda: a.call("get_post", uri=reply["uri"]), what="reply on A")
    assert stored["in_reply_to"] == post["uri"] and stored["mentions"] == ["alice"]
    assert "mention" in a.call("notifications", username="alice")
    assert a.call("get_post", uri=post["uri"])["replies_count"] == 1
    # C has nobody following alice: the post never went there.
    assert c.call("get_post", uri=post["uri"]) is None


def test_boost_favourite_and_poll_vote(fed):
    a, b, _c = fed.servers
    post = a.call("post", username="alice", text="boost me")
    wait_until(lambda: b.call("get_post", uri=post["uri"]), what="post on B")
    b.call("boost", username="bob", uri=post["uri"])
    b.call("favourite", username="bob", uri=post["uri"])
    wait_until(lambda: a.call("boosts_of", uri=post["uri"]) == [b.handle("bob")], what="boost on A")
    wait_until(lambda: a.call("get_post", uri=post["uri"])["favourites_count"] == 1, what="favourite on A")
    poll = a.call("post", username="alice", text="tea or coffee?", poll=["tea", "coffee"])
    wait_until(lambda: b.call("get_post", uri=poll["uri"]), what="poll on B")
    b.call("vote", username="bob", uri=poll["uri"], choices=[1])
    wait_until(lambda: a.call("get_post", uri=poll["uri"])["poll"] == [0, 1], what="vote on A")


def test_search_resolves_remote_handles_and_links(fed):
    a, _b, c = fed.servers
    post = a.call("post", username="alice", text="find me by link")
    hidden = a.call("post", username="alice", text="followers only", visibility="private")
    # dave on C has never heard of alice: a handle and a link are looked up where they live.
    assert c.call("search", username="dave", q=f"@{a.handle('alice')}")["accounts"] == [a.handle("alice")]
    assert c.call("search", username="dave", q=post["uri"])["posts"] == [post["uri"]]
    assert c.call("search", username="dave", q=hidden["uri"])["posts"] == []
    assert c.call("search", username="dave", q=f"@nobody@{a.domain}")["accounts"] == []


def test_account_move_brings_followers_on_every_server(fed):
    a, b, c = fed.servers
    a.call("create_user", username="mover")
    b.call("create_user", username="arrival")
    a.call("create_user", username="neighbour")
    _follow(fed, c, "dave", a, "mover")
    a.call("follow", username="neighbour", handle=a.handle("mover"))
    # Moving needs the new account to name the old one first: before that, the move is refused.
    with pytest.raises(AssertionError, match="alias"):
        a.call("move", username="mover", handle=b.handle("arrival"))
    b.call("add_alias", username="arrival", uri=a.uri("mover"))
    a.call("move", username="mover", handle=b.handle("arrival"))
    # The remote follower's server verified the Move and followed the new account through B.
    wait_until(lambda: _relationship(c, "dave", b.uri("arrival"))["following"], what="dave to follow arrival")
    assert not _relationship(c, "dave", a.uri("mover"))["following"]
    assert c.call("moved_to", uri=a.uri("mover")) == b.uri("arrival")
    # A local follower on the old server moved at once; B sees both followers.
    wait_until(lambda: _relationship(a, "neighbour", b.uri("arrival"))["following"], what="neighbour to move")
    assert _relationship(b, "arrival", c.uri("dave"))["followed_by"]
    assert _relationship(b, "arrival", a.uri("neighbour"))["followed_by"]


def test_edit_and_delete_reach_followers(fed):
    a, b, _c = fed.servers
    post = a.call("post", username="alice", text="first version")
    wait_until(lambda: b.call("get_post", uri=post["uri"]), what="post on B")
    a.call("edit", username="alice", uri=post["uri"], text="second version")
    wait_until(
        lambda: "second version" in (b.call("get_post", uri=post["uri"]) or {}).get("content", ""),
        what="edit on B",
    )
    assert b.call("get_post", uri=post["uri"])["edited"]
    a.call("delete", username="alice", uri=post["uri"])
    wait_until(lambda: b.call("get_post", uri=post["uri"]) is None, what="delete on B")


def test_an_edit_that_drops_a_mention_and_the_delete_still_reach_that_server(fed):
    a, b, _c = fed.servers
    _follow(fed, a, "alice", b, "bob")
    question = b.call("post", username="bob", text="lunch, anyone?")
    wait_until(lambda: a.call("get_post", uri=question["uri"]), what="bob's post on A")
    # A direct reply mentions the person replied to (handles with a port, as here, are not linked in text).
    post = a.call(
        "post", username="alice", text="yes, just us", visibility="direct", in_reply_to=question["uri"]
    )
    assert post["mentions"] == [b.handle("bob")]
    assert wait_until(lambda: b.call("get_post", uri=post["uri"]), what="direct reply on B")["mentions"] == [
        "bob"
    ]

    # The edit drops bob: he stays a silent mention, and B still hears of the edit and of the delete.
    edited = a.call("edit", username="alice", uri=post["uri"], text="never mind")
    assert edited["mentions"] == [] and edited["silent_mentions"] == [b.handle("bob")]
    wait_until(
        lambda: "never mind" in (b.call("get_post", uri=post["uri"]) or {}).get("content", ""),
        what="the edit on B",
    )
    a.call("delete", username="alice", uri=post["uri"])
    wait_until(lambda: b.call("get_post", uri=post["uri"]) is None, what="the delete on B")


def test_account_deletion_reaches_followers_and_the_actor_is_gone(fed):
    a, b, _c = fed.servers
    a.call("create_user", username="leaver")
    _follow(fed, b, "bob", a, "leaver")
    _follow(fed, a, "leaver", b, "bob")
    post = a.call("post", username="leaver", text="last words before leaving")
    wait_until(lambda: b.call("get_post", uri=post["uri"]), what="post on B")
    assert b.call("posts_by", uri=a.uri("leaver")) == [post["uri"]]

    a.call("delete_account", username="leaver")

    wait_until(lambda: b.call("posts_by", uri=a.uri("leaver")) == [], what="B to drop the account's posts")
    relationship = _relationship(b, "bob", a.uri("leaver"))
    assert not relationship["following"] and not relationship["followed_by"]
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        a.uri("leaver"), headers={"Accept": "application/activity+json"}
    )
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback test server
    assert gone.value.code == 410
    webfinger = f"{a.base_url}/.well-known/webfinger?resource=acct:leaver@{a.domain}"
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(webfinger, timeout=5)  # noqa: S310 - loopback test server
    assert gone.value.code == 410
    # The name stays taken on A.
    with pytest.raises(AssertionError, match="taken"):
        a.call("create_user", username="leaver")


def test_followers_only_post_reaches_followers_and_nobody_else(fed):
    a, b, c = fed.servers
    secret = a.call("post", username="alice", text="only my followers", visibility="private")
    assert (
        wait_until(lambda: b.call("get_post", uri=secret["uri"]), what="private post on B")["visibility"]
        == "private"
    )
    public = a.call("post", username="alice", text="marker after the private one")
    wait_until(lambda: b.call("get_post", uri=public["uri"]), what="marker on B")
    assert c.call("get_post", uri=secret["uri"]) is None
    request = urllib.request.Request(  # noqa: S310 - loopback test servers
        secret["uri"], headers={"Accept": "application/activity+json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback test servers
    assert refused.value.code == 404


def test_unfollow_and_block(fed):
    a, b, c = fed.servers
    _follow(fed, c, "dave", a, "alice")
    a.call("block", username="alice", handle=c.handle("dave"))
    wait_until(lambda: c.call("blocked_by", username="dave", uri=a.uri("alice")), what="Block on C")
    assert not _relationship(c, "dave", a.uri("alice"))["following"]
    c.call("follow", username="dave", handle=b.handle("bob"))
    wait_until(lambda: _relationship(b, "bob", c.uri("dave"))["followed_by"], what="dave follows bob")
    c.call("unfollow", username="dave", handle=b.handle("bob"))
    wait_until(lambda: not _relationship(b, "bob", c.uri("dave"))["followed_by"], what="Undo Follow on B")


def test_a_receiver_that_was_down_gets_the_post_when_back(fed):
    a, b, _c = fed.servers
    assert _relationship(b, "bob", a.uri("alice"))["following"]
    b.stop()
    post = a.call("post", username="alice", text="while you were away")
    time.sleep(1.5)  # at least one failed attempt
    b.start()
    arrived = wait_until(
        lambda: b.call("get_post", uri=post["uri"]), timeout=45, interval=0.3, what="the retried delivery"
    )
    assert "while you were away" in arrived["content"]


class _Impostor:
    """A tiny actor host (on this test process's loopback address ending in .9) serving one actor document, for
    forged-request tests."""

    def __init__(self) -> None:
        self.private, self.public = keypair()
        host = loopback_host(9)
        self.port = free_port(host)
        self.base = f"http://{host}:{self.port}"
        self.uri = f"{self.base}/users/mallory"
        actor = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": "mallory",
            "inbox": f"{self.uri}/inbox",
            "publicKey": {"id": f"{self.uri}#main-key", "owner": self.uri, "publicKeyPem": self.public},
        }
        body = orjson.dumps(actor)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path.startswith("/users/mallory"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/activity+json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_response(404)
                    self.end_headers()

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def send(
        self,
        inbox: str,
        activity: dict,
        *,
        key_id: str | None = None,
        private: str | None = None,
        date_offset: float = 0,
    ) -> int:
        from caravan.federation.signatures import sign_request

        body = orjson.dumps(activity)
        headers = sign_request(
            "POST",
            inbox,
            key_id=key_id or f"{self.uri}#main-key",
            private_key_pem=private or self.private,
            body=body,
            now=time.time() + date_offset,
        )
        request = urllib.request.Request(inbox, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test servers
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def test_forged_activities_are_refused(fed):
    a, b, _c = fed.servers
    impostor = _Impostor()
    try:
        inbox = f"{a.base_url}/inbox"
        target = a.uri("alice")
        # Wrong key: claims bob's key id but is signed with another key.
        follow = {
            "id": f"{b.uri('bob')}#follows/forged",
            "type": "Follow",
            "actor": b.uri("bob"),
            "object": target,
        }
        assert impostor.send(inbox, follow, key_id=f"{b.uri('bob')}#main-key") == 401
        # Wrong origin: a real, correctly signed actor posting an object that claims to be bob's.
        forged_note = {
            "id": f"{b.base_url}/users/bob/statuses/1",
            "type": "Note",
            "attributedTo": b.uri("bob"),
            "content": "forged",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "tag": [{"type": "Mention", "href": target}],
        }
        create = {
            "id": f"{impostor.uri}/activities/1",
            "type": "Create",
            "actor": impostor.uri,
            "object": forged_note,
        }
        # The production front only checks the envelope (signer = actor, id on the signer's server) and queues
        # it; applying it refuses an object attributed to someone else, so nothing is stored (checked below).
        assert impostor.send(inbox, create) == 202
        # Replayed: the same valid activity twice does one thing; an old signature is refused outright.
        ok = {"id": f"{impostor.uri}#follows/1", "type": "Follow", "actor": impostor.uri, "object": target}
        assert impostor.send(inbox, ok) == 202
        assert impostor.send(inbox, ok) == 202
        wait_until(
            lambda: a.call("relationship", username="alice", uri=impostor.uri)["followed_by"],
            what="the impostor's valid follow, processed after the forged Create",
        )
        assert a.call("get_post", uri=forged_note["id"]) is None
        assert impostor.send(inbox, {**ok, "id": f"{impostor.uri}#follows/2"}, date_offset=-3 * 3600) == 401
        # Unsigned.
        request = urllib.request.Request(  # noqa: S310 - loopback test servers
            inbox, data=orjson.dumps(ok), method="POST", headers={"Content-Type": "application/activity+json"}
        )
        with pytest.raises(urllib.error.HTTPError) as unsigned:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - loopback test servers
        assert unsigned.value.code == 401
    finally:
        impostor.server.shutdown()
