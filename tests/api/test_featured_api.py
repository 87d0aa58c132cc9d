"""Featured tags and endorsements through Mastodon.py (and plain HTTP for the raw JSON) against a real
`caravan serve`: create / list / delete / suggestions, another account's featured tags, pin / unpin with
`endorsed` in the Relationship, the endorsements list with Link paging, unfollowing removing the endorsement,
Mastodon 4.4's `tags/:name/feature` and `accounts/:id/endorse`, the instance's limit, errors and scopes."""

import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import client_credentials_token


def fresh(signup):
    return signup(f"ft{uuid.uuid4().hex[:10]}")


def raw(client, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{client.api_base_url}{path}",
        headers={"Authorization": f"Bearer {client.access_token}"},
        timeout=30,
        **kwargs,
    )


def test_featured_tags_created_listed_suggested_and_deleted(server, signup):
    me, other = fresh(signup), fresh(signup)
    me_id = me.me()["id"]
    for text in ("#Coffee one", "#coffee two", "#tea three", "#coffee #cake four"):
        me.status_post(text)
    me.status_post("#hidden", visibility="private")
    # The most used first, from all of one's latest posts (as Mastodon).
    assert [t["name"] for t in me.featured_tag_suggestions()] == ["Coffee", "cake", "hidden", "tea"]
    created = me.featured_tag_create("coffee")
    assert created["name"] == "Coffee" and created["statuses_count"] == "3"
    assert created["url"] == f"{server}/tags/coffee"
    body = raw(me, "GET", "/api/v1/featured_tags").json()
    assert body == [
        {
            "id": created["id"],
            "name": created["name"],
            "url": f"{server}/tags/coffee",
            "statuses_count": "3",
            "last_status_at": body[0]["last_status_at"],
        }
    ]
    assert isinstance(body[0]["id"], str) and len(body[0]["last_status_at"]) == 10  # a date, as Mastodon
    assert [t["name"] for t in me.featured_tag_suggestions()] == ["cake", "hidden", "tea"]
    # Anyone may read another account's featured tags, without a token too.
    seen = requests.get(f"{server}/api/v1/accounts/{me_id}/featured_tags", timeout=30).json()
    assert [t["id"] for t in seen] == [created["id"]]
    # Only the owner deletes it.
    with pytest.raises(MastodonNotFoundError):
        other.featured_tag_delete(created["id"])
    me.featured_tag_delete(created["id"])
    assert me.featured_tags() == []


def test_featured_tag_errors_and_limit(server, signup):
    me = fresh(signup)
    for bad in ("", "two words", "<script>", "a" * 300):
        response = raw(me, "POST", "/api/v1/featured_tags", json={"name": bad})
        assert response.status_code == 422 and "error" in response.json()
    for i in range(10):
        me.featured_tag_create(f"topic{i}x")
    response = raw(me, "POST", "/api/v1/featured_tags", json={"name": "eleventh"})
    assert response.status_code == 422 and "10" in response.json()["error"]
    assert len(me.featured_tags()) == 10
    assert raw(me, "DELETE", "/api/v1/featured_tags/99999999999999999999999").status_code == 404
    instance = requests.get(f"{server}/api/v2/instance", timeout=30).json()
    assert instance["configuration"]["accounts"]["max_featured_tags"] == 10


def test_tags_feature_and_unfeature_as_mastodon_4_4(server, signup):
    me = fresh(signup)
    me.status_post("#Lanterns")
    tag = me.tag_feature("lanterns")
    assert tag["featuring"] is True and tag["following"] is False
    assert me.tag_feature("lanterns")["featuring"] is True  # again is the same
    assert [t["name"] for t in me.featured_tags()] == ["Lanterns"]
    assert me.tag_unfeature("lanterns")["featuring"] is False
    assert me.featured_tags() == []


def test_pin_unpin_and_the_endorsements_list(server, signup):
    me, a, b, c = (fresh(signup) for _ in range(4))
    ids = [x.me()["id"] for x in (a, b, c)]
    with pytest.raises(MastodonAPIError):
        me.account_pin(ids[0])  # not followed yet
    for account_id in ids:
        me.account_follow(account_id)
    for account_id in ids:
        relationship = me.account_pin(account_id)
        assert relationship["endorsed"] is True and relationship["id"] == account_id
    assert me.account_relationships(ids)[0]["endorsed"] is True
    page = raw(me, "GET", "/api/v1/endorsements", params={"limit": 2})
    assert [x["id"] for x in page.json()] == [ids[2], ids[1]]
    next_url = page.links["next"]["url"]
    rest = requests.get(next_url, headers={"Authorization": f"Bearer {me.access_token}"}, timeout=30).json()
    assert [x["id"] for x in rest] == [ids[0]]
    me_id = me.me()["id"]
    public = requests.get(f"{server}/api/v1/accounts/{me_id}/endorsements", timeout=30).json()
    assert [x["id"] for x in public] == [ids[2], ids[1], ids[0]]
    assert me.account_unpin(ids[1])["endorsed"] is False
    assert me.account_unendorse(ids[1])["endorsed"] is False  # 4.4's name for it
    assert me.account_endorse(ids[1])["endorsed"] is True
    # Unfollowing and blocking take the endorsement away.
    assert me.account_unfollow(ids[1])["endorsed"] is False
    assert me.account_block(ids[2])["endorsed"] is False
    assert [x["id"] for x in me.endorsements()] == [ids[0]]


def test_scopes_are_mastodons(server, signup):
    me = fresh(signup)
    app_token = client_credentials_token(server)
    response = requests.get(
        f"{server}/api/v1/featured_tags", headers={"Authorization": f"Bearer {app_token}"}, timeout=30
    )
    assert response.status_code in (401, 403, 422) and "error" in response.json()
    assert requests.get(f"{server}/api/v1/endorsements", timeout=30).status_code == 401
    assert requests.post(f"{server}/api/v1/featured_tags", json={"name": "x"}, timeout=30).status_code == 401
    from caravan.api.views import featured

    assert featured.feature_tag.api_scope == "write:accounts"
    assert featured.own_featured_tags.api_scope == "read:accounts"
    assert featured.pin.api_scope == "write:accounts"
    assert featured.own_endorsements.api_scope == "read:accounts"
    assert me.featured_tags() == []
