"""Scheduled posts across two real servers: a follower on the other server receives the post (with its poll) only
after its time; the author's server publishes it within 5 seconds of that time, through its own worker."""

import time

import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(2, extra_env={"CARAVAN_SCHEDULED_MIN_AHEAD": "1"}) as federation:
        a, b = federation.servers
        mutual_follow(a, "alice", b, "bob")
        yield federation


def test_a_follower_on_another_server_receives_the_post_only_after_its_time(fed):
    a, b = fed.servers
    text = "scheduled across servers"
    scheduled = a.call("schedule", username="alice", text=text, seconds=10, poll=["yes", "no"])
    due = scheduled["scheduled_at"]
    # Until its time: not published on A, not on B (checked over and over while it waits).
    while time.time() < due - 3.0:  # a driver call takes a moment
        state = a.call("scheduled_state", username="alice", id=scheduled["id"], text=text)
        assert state["waiting"] and state["published"] is None
        assert not any(text in content for content in b.call("home_contents", username="bob"))
        time.sleep(0.5)
    published = wait_until(
        lambda: a.call("scheduled_state", username="alice", id=scheduled["id"], text=text)["published"],
        what="the post published at its time",
    )
    assert due <= published["created_at"] <= due + 5  # within 5 seconds of its time
    assert published["poll"]
    assert not a.call("scheduled_state", username="alice", id=scheduled["id"], text=text)["waiting"]
    wait_until(
        lambda: any(text in content for content in b.call("home_contents", username="bob")),
        what="the post on the follower's server",
    )
    assert time.time() >= due
