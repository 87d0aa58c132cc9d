"""Filters v1, `DELETE /api/v1/media/:id` and the direct timeline through Mastodon.py against a real
`caravan serve`: a v1 filter is a v2 filter with one keyword (warned about in `filtered`, or hidden when
irreversible), read, changed and deleted as Mastodon does; an unattached upload is deleted with its files, one
on a post or reserved by a scheduled post is a 422, someone else's a 404; direct posts reach their author and
the people they name, newest first and paged, and nobody else."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import wait_until
from tests.domain.test_media import crafted


def fresh(signup, prefix: str = "fm"):
    return signup(f"{prefix}{uuid.uuid4().hex[:10]}")


def raw(client, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{client.api_base_url}{path}",
        headers={"Authorization": f"Bearer {client.access_token}"},
        timeout=30,
        **kwargs,
    )


def test_v1_filter_warns_then_hides_and_is_changed_and_deleted(signup):
    me, author = fresh(signup), fresh(signup)
    me.account_follow(author.me()["id"])
    created = me.filter_create("spoilers", ["home", "public"], whole_word=True)
    assert created["phrase"] == "spoilers" and created["context"] == ["home", "public"]
    assert (
        created["irreversible"] is False and created["whole_word"] is True and created["expires_at"] is None
    )
    assert me.filter(created["id"])["phrase"] == "spoilers"
    assert [f["id"] for f in me.filters()] == [created["id"]]
    # The v2 view of it: one filter titled by the phrase, holding that keyword, action warn.
    [v2] = raw(me, "GET", "/api/v2/filters").json()
    assert v2["title"] == "spoilers" and v2["filter_action"] == "warn"
    assert [k["id"] for k in v2["keywords"]] == [created["id"]]

    post = author.status_post("No spoilers here, promise")
    home = wait_until(lambda: [s for s in me.timeline_home() if s["id"] == post["id"]])
    assert home[0]["filtered"][0]["keyword_matches"] == ["spoilers"]
    assert home[0]["filtered"][0]["filter"]["id"] == v2["id"]

    changed = me.filter_update(created["id"], irreversible=True, expires_in=3600)
    assert changed["irreversible"] is True and changed["expires_at"] is not None
    assert [s["id"] for s in me.timeline_home() if s["id"] == post["id"]] == []
    assert raw(me, "GET", "/api/v2/filters").json()[0]["filter_action"] == "hide"

    with pytest.raises(MastodonNotFoundError):
        author.filter(created["id"])
    with pytest.raises(MastodonNotFoundError):
        author.filter_delete(created["id"])
    me.filter_delete(created["id"])
    assert me.filters() == []
    with pytest.raises(MastodonNotFoundError):
        me.filter(created["id"])
    assert [s["id"] for s in me.timeline_home() if s["id"] == post["id"]] == [post["id"]]


def test_v1_filter_bad_input_is_refused(signup):
    me = fresh(signup)
    for body in (
        {"phrase": "", "context": ["home"]},
        {"phrase": "x", "context": ["nowhere"]},
        {"phrase": "x"},
    ):
        response = raw(me, "POST", "/api/v1/filters", json=body)
        assert response.status_code == 422 and response.json()["error"], body
    assert me.filters() == []
    # A v2 filter with two keywords cannot be changed as one v1 filter (Mastodon refuses too).
    raw(
        me,
        "POST",
        "/api/v2/filters",
        json={
            "title": "two",
            "context": ["home"],
            "keywords_attributes": [{"keyword": "a"}, {"keyword": "b"}],
        },
    )
    first = me.filters()[0]
    refused = raw(me, "PUT", f"/api/v1/filters/{first['id']}", json={"context": ["public"]})
    assert refused.status_code == 422 and "v2" in refused.json()["error"]
    assert {f["context"][0] for f in me.filters()} == {"home"}
    # The phrase is also the filter's title, so renaming is refused as well; the keyword's own setting is not.
    renamed = raw(me, "PUT", f"/api/v1/filters/{first['id']}", json={"phrase": first["phrase"] + "z"})
    assert renamed.status_code == 422
    changed = raw(me, "PUT", f"/api/v1/filters/{first['id']}", json={"whole_word": False})
    assert changed.status_code == 200 and changed.json()["whole_word"] is False
    assert changed.json()["phrase"] == first["phrase"]


def _upload(client):
    return client.media_post(io.BytesIO(crafted("png")), mime_type="image/png", description="red and blue")


def test_media_delete_unattached_attached_scheduled_and_foreign(signup, server):
    me, other = fresh(signup), fresh(signup)
    loose = _upload(me)
    url = loose["url"]
    assert requests.get(url, timeout=30).status_code == 200
    assert raw(other, "DELETE", f"/api/v1/media/{loose['id']}").status_code == 404
    response = raw(me, "DELETE", f"/api/v1/media/{loose['id']}")
    assert response.status_code == 200 and response.json() == {}
    assert raw(me, "GET", f"/api/v1/media/{loose['id']}").status_code == 404
    assert requests.get(url, timeout=30).status_code == 404
    assert raw(me, "DELETE", f"/api/v1/media/{loose['id']}").status_code == 404

    attached = _upload(me)
    me.status_post("with a picture", media_ids=[attached["id"]])
    refused = raw(me, "DELETE", f"/api/v1/media/{attached['id']}")
    assert refused.status_code == 422
    assert refused.json()["error"] == "Media attachment is currently used by a status"
    assert requests.get(attached["url"], timeout=30).status_code == 200

    reserved = _upload(me)
    me.status_post(
        "later, with a picture",
        media_ids=[reserved["id"]],
        scheduled_at=datetime.now(UTC) + timedelta(hours=2),
    )
    assert raw(me, "DELETE", f"/api/v1/media/{reserved['id']}").status_code == 422
    assert raw(me, "GET", f"/api/v1/media/{reserved['id']}").status_code == 200


def test_direct_timeline_shows_direct_posts_to_their_people_only(signup):
    alice, bob, carol = fresh(signup), fresh(signup), fresh(signup)
    bob_acct = bob.me()["acct"]
    first = alice.status_post(f"@{bob_acct} just between us", visibility="direct")
    answer = bob.status_post(f"@{alice.me()['acct']} indeed", visibility="direct", in_reply_to_id=first["id"])
    alice.status_post("a public post is not direct")
    third = alice.status_post(f"@{bob_acct} one more", visibility="direct")
    expected = [third["id"], answer["id"], first["id"]]
    assert [s["id"] for s in alice.timeline("direct")] == expected
    assert [s["id"] for s in bob.timeline("direct")] == expected
    assert carol.timeline("direct") == []
    page = raw(bob, "GET", "/api/v1/timelines/direct", params={"limit": 2})
    assert [s["id"] for s in page.json()] == expected[:2]
    rest = requests.get(
        page.links["next"]["url"], headers={"Authorization": f"Bearer {bob.access_token}"}, timeout=30
    ).json()
    assert [s["id"] for s in rest] == expected[2:]
    with pytest.raises(MastodonAPIError):
        carol.status(first["id"])
