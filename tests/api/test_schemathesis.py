"""Schemathesis against Mastodon's own OpenAPI description and a real `caravan serve`: for every operation,
a few generated requests that follow the spec and a few that break it (wrong types, missing fields), sent with
a token that has every scope. None may get a 5xx, and every 4xx is JSON with an `error`.

Bounded on purpose (a fixed number of examples per operation, derandomized so CI runs the same requests every
time): the whole run takes about a minute on SQLite, and CI runs it again on PostgreSQL.
"""

import contextlib
import time
import uuid

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.api.conftest import SPEC

# Examples per operation: following the spec, and breaking it (where most server errors hide).
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 3}
# Nothing is left out: no operation in the spec can end this session (Mastodon's API has no account deletion,
# and revoking needs the token itself, which the generator cannot guess). Add an operation here only if it
# would, and say why.
EXCLUDED: set[tuple[str, str]] = set()
STREAMS = ("/api/v1/streaming/",)  # server-sent events (the health check answers at once)
OAUTH_PAGES = {"/oauth/authorize"}  # HTML for people: a 4xx page there is right, it need not be JSON


def _operations() -> list:
    schema = schemathesis.openapi.from_path(SPEC)
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


def _fuzz(operation, mode: GenerationMode, server: str, session: requests.Session, failures: dict) -> int:
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
        if problem:
            failures[label] = f"{problem}\n  sent: {case.as_curl_command()}"

    with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid (no parameters, no body)
        send()
    return sent


def test_no_operation_of_the_mastodon_spec_gets_a_server_error(server, signup):
    assert SPEC.is_file(), (
        f"Mastodon's OpenAPI spec is not at {SPEC}: the project expects ../shared/spec beside it"
    )
    token = signup(f"fuzz{uuid.uuid4().hex[:8]}").access_token
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    failures: dict[str, str] = {}
    started = time.monotonic()
    sent = sum(
        _fuzz(operation, mode, server, session, failures) for operation in _operations() for mode in EXAMPLES
    )
    print(f"schemathesis: {sent} requests in {time.monotonic() - started:.0f} s")
    assert not failures, "\n".join(f"{label}: {problem}" for label, problem in failures.items())
