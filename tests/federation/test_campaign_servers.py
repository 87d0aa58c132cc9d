"""Campaigns between real servers: an account of B joins a campaign of A by following the campaign's actor
(found by WebFinger, answered with Accept) and leaves by unfollowing; a person of B reports a level to A's
campaign with signed Join activities, changes it and withdraws; A counts each real remote actor once."""

import time

import pytest

from tests.federation.harness import Federation, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    # Remote accounts are verified once known for the minimum age; 0 here, so the headline shows them.
    with Federation(2, extra_env={"CARAVAN_CAMPAIGN_MIN_ACCOUNT_AGE_DAYS": "0"}) as federation:
        a, b = federation.servers
        a.call("create_user", username="organiser")
        for name in ("bob", "carol"):
            b.call("create_user", username=name)
        yield federation


def _member(state: dict, acct: str) -> dict | None:
    return next((m for m in state["members"] if m["acct"] == acct), None)


def test_a_remote_account_joins_by_following_the_campaign_and_leaves_by_unfollowing(fed):
    a, b = fed.servers
    campaign = a.call("start_campaign", username="organiser", title="نترك معًا", target=5)
    handle = a.handle(campaign["actor"])

    b.call("follow", username="bob", handle=handle)
    wait_until(
        lambda: b.call("campaign_follow_state", username="bob", handle=handle) == "following",
        what="the campaign's Accept to reach B",
    )
    state = a.call("campaign_state", id=campaign["id"])
    bob = _member(state, b.handle("bob"))
    assert bob == {"acct": b.handle("bob"), "level": "will_move", "remote": True, "verified": True}
    assert state["counts"]["will_move_verified"] == 1 and state["counts"] == state["recount"]

    b.call("follow", username="bob", handle=handle)  # following again counts nobody twice
    time.sleep(1)
    assert a.call("campaign_state", id=campaign["id"])["headline"] == 1

    b.call("unfollow", username="bob", handle=handle)
    wait_until(
        lambda: _member(a.call("campaign_state", id=campaign["id"]), b.handle("bob")) is None,
        what="the Undo to reach A",
    )
    state = a.call("campaign_state", id=campaign["id"])
    assert state["headline"] == 0 and state["counts"] == state["recount"]


def test_a_member_of_another_caravan_server_reports_a_level(fed):
    a, b = fed.servers
    campaign = a.call("start_campaign", username="organiser", title="Leave together", target=5)
    handle = a.handle(campaign["actor"])
    # A person pastes the campaign's page link, its handle or its actor's id: each finds the campaign actor.
    for query in (f"{a.base_url}/campaigns/{campaign['id']}", f"@{handle}", campaign["uri"]):
        assert b.call("find_remote_campaign", query=query) == campaign["uri"]
    assert b.call("find_remote_campaign", query=a.handle("organiser")) is None  # a person is no campaign

    b.call("commit_remote", username="carol", handle=handle, level="moved")
    carol = wait_until(
        lambda: _member(a.call("campaign_state", id=campaign["id"]), b.handle("carol")),
        what="carol's Join on A",
    )
    assert carol["level"] == "moved" and carol["remote"] is True

    b.call("commit_remote", username="carol", handle=handle, level="left")
    wait_until(
        lambda: a.call("campaign_state", id=campaign["id"])["counts"]["left_verified"] == 1,
        what="carol's new level on A",
    )
    state = a.call("campaign_state", id=campaign["id"])
    assert state["headline"] == 1 and state["counts"]["moved_verified"] == 0 and len(state["members"]) == 1

    b.call("withdraw_remote", username="carol", handle=handle)
    wait_until(
        lambda: a.call("campaign_state", id=campaign["id"])["headline"] == 0, what="carol's Leave on A"
    )
    state = a.call("campaign_state", id=campaign["id"])
    assert state["members"] == [] and state["counts"] == state["recount"]
