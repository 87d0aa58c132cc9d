"""Pacts through the client API of a real `caravan serve`, driven with Mastodon.py's low-level `api_request` and
plain HTTP: make a pact from a list, commit and withdraw, meet it, follow everyone; pact news in the notification
list with a `caravan_pact` object; errors as `{"error": ...}` with a 4xx; nobody reads another's choice."""

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import wait_until


def call(client, method: str, path: str, params: dict | None = None):
    """Mastodon.py's low-level request (name-mangled in its 2.x releases): its auth, JSON and error classes."""
    return client._Mastodon__api_request(method, path, params or {})


@pytest.fixture(scope="module")
def circle(signup):
    names = ("pa_owner", "pa_one", "pa_two", "pa_three", "pa_out")
    clients = {name: signup(name) for name in names}
    owner = clients["pa_owner"]
    ids = {name: str(clients[name].me()["id"]) for name in names}
    for name in ("pa_one", "pa_two", "pa_three"):
        owner.account_follow(ids[name])
    chosen = owner.list_create("moving together")
    owner.list_accounts_add(chosen["id"], [ids["pa_one"], ids["pa_two"], ids["pa_three"]])
    return clients, ids, str(chosen["id"])


def test_a_pact_made_committed_to_met_and_followed_through_the_api(circle, server):
    clients, ids, list_id = circle
    owner, one, two, three = (clients[n] for n in ("pa_owner", "pa_one", "pa_two", "pa_three"))
    pact = call(
        owner,
        "POST",
        "/api/v1/caravan/pacts",
        {"people": "list", "list_id": list_id, "threshold": 2, "auto_follow": True},
    )
    assert (pact["threshold"], pact["members_count"], pact["committed_count"], pact["state"]) == (
        2,
        3,
        0,
        "open",
    )
    assert isinstance(pact["id"], str) and pact["viewer"]["role"] == "owner"
    path = f"/api/v1/caravan/pacts/{pact['id']}"

    counting = call(one, "GET", "/api/v1/caravan/pacts/counting")
    assert [p["id"] for p in counting] == [pact["id"]]
    assert counting[0]["viewer"] == {
        "role": "member",
        "committed": False,
        "auto_follow": False,
        "would_make": 1,
        "may_follow_everyone": False,
    }
    news = wait_until(lambda: call(one, "GET", "/api/v1/notifications", {"types[]": ["caravan.pact"]}))
    assert news[0]["type"] == "caravan.pact" and news[0]["account"]["id"] == ids["pa_owner"]
    assert news[0]["caravan_pact"] == {
        "id": pact["id"],
        "detail": "counted",
        "state": "open",
        "committed_count": 0,
        "threshold": 2,
    }

    assert call(one, "POST", f"{path}/commit", {"auto_follow": True})["viewer"]["committed"] is True
    assert call(two, "GET", path)["viewer"]["would_make"] == 2
    assert call(one, "POST", f"{path}/withdraw")["committed_count"] == 0
    call(one, "POST", f"{path}/commit", {"auto_follow": True})
    met = call(two, "POST", f"{path}/commit")
    assert met["state"] == "met" and met["viewer"]["may_follow_everyone"] is True
    assert call(two, "POST", f"{path}/follow_everyone")["followed"] == 2
    assert {str(a["id"]) for a in two.account_following(ids["pa_two"])} == {ids["pa_owner"], ids["pa_one"]}
    wait_until(
        lambda: (
            {str(a["id"]) for a in one.account_following(ids["pa_one"])} == {ids["pa_owner"], ids["pa_two"]}
        )
    )
    # The third never committed: told it was met, not followed, and cannot follow everyone.
    assert {"met", "counted"} <= {
        n["caravan_pact"]["detail"]
        for n in call(three, "GET", "/api/v1/notifications")
        if n["type"] == "caravan.pact"
    }
    with pytest.raises(MastodonAPIError):
        call(three, "POST", f"{path}/follow_everyone")
    assert three.account_following(ids["pa_three"]) == []

    mine = requests.get(
        f"{server}/api/v1/caravan/pacts",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {owner.access_token}"},
        timeout=30,
    )
    assert mine.status_code == 200 and [p["id"] for p in mine.json()] == [pact["id"]]
    assert 'rel="next"' in mine.headers["Link"] and f"max_id={pact['id']}" in mine.headers["Link"]


def test_errors_are_json_with_a_4xx_and_nobody_reads_a_pact_they_are_not_in(circle, server):
    clients, ids, list_id = circle
    owner, outsider = clients["pa_owner"], clients["pa_out"]
    pact = call(
        owner, "POST", "/api/v1/caravan/pacts", {"people": "list", "list_id": list_id, "threshold": 3}
    )
    auth = {"Authorization": f"Bearer {owner.access_token}"}
    for body in (
        {"people": "list", "list_id": list_id, "threshold": "many"},
        {"people": "list", "list_id": list_id, "threshold": 99},
        {"people": "list", "list_id": list_id, "threshold": 1, "deadline": "2001-01-01"},
        {"people": "list", "list_id": "99999999999999999999999", "threshold": 1},
        {"people": ["list"], "threshold": 1},
    ):
        answer = requests.post(f"{server}/api/v1/caravan/pacts", json=body, headers=auth, timeout=30)
        assert 400 <= answer.status_code < 500 and isinstance(answer.json()["error"], str), body
    for path in (f"/api/v1/caravan/pacts/{pact['id']}", "/api/v1/caravan/pacts/nonsense"):
        with pytest.raises(MastodonNotFoundError):
            call(outsider, "GET", path)
    with pytest.raises(MastodonNotFoundError):
        call(outsider, "POST", f"/api/v1/caravan/pacts/{pact['id']}/commit")
    assert call(outsider, "GET", "/api/v1/caravan/pacts/counting") == []
    assert requests.get(f"{server}/api/v1/caravan/pacts/{pact['id']}", timeout=30).status_code == 401
    with pytest.raises(MastodonAPIError):
        call(owner, "POST", f"/api/v1/caravan/pacts/{pact['id']}/commit")
