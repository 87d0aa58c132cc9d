"""OAuth scopes hold on every route: a token that lacks a route's scope gets 403, also on routes that work
without any token, and a token with exactly that scope gets through. Routes come from `api/urls.py` itself,
so a new route is checked (or must be declared public here) without anyone remembering to add it."""

import json
import queue
import re
import threading
import time
import uuid

import requests
from django.conf import settings

from caravan.api.scopes import FOLLOW_PARTS
from tests.api.conftest import SPEC
from tests.api.routes import api_routes, sample_path
from tests.api.test_streaming import _read_sse

OUTSIDE = "This action is outside the authorized scopes"
MODERATORS_ONLY = "Only moderators may do this."
# Routes that need no scope: what the server says about itself, OAuth, and the JSON 404 for the rest.
PUBLIC = {
    ("POST", "api/v1/apps"),
    ("GET", "api/v1/instance"),
    ("GET", "api/v2/instance"),
    ("GET", "api/v1/instance/peers"),
    ("GET", "api/v1/instance/activity"),
    ("GET", "api/v1/instance/rules"),
    ("GET", "api/v1/instance/domain_blocks"),
    ("GET", "api/v1/instance/extended_description"),
    ("GET", "api/v1/instance/translation_languages"),
    ("GET", "api/v1/custom_emojis"),
    ("GET", "api/v1/announcements"),
    ("GET", "api/v1/trends"),
    ("GET", "api/v1/trends/tags"),
    ("GET", "api/v1/trends/statuses"),
    ("GET", "api/v1/trends/links"),
    ("GET", "api/v1/directory"),
    ("GET", "api/v1/apps/verify_credentials"),  # any token: it describes the app, not a person
    ("GET", "api/v1/instance/privacy_policy"),
    ("GET", "api/v1/instance/terms_of_service"),
    ("GET", "api/v1/instance/terms_of_service/<date>"),
    ("GET", "api/oembed"),
}
# Reads that Mastodon puts behind a write scope (unattached media belongs to the app uploading it).
WRITE_SCOPED_READS = {("GET", "api/v1/media/<media_id>")}
# Writes by method that Mastodon puts behind a read scope (a translation changes nothing).
READ_SCOPED_WRITES = {("POST", "api/v1/statuses/<status_id>/translate")}
# OpenID Connect's userinfo is behind `profile` alone, outside the read and write families.
PROFILE_SCOPED = {("GET", "oauth/userinfo"), ("POST", "oauth/userinfo")}
# Where the spec and Mastodon's own controllers differ, the controllers win.
SPEC_IS_WRONG = {
    ("DELETE", "api/v1/suggestions/<>"),  # SuggestionsController#destroy: write:accounts
    (
        "GET",
        "api/v2/notifications/<>/accounts",
    ),  # Api::V2::Notifications::AccountsController: read:notifications
}


def _alternatives(scope) -> tuple[str, ...]:
    return (scope,) if isinstance(scope, str) else tuple(scope)


def _lacking(scope) -> str:
    """Every scope there is, except the route's scope, its parent and anything else that grants it."""
    wanted = set(_alternatives(scope))
    granting = set(wanted)
    for s in wanted:
        granting.add(s.split(":")[0])
        if s in FOLLOW_PARTS:
            granting.add("follow")
    everything = set(settings.OAUTH2_PROVIDER["SCOPES"]) - {
        s for s in settings.OAUTH2_PROVIDER["SCOPES"] if s.startswith("admin")
    }
    return " ".join(sorted(everything - granting))


def test_every_route_declares_a_scope_of_the_right_family():
    unscoped, wrong_family = set(), []
    for method, template, view in api_routes():
        scope = view.api_scope
        if scope is None:
            unscoped.add((method, template))
            continue
        family = "read:" if method == "GET" and (method, template) not in WRITE_SCOPED_READS else "write:"
        if (method, template) in READ_SCOPED_WRITES:
            family = "read:"
        if (method, template) in PROFILE_SCOPED:
            family = "profile"
        if re.match(r"api/v\d+/admin/", template):
            family = "admin:" + family
        if template.startswith("api/v1/push/"):
            family = "push"  # Mastodon's own scope for Web Push, neither read nor write
        if not any(s.startswith(family) for s in _alternatives(scope)):
            wrong_family.append((method, template, scope))
    assert unscoped == PUBLIC, "routes without a scope must be public on purpose (add them to PUBLIC)"
    assert wrong_family == []


