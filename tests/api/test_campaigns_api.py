"""The campaigns API against a real `caravan serve`, driven by Mastodon.py's low-level request and plain
HTTP: start, list (Link pagination), get, join at a level, change, leave, counts and series, errors as
`{"error": ...}`, and news of a campaign in the notification list with a `caravan_campaign` object."""

import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import wait_until

pytestmark = pytest.mark.timeout(120)
BASE = "/api/v1/caravan/campaigns"


def _call(client, method: str, path: str, params: dict | None = None):
    """Mastodon.py's low-level request (what its own methods call), for routes it has no method for."""
    return client._Mastodon__api_request(method, path, params or {}, use_json=method != "GET")


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_start_join_change_and_leave(server, signup):
    owner, member = signup(_name("own")), signup(_name("mem"))
    campaign = _call(owner, "POST", BASE, {"title": "نترك معًا", "target": 5, "description": "هيا"})
    assert campaign["title"] == "نترك معًا" and campaign["target"] == 5 and isinstance(campaign["id"], str)
    assert campaign["headline_count"] == 0 and campaign["membership"] is None
    path = f"{BASE}/{campaign['id']}"

    joined = _call(member, "POST", f"{path}/join", {"level": "will_move"})
    # A new account counts, but as unverified until it is old enough: not in the headline.
    assert joined["membership"]["level"] == "will_move" and joined["membership"]["verified"] is False
    assert joined["counts"]["will_move"] == {"verified": 0, "unverified": 1} and joined["headline_count"] == 0
    changed = _call(member, "POST", f"{path}/join", {"level": "moved"})
    assert changed["counts"]["will_move"]["unverified"] == 0 and changed["counts"]["moved"]["unverified"] == 1

    counts = requests.get(f"{server}{path}/counts", timeout=10).json()
    assert counts["counts"]["moved"]["unverified"] == 1
    assert counts["series"][-1]["counts"]["moved"]["unverified"] == 1

    left = _call(member, "POST", f"{path}/leave")
    assert left["membership"] is None and left["counts"]["moved"]["unverified"] == 0
    with pytest.raises(MastodonAPIError) as refused:
        _call(member, "POST", f"{path}/leave")
    assert refused.value.args[1] == 422 and "not in this campaign" in refused.value.args[3]


def test_listing_pages_with_a_link_header(server, signup):
    owner = signup(_name("lister"))
    made = [_call(owner, "POST", BASE, {"title": f"Campaign {i}", "target": 3})["id"] for i in range(3)]
    response = requests.get(f"{server}{BASE}?limit=2", timeout=10)
    assert response.status_code == 200 and len(response.json()) == 2
    assert response.json()[0]["id"] == made[-1]
    assert 'rel="next"' in response.headers["Link"]
    older = requests.get(response.links["next"]["url"], timeout=10).json()
    assert made[0] in [c["id"] for c in older]


def test_errors_are_json_with_a_message(server, signup):
    owner = signup(_name("err"))
    for body, field_message in (
        ({"title": "", "target": 3}, "needs a title"),
        ({"title": "x" * 200, "target": 3}, "at most 120"),
        ({"title": "ok", "target": "lots"}, "whole number"),
        ({"title": "ok", "target": 3, "deadline": "1999-01-01"}, "future"),
    ):
        response = requests.post(
            f"{server}{BASE}",
            json=body,
            headers={"Authorization": f"Bearer {owner.access_token}"},
            timeout=10,
        )
        assert response.status_code == 422 and field_message in response.json()["error"]
    campaign = _call(owner, "POST", BASE, {"title": "Fine", "target": 3})
    response = requests.post(
        f"{server}{BASE}/{campaign['id']}/join",
        json={"level": {"$gt": ""}},
        headers={"Authorization": f"Bearer {owner.access_token}"},
        timeout=10,
    )
    assert response.status_code == 422 and "error" in response.json()
    assert requests.post(f"{server}{BASE}", json={"title": "x", "target": 3}, timeout=10).status_code == 401
    with pytest.raises(MastodonNotFoundError):
        _call(owner, "GET", f"{BASE}/12345")


def test_news_of_a_campaign_is_in_the_notification_list(server, signup):
    owner, starter = signup(_name("org")), signup(_name("star"))
    starter_id = starter.me()["id"]
    campaign = _call(owner, "POST", BASE, {"title": "With starters", "target": 3})
    _call(owner, "POST", f"{BASE}/{campaign['id']}/starters", {"account_id": starter_id})
    assert _call(owner, "GET", f"{BASE}/{campaign['id']}/starters") == []  # not until they accept

    news = wait_until(
        lambda: [n for n in _call(starter, "GET", "/api/v1/notifications") if n["type"] == "caravan.campaign"]
    )
    assert news[0]["caravan_campaign"] == {"id": campaign["id"], "event": "starter_invite"}
    assert isinstance(news[0]["id"], str)
    _call(starter, "POST", f"{BASE}/{campaign['id']}/starters/answer", {"accept": True})
    listed = _call(owner, "GET", f"{BASE}/{campaign['id']}/starters")
    assert [a["id"] for a in listed] == [starter_id]
