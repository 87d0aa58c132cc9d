"""Schemathesis against Mastodon's own OpenAPI description and a real `caravan serve`: for every operation,
a few generated requests that follow the spec and a few that break it (wrong types, missing fields), sent with
a token that has every scope. None may get a 5xx, every 4xx is JSON with an `error`, and every successful (2xx)
answer must match the spec's response schema (apps decode these). `SPEC_CORRECTIONS` corrects the spec where it
is wrong, each with the reason (docs/mastodon-api/conformance.md).

Requests that follow the spec name real objects in their paths (`_seed`: a status, a list, a filter... made
before the run), so they succeed often enough for their answers to be checked. Every operation the spec
describes is sent, so routes added later are covered without touching this file.

Bounded on purpose (a fixed number of examples per operation, derandomized so CI runs the same requests every
time): the whole run takes a few minutes on SQLite, and CI runs it again on PostgreSQL.
"""

import contextlib
import io
import json
import time
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import response_schema_conformance
from schemathesis.core.failures import Failure, FailureGroup

from tests.api.conftest import SPEC

# Examples per operation: following the spec, and breaking it (where most server errors hide).
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 3}
# Nothing is left out: no operation in the spec can end this session (Mastodon's API has no account deletion,
# and revoking needs the token itself, which the generator cannot guess). Add an operation here only if it
# would, and say why.
EXCLUDED: set[tuple[str, str]] = set()
STREAMS = ("/api/v1/streaming/",)  # server-sent events (the health check answers at once)
OAUTH_PAGES = {"/oauth/authorize"}  # HTML for people: a 4xx page there is right, it need not be JSON
CHECKED: dict[str, int] = {}  # successful answers checked against the schema, per operation


def _email_or_empty(spec: dict) -> None:
    for schema in (
        spec["components"]["schemas"]["V1Instance"]["properties"]["email"],
        spec["components"]["schemas"]["Instance"]["properties"]["contact"]["properties"]["email"],
    ):
        schema.pop("format", None)
        schema["anyOf"] = [{"format": "email"}, {"const": ""}]


def _v1_filters_are_a_list(spec: dict) -> None:
    answer = spec["paths"]["/api/v1/filters"]["get"]["responses"]["200"]["content"]["application/json"]
    answer["schema"] = {"type": "array", "items": {"$ref": "#/components/schemas/V1Filter"}}


def _quote_any_of(spec: dict) -> None:
    quote = spec["components"]["schemas"]["Status"]["properties"]["quote"]
    quote["anyOf"] = quote.pop("oneOf")


# Where Mastodon's description is wrong (it contradicts what Mastodon itself answers, or its own documentation),
# it is corrected before the run, as narrowly as possible. Keep this short; one reason each
# (docs/mastodon-api/conformance.md).
SPEC_CORRECTIONS = {
    _email_or_empty: 'an instance\'s contact email is "" when the admin set none: Mastodon answers '
    "Setting.site_contact_email, empty by default, where the description demands an email address",
    _v1_filters_are_a_list: "GET /api/v1/filters answers a list of V1::Filter (its own description says "
    '"List of [V1::Filter]"), the schema names a single one',
    _quote_any_of: "Status.quote is oneOf Quote or ShallowQuote, which both require only `state`: a quote whose "
    'post is gone ({"state": "deleted", "quoted_status": null}, as Mastodon answers) matches both, so oneOf '
    "refuses every such answer; anyOf is what the description means",
}


def _operations() -> list:
    spec = json.loads(SPEC.read_text())
    for correct in SPEC_CORRECTIONS:
        correct(spec)
    schema = schemathesis.openapi.from_dict(spec)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) not in EXCLUDED:
            found.append(operation)
    return found


def _problem(response: requests.Response, path: str) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    if response.status_code >= 400 and path not in OAUTH_PAGES:
        try:
            body = response.json()
        except ValueError:
            return f"{response.status_code} without JSON: {response.text[:200]}"
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
            return f"{response.status_code} without an error message: {response.text[:200]}"
    return None


def _schema_violation(case, response: requests.Response) -> str | None:
    """Whether a successful answer breaks the operation's response schema (what the spec says apps get)."""
    if not 200 <= response.status_code < 300:
        return None
    CHECKED[case.operation.label] = CHECKED.get(case.operation.label, 0) + 1
    try:
        case.validate_response(response, checks=[response_schema_conformance])
    except (FailureGroup, Failure) as error:  # naming each part of the answer that breaks the schema
        parts = error.exceptions if isinstance(error, FailureGroup) else [error]
        said = "; ".join(getattr(part, "message", str(part))[:600] for part in parts)
        return f"{response.status_code} breaks the response schema: {said}"
    return None


def _seed_path(case, seeds: dict[str, str]) -> None:
    """Name real objects in the path of a request that follows the spec (generated ids find nothing)."""
    if not case.path_parameters:
        return
    words = [part for part in case.operation.path.split("/")[3:] if not part.startswith("{")]
    for name in case.path_parameters:
        value = seeds.get(".".join([*words, name])) or seeds.get(f"{words[0]}.{name}") or seeds.get(name)
        if value is not None:
            case.path_parameters[name] = value


