"""A real `caravan serve` for the client API tests, started once per session, and users made through the API.

With DATABASE_URL set (PostgreSQL) the server gets its own freshly created database, dropped afterwards.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password


def _find_spec() -> Path:
    """Mastodon's OpenAPI description in `shared/spec/`, which CI keeps beside the repository; looked for
    beside each folder above it too, so a worktree nested deeper (`wt/NAME`) finds the same file."""
    root = Path(__file__).resolve().parents[2]
    for folder in (root, *root.parents):
        candidate = folder.parent / "shared" / "spec" / "mastodon-openapi.json"
        if candidate.is_file():
            return candidate
    return root.parent / "shared" / "spec" / "mastodon-openapi.json"  # missing: tests using it say so


SPEC = _find_spec()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_database(url: str) -> tuple[str, str]:
    """Create a throwaway database on the server `url` points at; returns (its URL, its name)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"caravan_api_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin_url


# Every test signs up and signs in from 127.0.0.1 with an example.org address: the abuse limits would stop the
# session, and its sign-ups would be held for approval.
LIMITS_OFF = {
    "CARAVAN_SIGN_UPS_PER_ADDRESS": "0",
    "CARAVAN_SIGN_UPS_PER_NETWORK": "0",
    "CARAVAN_HOLD_SIGN_UPS_PER_NETWORK": "0",
    "CARAVAN_HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": "0",
    "CARAVAN_HOLD_AFTER_SUSPENSIONS": "0",
    "CARAVAN_SIGN_IN_FAILURES_PER_ADDRESS": "0",
    "CARAVAN_SIGN_IN_FAILURES_PER_ACCOUNT": "0",
}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of a running Caravan server (SQLite, or a fresh PostgreSQL database with DATABASE_URL)."""
    with running_server(tmp_path_factory.mktemp("caravan-api-server"), LIMITS_OFF) as base:
        yield base


@contextmanager
def running_server(
    data_dir: Path, extra_env: dict[str, str] | None = None, *, server_env: dict | None = None
):
    """A `caravan serve` on a free loopback port for as long as the block runs; yields its base URL.
    `server_env`, when given, receives the server's environment (its database among it), so a test can run
    other `caravan` commands against the same data."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("CARAVAN_TEST_DB_NAME", "DJANGO_SETTINGS_MODULE")}
    env.update(
        CARAVAN_DATA_DIR=str(data_dir),
        CARAVAN_BASE_URL=base,
        CARAVAN_FAST_PASSWORD_HASHER="1",  # noqa: S106
        CARAVAN_API_RATE_LIMIT="100000",
        CARAVAN_WORKER_INTERVAL="0.05",
    )
    env.update(extra_env or {})
    dropped = None
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"], admin_url = _postgres_database(os.environ["DATABASE_URL"])
        dropped = (admin_url, env["DATABASE_URL"].rsplit("/", 1)[1])
    if server_env is not None:
        server_env.update(env)
    caravan = Path(sys.executable).with_name("caravan")
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed in the finalizer
    process = subprocess.Popen(
        [str(caravan), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240  # a loaded machine takes a minute to migrate and start
        while True:
            try:
                if requests.get(f"{base}/api/v1/streaming/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("caravan serve did not start:\n" + (data_dir / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if dropped is not None:
            import psycopg

            with psycopg.connect(dropped[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped[1]}" WITH (FORCE)')


def client_credentials_token(base: str, app: dict | None = None, scope: str = "read write") -> str:
    """An app's client-credentials token, which may register accounts (POST /api/v1/accounts); an app is
    registered first when none is given."""
    if app is None:
        app = requests.post(
            f"{base}/api/v1/apps",
            json={
                "client_name": "Caravan tests",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write",
            },
            timeout=30,
        ).json()
    response = requests.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": scope,
        },
        timeout=30,
    )
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def app_credentials(server):
    from mastodon import Mastodon

    return Mastodon.create_app(
        "Caravan tests",
        api_base_url=server,
        scopes=["read", "write", "follow", "push"],
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        website="https://example.org/app",
    )


@pytest.fixture(scope="session")
def signup(server, app_credentials):
    """Register an account through the API (client-credentials token, then POST /api/v1/accounts)."""
    from mastodon import Mastodon

    client_id, client_secret = app_credentials

    def make(username: str):
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
        token = app.create_account(username, PASSWORD, f"{username}@example.org", agreement=True)
        return Mastodon(access_token=token, api_base_url=server, request_timeout=30)

    return make


@pytest.fixture(scope="session")
def people(signup):
    """Four people with their own Mastodon.py clients: alice, bob, carol, eve."""
    return {name: signup(name) for name in ("alice", "bob", "carol", "eve")}


def wait_until(check, timeout: float = 15.0, interval: float = 0.1):
    """Poll `check()` until it returns something truthy (the worker fans out in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


ALL_SCOPES = "read write follow push profile admin:read admin:write"


@pytest.fixture(scope="session")
def scoped_token(server, signup):
    """`scoped_token("read:statuses write:media")`: a user token with exactly those scopes, made the way apps
    get one (authorization code flow: the person signs in once, then approves each request). One user, cached
    per scope string. Returns the token; `scoped_token.username` names the user."""
    username = f"scopes{uuid.uuid4().hex[:8]}"
    signup(username)
    redirect = "https://app.example/callback"
    app = requests.post(
        f"{server}/api/v1/apps",
        json={"client_name": "Scopes", "redirect_uris": redirect, "scopes": ALL_SCOPES},
        timeout=10,
    ).json()
    session = requests.Session()
    made: dict[str, str] = {}

    def make(scopes: str) -> str:
        if scopes not in made:
            made[scopes] = token_by_authorization_code(
                server, app, username, scopes, redirect=redirect, session=session
            )
        return made[scopes]

    make.username = username
    return make


def token_by_authorization_code(
    base: str,
    app: dict,
    username: str,
    scopes: str,
    *,
    redirect: str,
    session: requests.Session | None = None,
) -> str:
    """A user token for exactly `scopes`, made the way apps get one: the authorization-code flow through the real
    pages (the person signs in when the session has not yet, then approves)."""
    import re
    from urllib.parse import parse_qs, urlencode, urlsplit

    session = session or requests.Session()

    def form(html: str) -> tuple[str, str]:
        main = html[html.index("<main") :]  # the page's own form, not the navigation's
        action = re.search(r'<form method="post" action="([^"]+)"', main).group(1).replace("&amp;", "&")
        return base + action, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": redirect,
        "scope": scopes,
    }
    page = session.get(f"{base}/oauth/authorize?{urlencode(query)}", timeout=10)
    if 'name="password"' in page.text:
        action, csrf = form(page.text)
        credentials = {
            "csrfmiddlewaretoken": csrf,
            "intent": "login",
            "username": username,
            "password": PASSWORD,
        }
        page = session.post(action, data=credentials, timeout=10)
    assert page.status_code == 200 and 'value="approve"' in page.text, page.text[:300]
    action, csrf = form(page.text)
    approved = session.post(
        action, data={"csrfmiddlewaretoken": csrf, "intent": "approve"}, allow_redirects=False, timeout=10
    )
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    response = requests.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["scope"].split()) == sorted(scopes.split())
    return response.json()["access_token"]
