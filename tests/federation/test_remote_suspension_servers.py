"""A suspension made on an account's own server, between real servers: A's moderators suspend alice, A sends the
Update of her actor (`suspended: true`), and B hides her too; when A lifts it, B shows her again. B's own
suspension of her is not undone by A's word."""

import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(2) as federation:
        a, b = federation.servers
        mutual_follow(a, "alice", b, "bob")
        yield federation


def test_an_account_suspended_by_its_own_server_is_hidden_elsewhere_until_lifted(fed):
    a, b = fed.servers
    post = a.call("post", username="alice", text="hello from A")
    wait_until(lambda: post["uri"] in b.call("home", username="bob"), what="alice's post in bob's home on B")

    a.call("moderate", uri=a.uri("alice"), kind="suspend")
    wait_until(lambda: post["uri"] not in b.call("home", username="bob"), what="alice hidden on B")
    assert a.uri("alice") not in b.call("public_authors")

    a.call("moderate", uri=a.uri("alice"), kind="lift")
    wait_until(lambda: post["uri"] in b.call("home", username="bob"), what="alice shown again on B")

    # Suspended on B by B's moderators as well: A suspending and lifting again leaves her hidden on B.
    b.call("moderate", uri=a.uri("alice"), kind="suspend")
    a.call("moderate", uri=a.uri("alice"), kind="suspend")
    a.call("moderate", uri=a.uri("alice"), kind="lift")
    later = a.call("post", username="alice", text="after A lifted it again")
    wait_until(lambda: later["uri"] in b.call("posts_by", uri=a.uri("alice")), what="A's posts stored on B")
    assert post["uri"] not in b.call("home", username="bob")