def _fuzz(
    operation, mode: GenerationMode, server: str, session: requests.Session, failures: dict, seeds: dict
) -> int:
    """Send this operation's generated examples; record its first problem. Returns how many were sent."""
    label = f"{operation.method.upper()} {operation.path}"
    sent = 0

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case) -> None:
        nonlocal sent
        if label in failures:
            return
        sent += 1
        if mode == GenerationMode.POSITIVE:
            _seed_path(case, seeds)
        if operation.path.startswith(STREAMS):
            # An accepted stream never ends: read the status line and headers, then hang up.
            kwargs = case.as_transport_kwargs(base_url=server)
            kwargs["headers"] = {**kwargs.get("headers", {}), **session.headers}
            with session.request(**kwargs, stream=True, timeout=(5, 20)) as response:
                if response.status_code < 300:
                    return
                response.content  # noqa: B018 - an error is a short JSON body: read it
        else:
            response = case.call(base_url=server, session=session, timeout=20)
        problem = _problem(response, operation.path)
        if problem is None and not operation.path.startswith(STREAMS):
            problem = _schema_violation(case, response)
        if problem:
            failures[label] = f"{problem}\n  sent: {case.as_curl_command()}"

    with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid (no parameters, no body)
        send()
    return sent


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def _seed(server: str, session: requests.Session, other) -> dict[str, str]:
    """Objects for requests that follow the spec to find, keyed `resource.parameter` (or `parameter`): the
    fuzzing account's own status with a poll and an image, a list, a filter with a keyword and a status, a
    featured tag, a scheduled post; another account that it follows, which follows it back, mentions it
    directly and favourites its post (a conversation and notifications)."""

    def call(method: str, path: str, **kwargs) -> dict:
        response = session.request(method, f"{server}{path}", timeout=30, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json()

    other_id = str(other.account_verify_credentials()["id"])
    me = call("GET", "/api/v1/accounts/verify_credentials")
    call("POST", f"/api/v1/accounts/{other_id}/follow")
    other.account_follow(me["id"])
    media = call(
        "POST",
        "/api/v2/media",
        files={"file": ("dot.png", _png(), "image/png")},
        data={"description": "a dot"},
    )
    status = call(
        "POST",
        "/api/v1/statuses",
        json={"status": "Seeded post #caravanseed", "poll": {"options": ["yes", "no"], "expires_in": 86400}},
    )
    pictured = call("POST", "/api/v1/statuses", json={"status": "With a picture", "media_ids": [media["id"]]})
    listed = call("POST", "/api/v1/lists", json={"title": "Seeded list"})
    call("POST", f"/api/v1/lists/{listed['id']}/accounts", json={"account_ids": [other_id]})
    filtered = call(
        "POST",
        "/api/v2/filters",
        json={
            "title": "Seeded filter",
            "context": ["home"],
            "keywords_attributes": [{"keyword": "seedword"}],
        },
    )
    filter_status = call(
        "POST", f"/api/v2/filters/{filtered['id']}/statuses", json={"status_id": pictured["id"]}
    )
    featured = call("POST", "/api/v1/featured_tags", json={"name": "caravanseed"})
    scheduled = call(
        "POST", "/api/v1/statuses", json={"status": "Later", "scheduled_at": "2099-01-01T00:00:00Z"}
    )
    direct = other.status_post(f"@{me['acct']} just us", visibility="direct")
    other.status_favourite(status["id"])
    notifications = call("GET", "/api/v1/notifications")
    conversations = call("GET", "/api/v1/conversations")
    seeds = {
        "id": status["id"],
        "accounts.id": other_id,
        "account_id": other_id,
        "statuses.id": status["id"],
        "lists.id": str(listed["id"]),
        "list_id": str(listed["id"]),
        "media.id": media["id"],
        "polls.id": status["poll"]["id"],
        "filters.id": filtered["id"],
        "filter_id": filtered["id"],
        "filters.keywords.id": filtered["keywords"][0]["id"],
        "filters.statuses.id": filter_status["id"],
        "featured_tags.id": featured["id"],
        "scheduled_statuses.id": scheduled["id"],
        "tags.id": "caravanseed",
        "name": "caravanseed",
        "hashtag": "caravanseed",
        "conversations.id": conversations[0]["id"] if conversations else direct["id"],
        "notifications.id": notifications[0]["id"] if notifications else "0",
        "group_key": notifications[0]["group_key"]
        if notifications and "group_key" in notifications[0]
        else f"ungrouped-{notifications[0]['id'] if notifications else 0}",
    }
    return seeds


def _operations_in_order() -> list:
    """Deletions last, so the objects seeded for the others are still there when they run."""
    return sorted(_operations(), key=lambda operation: operation.method.upper() == "DELETE")


@pytest.mark.timeout(900)  # bounded by its request count; a loaded CI machine needs longer than the default
def test_no_operation_of_the_mastodon_spec_gets_a_server_error(server, signup):
    assert SPEC.is_file(), (
        f"Mastodon's OpenAPI spec is not at {SPEC}: the project expects ../shared/spec beside it"
    )
    name = uuid.uuid4().hex[:8]
    token = signup(f"fuzz{name}").access_token
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    seeds = _seed(server, session, signup(f"seed{name}"))
    failures: dict[str, str] = {}
    started = time.monotonic()
    sent = sum(
        _fuzz(operation, mode, server, session, failures, seeds)
        for operation in _operations_in_order()
        for mode in EXAMPLES
    )
    print(
        f"schemathesis: {sent} requests in {time.monotonic() - started:.0f} s; "
        f"{sum(CHECKED.values())} successful answers of {len(CHECKED)} operations matched against the schema"
    )
    assert not failures, "\n".join(f"{label}: {problem}" for label, problem in failures.items())
