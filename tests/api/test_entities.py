"""Every entity's keys and value types, checked on the raw JSON against a schema written from the
Mastodon docs."""

import re
import uuid

import requests

from tests.api.conftest import wait_until
from tests.api.test_endpoints import png

ID = "id"  # a numeric string
DATETIME = "datetime"  # 2024-01-02T03:04:05.678Z
DATE = "date"
URL = "url"
OPTIONAL = "?"  # key may be absent

_DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def nullable(kind):
    return ("null", kind)


ACCOUNT = {
    "id": ID,
    "username": str,
    "acct": str,
    "url": nullable(URL),
    "uri": URL,
    "display_name": str,
    "note": str,
    "avatar": URL,
    "avatar_static": URL,
    "header": URL,
    "header_static": URL,
    "locked": bool,
    "bot": bool,
    "group": bool,
    "discoverable": nullable(bool),
    "indexable": bool,
    "hide_collections": nullable(bool),
    "fields": list,
    "emojis": list,
    "roles": list,
    "created_at": DATETIME,
    "last_status_at": nullable(DATE),
    "statuses_count": int,
    "followers_count": int,
    "following_count": int,
    "noindex": (OPTIONAL, bool),
}
CREDENTIAL_ACCOUNT = {**ACCOUNT, "source": dict, "role": dict}
MEDIA = {
    "id": ID,
    "type": str,
    "url": nullable(URL),
    "preview_url": nullable(URL),
    "remote_url": nullable(URL),
    "meta": dict,
    "description": nullable(str),
    "blurhash": nullable(str),
}
POLL = {
    "id": ID,
    "expires_at": nullable(DATETIME),
    "expired": bool,
    "multiple": bool,
    "votes_count": int,
    "voters_count": nullable(int),
    "options": list,
    "emojis": list,
    "voted": (OPTIONAL, bool),
    "own_votes": (OPTIONAL, list),
}
STATUS = {
    "id": ID,
    "uri": str,
    "url": nullable(URL),
    "created_at": DATETIME,
    "account": ACCOUNT,
    "content": str,
    "visibility": str,
    "sensitive": bool,
    "spoiler_text": str,
    "media_attachments": list,
    "mentions": list,
    "tags": list,
    "emojis": list,
    "reblogs_count": int,
    "favourites_count": int,
    "replies_count": int,
    "quotes_count": int,
    "in_reply_to_id": nullable(ID),
    "in_reply_to_account_id": nullable(ID),
    "reblog": nullable(dict),
    "poll": nullable(POLL),
    "card": nullable(dict),
    "language": nullable(str),
    "text": nullable(str),
    "edited_at": nullable(DATETIME),
    "quote": nullable(dict),
    "favourited": bool,
    "reblogged": bool,
    "muted": bool,
    "bookmarked": bool,
    "pinned": (OPTIONAL, bool),
    "filtered": list,
}
NOTIFICATION = {
    "id": ID,
    "type": str,
    "group_key": str,
    "created_at": DATETIME,
    "account": ACCOUNT,
    "status": (OPTIONAL, STATUS),
}
RELATIONSHIP = {
    "id": ID,
    "following": bool,
    "showing_reblogs": bool,
    "notifying": bool,
    "followed_by": bool,
    "blocking": bool,
    "blocked_by": bool,
    "muting": bool,
    "muting_notifications": bool,
    "requested": bool,
    "requested_by": bool,
    "domain_blocking": bool,
    "endorsed": bool,
    "note": str,
    "languages": nullable(list),
    "muting_expires_at": nullable(DATETIME),
}
INSTANCE_V2 = {
    "domain": str,
    "title": str,
    "version": str,
    "source_url": URL,
    "description": str,
    "usage": dict,
    "thumbnail": dict,
    "languages": list,
    "configuration": dict,
    "registrations": dict,
    "api_versions": dict,
    "contact": dict,
    "rules": list,
}
INSTANCE_V1 = {
    "uri": str,
    "title": str,
    "short_description": str,
    "description": str,
    "email": str,
    "version": str,
    "urls": dict,
    "stats": dict,
    "thumbnail": nullable(URL),
    "languages": list,
    "registrations": bool,
    "approval_required": bool,
    "invites_enabled": bool,
    "configuration": dict,
    "contact_account": nullable(ACCOUNT),
    "rules": list,
}
TAG = {"name": str, "url": URL, "history": list, "following": (OPTIONAL, bool)}
LIST = {"id": ID, "title": str, "replies_policy": str, "exclusive": bool}
CONTEXT = {"ancestors": list, "descendants": list}
FILTER = {
    "id": ID,
    "title": str,
    "context": list,
    "expires_at": nullable(DATETIME),
    "filter_action": str,
    "keywords": list,
    "statuses": list,
}
MARKER = {"last_read_id": ID, "version": int, "updated_at": DATETIME}
CONVERSATION = {"id": ID, "unread": bool, "accounts": list, "last_status": nullable(STATUS)}
REPORT = {
    "id": ID,
    "action_taken": bool,
    "category": str,
    "comment": str,
    "forwarded": bool,
    "created_at": DATETIME,
    "status_ids": nullable(list),
    "rule_ids": nullable(list),
    "target_account": ACCOUNT,
}
PREFERENCES = {
    "posting:default:visibility": str,
    "posting:default:sensitive": bool,
    "posting:default:language": nullable(str),
    "reading:expand:media": str,
    "reading:expand:spoilers": bool,
}
TOKEN = {"access_token": str, "token_type": str, "scope": str, "created_at": int}


