"""Moderation between real servers: a report forwarded from A arrives at B as a Flag from A's instance actor
(the reporter unnamed) and becomes a report there; an account of B that A's moderators suspend is hidden from
A's people, B's later posts included, and A sends it nothing more."""

import time

import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(2) as federation:
        a, b = federation.servers
        mutual_follow(a, "alice", b, "bob")
        yield federation


def test_a_forwarded_report_arrives_as_a_flag_and_becomes_a_report(fed):
    a, b = fed.servers
    post = b.call("post", username="bob", text="buy my pills")
    wait_until(lambda: a.call("get_post", uri=post["uri"]), what="bob's post on A")

    a.call("report", username="alice", handle=b.handle("bob"), comment="kept to A", forward=False)
    a.call(
        "report",
        username="alice",
        handle=b.handle("bob"),
        post_uris=[post["uri"]],
        comment="spam in my mentions",
        forward=True,
    )
    reports = wait_until(lambda: b.call("reports"), what="the Flag to become a report on B")
    assert len(reports) == 1
    report = reports[0]
    assert report["target"] == b.uri("bob") and report["posts"] == [post["uri"]]
    assert report["comment"] == "spam in my mentions"
    assert report["reporter"] == f"{a.base_url}/actor"  # the instance actor: alice is never named
    time.sleep(0.5)
    assert len(b.call("reports")) == 1  # the report A kept to itself never left


def test_a_remote_account_suspended_here_is_hidden_and_sent_nothing(fed):
    a, b = fed.servers
    before = b.call("post", username="bob", text="before the suspension")
    wait_until(lambda: before["uri"] in a.call("home", username="alice"), what="bob's post in alice's home")

    a.call("moderate", uri=b.uri("bob"), kind="suspend")
    assert before["uri"] not in a.call("home", username="alice")
    assert b.uri("bob") not in a.call("public_authors")

    after = b.call("post", username="bob", text=f"@{a.handle('alice')} after the suspension")
    # A stores what B sends (the suspension can be lifted) but shows alice none of it.
    wait_until(lambda: after["uri"] in a.call("posts_by", uri=b.uri("bob")), what="bob's post stored on A")
    assert after["uri"] not in a.call("home", username="alice")
    assert "mention" not in a.call("notifications", username="alice")

    # bob is alice's only follower on B: nothing of hers goes there while he is suspended.
    sent_before = len(a.call("deliveries_to", domain=b.domain))
    a.call("post", username="alice", text="not for bob")
    assert len(a.call("deliveries_to", domain=b.domain)) == sent_before

    # Lifted: he is shown again and gets her posts again.
    a.call("moderate", uri=b.uri("bob"), kind="lift")
    assert before["uri"] in a.call("home", username="alice")
    again = a.call("post", username="alice", text="for bob again")
    wait_until(lambda: b.call("get_post", uri=again["uri"]), what="alice's post to reach bob again")