def test_declared_scopes_agree_with_mastodons_spec():
    """Where Mastodon's OpenAPI spec names the scopes of an operation, ours is one of them (or a granular
    part of one): an app asking for what Mastodon documents gets in."""
    spec = json.loads(SPEC.read_text())
    documented = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security") or []:
                scopes = requirement.get("OAuth2") or []
                if scopes:
                    documented[(method.upper(), re.sub(r"\{\w+\}", "<>", path.lstrip("/")))] = scopes
    checked = 0
    for method, template, view in api_routes():
        key = (method, re.sub(r"<\w+>", "<>", template))
        if key not in documented or view.api_scope is None or key in SPEC_IS_WRONG:
            continue
        checked += 1
        allowed = documented[key]
        assert any(s in allowed or s.split(":")[0] in allowed for s in _alternatives(view.api_scope)), (
            f"{method} {template}: {view.api_scope}, Mastodon documents {allowed}"
        )
    assert checked > 100


def test_a_token_without_the_scope_gets_403_on_every_route_and_one_with_it_gets_through(server, scoped_token):
    refused, let_through, anonymous = [], [], []
    for method, template, view in api_routes():
        scope = view.api_scope
        if scope is None:
            continue
        url = f"{server}/{sample_path(template)}"
        exact = scoped_token(_alternatives(scope)[0])
        without = scoped_token(_lacking(scope))
        family = scoped_token("write push" if method == "GET" else "read push")
        if (method, template) in WRITE_SCOPED_READS:
            family = scoped_token("read push")
        if (method, template) in READ_SCOPED_WRITES:
            family = scoped_token("write push")
        if template.startswith("api/v1/push/"):
            family = scoped_token("read write follow")  # push routes need `push` itself
        for token in (without, family):
            response = requests.request(method, url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            if response.status_code != 403 or response.json() != {"error": OUTSIDE}:
                let_through.append((method, template, scope, response.status_code))
        response = requests.request(method, url, headers={"Authorization": f"Bearer {exact}"}, timeout=10)
        if re.match(r"api/v\d+/admin/", template) and response.status_code == 403:
            # Past the scope check, the admin API asks for a moderator: this token's user is not one.
            if response.json() != {"error": MODERATORS_ONLY}:
                refused.append((method, template, scope, response.status_code, response.text[:200]))
        elif response.status_code in (401, 403) or response.status_code >= 500:
            refused.append((method, template, scope, response.status_code, response.text[:200]))
        if view.api_auth in ("optional", "none"):
            response = requests.request(method, url, timeout=10)
            if response.status_code in (401, 403) or response.status_code >= 500:
                anonymous.append((method, template, response.status_code))
    assert let_through == [], "tokens without the scope were let through"
    assert refused == [], "tokens with the scope were refused"
    assert anonymous == [], "routes that need no token refused an anonymous request"


def test_public_reads_refuse_a_write_only_token_but_not_a_granular_read_token(server, signup, scoped_token):
    author = signup(f"pub{uuid.uuid4().hex[:8]}")
    post = author.status_post("A public post anyone may read")
    writer = {"Authorization": f"Bearer {scoped_token('write follow push')}"}
    reader = {"Authorization": f"Bearer {scoped_token('read:statuses')}"}
    for path in (
        f"api/v1/statuses/{post['id']}",
        "api/v1/timelines/public",
        f"api/v1/statuses/{post['id']}/context",
    ):
        assert requests.get(f"{server}/{path}", timeout=10).status_code == 200  # anonymous: fine
        assert requests.get(f"{server}/{path}", headers=reader, timeout=10).status_code == 200
        refused = requests.get(f"{server}/{path}", headers=writer, timeout=10)
        assert refused.status_code == 403 and refused.json() == {"error": OUTSIDE}
    search = requests.get(f"{server}/api/v2/search", params={"q": "public"}, headers=reader, timeout=10)
    assert search.status_code == 403
    searcher = {"Authorization": f"Bearer {scoped_token('read:search')}"}
    assert requests.get(f"{server}/api/v2/search", params={"q": "public"}, headers=searcher, timeout=10).ok


STREAMS = {
    "user": "read:statuses",
    "user/notification": "read:notifications",
    "public": "read:statuses",
    "public/local": "read:statuses",
    "public/remote": "read:statuses",
    "public/media": "read:statuses",
    "hashtag?tag=caravan": "read:statuses",
    "hashtag/local?tag=caravan": "read:statuses",
    "direct": "read:statuses",
}


def _stream_status(server: str, stream: str, token: str) -> int:
    with requests.get(
        f"{server}/api/v1/streaming/{stream}",
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
        timeout=(5, 10),
    ) as response:
        return response.status_code


def test_streams_check_the_scope_of_each_stream(server, scoped_token):
    statuses, notifications = scoped_token("read:statuses"), scoped_token("read:notifications")
    neither = scoped_token("write follow push profile")
    seen = {}
    for stream in STREAMS:
        seen[stream] = (
            _stream_status(server, stream, statuses),
            _stream_status(server, stream, notifications),
            _stream_status(server, stream, neither),
        )
    expected = {
        stream: (
            200 if needed == "read:statuses" else 401,
            200 if needed == "read:notifications" else 401,
            401,
        )
        for stream, needed in STREAMS.items()
    }
    assert seen == expected


def test_user_stream_without_read_notifications_carries_no_notifications(server, signup, scoped_token):
    import asyncio

    import aiohttp

    token = scoped_token("read:statuses")
    reader_name = scoped_token.username
    author = signup(f"st{uuid.uuid4().hex[:8]}")
    follow = requests.post(
        f"{server}/api/v1/accounts/{author.account_verify_credentials()['id']}/follow",
        headers={"Authorization": f"Bearer {scoped_token('write:follows')}"},
        timeout=10,
    )
    assert follow.status_code == 200

    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_sse, args=(f"{server}/api/v1/streaming/user", token, events, stop), daemon=True
    )
    reader.start()
    assert events.get(timeout=10) == ("status", 200)
    time.sleep(0.3)
    post = author.status_post(f"@{reader_name} are you there?")
    names = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            name, data = events.get(timeout=0.5)
        except queue.Empty:
            if "update" in names:
                break  # the update came and nothing else within half a second
            continue
        names.append(name)
        if name == "update":
            assert json.loads(data)["id"] == post["id"]
            deadline = min(deadline, time.monotonic() + 2)  # room for a notification that must not come
    stop.set()
    assert "update" in names and "notification" not in names

    async def subscribe() -> dict:
        ws_url = server.replace("http://", "ws://") + "/api/v1/streaming"
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url, protocols=(token,)) as ws:
            await ws.send_json({"type": "subscribe", "stream": "user:notification"})
            return await ws.receive_json(timeout=10)

    assert asyncio.run(subscribe()) == {
        "error": "Error: Access token does not have the required scopes",
        "status": 401,
    }


def test_parent_scopes_grant_their_parts_and_follow_grants_relationships():
    from caravan.api.scopes import expand

    every = set(settings.OAUTH2_PROVIDER["SCOPES"])
    reads = {s for s in every if s.startswith("read:")}
    writes = {s for s in every if s.startswith("write:")}
    assert expand(["read"]) == {"read"} | reads
    assert expand(["write"]) == {"write"} | writes
    assert expand(["follow"]) == {"follow"} | FOLLOW_PARTS
    assert {
        f"{mode}:{part}" for mode in ("read", "write") for part in ("blocks", "follows", "mutes")
    } == FOLLOW_PARTS
    assert expand(["read:statuses", "bogus"]) == {"read:statuses"}