def check(value, schema, where="$"):
    if isinstance(schema, tuple) and schema[0] == OPTIONAL:
        return check(value, schema[1], where)
    if isinstance(schema, tuple) and schema[0] == "null":
        if value is None:
            return
        return check(value, schema[1], where)
    if isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        for key, kind in schema.items():
            optional = isinstance(kind, tuple) and kind[0] == OPTIONAL
            if key not in value:
                assert optional, f"{where}: missing {key}"
                continue
            check(value[key], kind, f"{where}.{key}")
        return
    if schema == ID:
        assert isinstance(value, str) and value.isdigit(), (
            f"{where}: id must be a numeric string, got {value!r}"
        )
    elif schema == DATETIME:
        assert isinstance(value, str) and _DATETIME_RE.match(value), f"{where}: bad datetime {value!r}"
    elif schema == DATE:
        assert isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d$", value), (
            f"{where}: bad date {value!r}"
        )
    elif schema == URL:
        assert isinstance(value, str) and value.startswith(("http://", "https://", "ws")), (
            f"{where}: {value!r}"
        )
    elif schema is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: expected int, got {value!r}"
    else:
        assert isinstance(value, schema), f"{where}: expected {schema.__name__}, got {value!r}"


def test_every_entity_matches_its_schema(signup, server):
    tag = uuid.uuid4().hex[:6]
    alice, bob = signup(f"ea{tag}"), signup(f"eb{tag}")
    a_id, b_id = alice.account_verify_credentials()["id"], bob.account_verify_credentials()["id"]

    def get(client, path, **kwargs):
        response = requests.get(
            f"{server}{path}",
            headers={"Authorization": f"Bearer {client.access_token}"},
            timeout=10,
            **kwargs,
        )
        assert response.status_code == 200, (path, response.text)
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()

    bob.account_follow(a_id)
    media = alice.media_post(png(), mime_type="image/png", description="alt")
    check(
        requests.get(
            f"{server}/api/v1/media/{media['id']}",
            headers={"Authorization": f"Bearer {alice.access_token}"},
            timeout=10,
        ).json(),
        MEDIA,
    )
    with_media = alice.status_post(f"pic #t{tag}", media_ids=[media["id"]])
    poll = alice.status_post("poll?", poll=alice.make_poll(["x", "y"], expires_in=600))
    bob.status_favourite(with_media["id"])
    bob.status_reblog(with_media["id"])
    bob.status_post(f"@{alice.account_verify_credentials()['acct']} hi", in_reply_to_id=with_media["id"])
    wait_until(lambda: len(alice.notifications()) >= 3)

    check(get(alice, "/api/v1/accounts/verify_credentials"), CREDENTIAL_ACCOUNT)
    check(get(bob, f"/api/v1/accounts/{a_id}"), ACCOUNT)
    status = get(bob, f"/api/v1/statuses/{with_media['id']}")
    check(status, STATUS)
    for item in status["media_attachments"]:
        check(item, MEDIA)
        assert set(item["meta"]["original"]) >= {"width", "height", "size", "aspect"}
    for item in (
        status["mentions"]
        + get(bob, f"/api/v1/statuses/{with_media['id']}/context")["descendants"][0]["mentions"]
    ):
        check(item, {"id": ID, "username": str, "url": URL, "acct": str})
    for item in status["tags"]:
        check(item, {"name": str, "url": URL})
    check(get(bob, f"/api/v1/statuses/{poll['id']}")["poll"], POLL)
    check(get(bob, f"/api/v1/polls/{poll['poll']['id']}"), POLL)
    home = get(bob, "/api/v1/timelines/home")
    for item in home:
        check(item, STATUS)
    boosts = [item for item in get(bob, f"/api/v1/accounts/{b_id}/statuses") if item["reblog"]]
    check(boosts[0]["reblog"], STATUS)
    check(get(bob, f"/api/v1/statuses/{with_media['id']}/context"), CONTEXT)
    for item in get(alice, "/api/v1/notifications"):
        check(item, NOTIFICATION)
        assert ("status" in item) == (item["type"] in ("mention", "reblog", "favourite")), item["type"]
    for item in get(bob, "/api/v1/accounts/relationships", params={"id[]": [a_id]}):
        check(item, RELATIONSHIP)
    check(get(bob, "/api/v2/instance"), INSTANCE_V2)
    check(get(bob, "/api/v1/instance"), INSTANCE_V1)
    check(get(bob, f"/api/v1/tags/t{tag}"), TAG)
    check(bob.list_create("L") and get(bob, "/api/v1/lists")[0], LIST)
    bob.create_filter_v2("f", ["home"], "warn", keywords_attributes=[{"keyword": "zzz"}])
    check(get(bob, "/api/v2/filters")[0], FILTER)
    bob.markers_set(["home"], [with_media["id"]])
    check(get(bob, "/api/v1/markers", params={"timeline[]": ["home"]})["home"], MARKER)
    bob.status_post(f"@{alice.account_verify_credentials()['acct']} psst", visibility="direct")
    check(wait_until(lambda: get(alice, "/api/v1/conversations"))[0], CONVERSATION)
    report = requests.post(
        f"{server}/api/v1/reports",
        headers={"Authorization": f"Bearer {bob.access_token}"},
        json={"account_id": a_id, "comment": "x"},
        timeout=10,
    ).json()
    check(report, REPORT)
    check(get(bob, "/api/v1/preferences"), PREFERENCES)
    history = get(bob, f"/api/v1/statuses/{with_media['id']}/history")
    check(
        history[0],
        {
            "content": str,
            "spoiler_text": str,
            "sensitive": bool,
            "created_at": DATETIME,
            "account": ACCOUNT,
            "media_attachments": list,
            "emojis": list,
        },
    )
    grouped = get(alice, "/api/v2/notifications")
    check(grouped, {"accounts": list, "statuses": list, "notification_groups": list})
    check(
        grouped["notification_groups"][0],
        {"group_key": str, "notifications_count": int, "type": str, "sample_account_ids": list},
    )
