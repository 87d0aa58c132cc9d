"""Grouped notifications (v2) through Mastodon.py against a real `caravan serve`: favourites and boosts of one post,
and follows, form groups with counts and sample accounts; other types stand alone as `ungrouped-<id>`;
`grouped_types` narrows grouping; Link paging by group; `expand_accounts=partial_avatars`; one group, its
accounts, dismissing it; filtered notifications only with `include_filtered`; another person's groups are 404."""

import uuid

import pytest
import requests
from mastodon.errors import MastodonNotFoundError


def fresh(signup, prefix: str = "gn"):
    return signup(f"{prefix}{uuid.uuid4().hex[:10]}")


def grouped(client, **params) -> requests.Response:
    response = requests.get(
        f"{client.api_base_url}/api/v2/notifications",
        headers={"Authorization": f"Bearer {client.access_token}"},
        params=params,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def scene(signup):
    """me; three fans who favourite my post (two also boost it) and follow me; a mention by a fourth."""
    me = fresh(signup)
    me_id = me.me()["id"]
    post = me.status_post("a post to favourite")
    fans = [fresh(signup) for _ in range(3)]
    for fan in fans:
        fan.account_follow(me_id)
        fan.status_favourite(post["id"])
    for fan in fans[:2]:
        fan.status_reblog(post["id"])
    mentioner = fresh(signup)
    mention = mentioner.status_post(f"@{me.me()['acct']} hello")
    return {"me": me, "post": post, "fans": fans, "mentioner": mentioner, "mention": mention}


def test_groups_count_their_notifications_and_name_sample_accounts(scene):
    me, fans = scene["me"], scene["fans"]
    body = grouped(me).json()
    groups = {g["type"]: g for g in body["notification_groups"]}
    assert [g["type"] for g in body["notification_groups"]] == ["mention", "reblog", "favourite", "follow"]
    fan_ids = [f.me()["id"] for f in fans]
    assert groups["favourite"]["notifications_count"] == 3
    assert groups["favourite"]["sample_account_ids"] == fan_ids[::-1]
    assert groups["favourite"]["status_id"] == scene["post"]["id"]
    assert groups["reblog"]["notifications_count"] == 2
    assert groups["follow"]["notifications_count"] == 3 and "status_id" not in groups["follow"]
    assert groups["mention"]["group_key"] == f"ungrouped-{groups['mention']['most_recent_notification_id']}"
    assert groups["favourite"]["group_key"].startswith(f"favourite-{scene['post']['id']}-")
    assert {a["id"] for a in body["accounts"]} == {*fan_ids, scene["mentioner"].me()["id"]}
    assert {s["id"] for s in body["statuses"]} == {scene["post"]["id"], scene["mention"]["id"]}
    # The v1 list carries the same keys for the same notifications.
    v1 = me.notifications(types=["favourite"])
    assert {n["group_key"] for n in v1} == {groups["favourite"]["group_key"]}
    # Mastodon.py reads it as GroupedNotificationsResults.
    assert me.grouped_notifications().notification_groups[0].type == "mention"


def test_grouped_types_leaves_the_other_types_ungrouped(scene):
    body = grouped(scene["me"], **{"grouped_types[]": ["favourite"]}).json()
    types = [g["type"] for g in body["notification_groups"]]
    assert types.count("favourite") == 1 and types.count("follow") == 3 and types.count("reblog") == 2
    for g in body["notification_groups"]:
        if g["type"] != "favourite":
            assert g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}"
            assert g["notifications_count"] == 1


def test_pages_are_counted_in_groups_with_link_headers(scene):
    me = scene["me"]
    first = grouped(me, limit=2)
    assert [g["type"] for g in first.json()["notification_groups"]] == ["mention", "reblog"]
    assert 'rel="next"' in first.headers["Link"]
    rest = requests.get(
        first.links["next"]["url"], headers={"Authorization": f"Bearer {me.access_token}"}, timeout=30
    ).json()
    assert [g["type"] for g in rest["notification_groups"]] == ["favourite", "follow"]
    newer = requests.get(
        first.links["prev"]["url"], headers={"Authorization": f"Bearer {me.access_token}"}, timeout=30
    ).json()
    assert newer["notification_groups"] == []


def test_partial_avatars_render_only_the_newest_account_of_each_group_in_full(scene):
    body = grouped(scene["me"], expand_accounts="partial_avatars").json()
    full = {a["id"] for a in body["accounts"]}
    partial = {a["id"] for a in body["partial_accounts"]}
    newest = {g["sample_account_ids"][0] for g in body["notification_groups"]}
    assert full == newest and not full & partial
    assert full | partial == {a for g in body["notification_groups"] for a in g["sample_account_ids"]}
    assert set(body["partial_accounts"][0]) >= {
        "id",
        "acct",
        "avatar",
        "avatar_static",
        "locked",
        "bot",
        "url",
    }


def test_one_group_its_accounts_and_dismissing_it(signup, scene):
    me = scene["me"]
    groups = {g["type"]: g for g in grouped(me).json()["notification_groups"]}
    key = groups["follow"]["group_key"]
    one = me.grouped_notification(key)
    assert one.notification_groups[0].notifications_count == 3
    accounts = me.grouped_notification_accounts(key)
    assert [a["id"] for a in accounts] == [f.me()["id"] for f in scene["fans"]][::-1]
    stranger = fresh(signup)
    with pytest.raises(MastodonNotFoundError):
        stranger.grouped_notification(key)
    with pytest.raises(MastodonNotFoundError):
        me.grouped_notification("follow-nothing")
    stranger.dismiss_grouped_notification(key)  # someone else's key dismisses nothing of mine
    assert me.grouped_notification_accounts(key)
    me.dismiss_grouped_notification(key)
    assert "follow" not in [g["type"] for g in grouped(me).json()["notification_groups"]]
    mention = groups["mention"]["group_key"]
    me.dismiss_grouped_notification(mention)
    assert "mention" not in [g["type"] for g in grouped(me).json()["notification_groups"]]


def test_filtered_notifications_only_with_include_filtered(signup):
    me, stranger = fresh(signup), fresh(signup)
    stranger.status_post(f"@{me.me()['acct']} a private word", visibility="direct")
    assert grouped(me).json()["notification_groups"] == []
    body = grouped(me, include_filtered="true").json()
    assert [g["type"] for g in body["notification_groups"]] == ["mention"]
    assert me.unread_grouped_notifications_count() == 0
