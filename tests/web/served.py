"""The web pages as production serves them: one real `caravan serve` (uvicorn's ASGI app, the embedded worker)
shared by the browser tests of a session, with a real SMTP server process beside it for the mail it sends.
People are made through the client API, and Chromium pages sign in through the real form.

Use the fixtures from `tests/web/conftest.py`: `site` (a `Site`) and `chromium` (one headless browser). Each test
makes people with names of its own (`site.person(unique("omar"))`), so tests never see each other's data.
"""

from __future__ import annotations

import mailbox
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import decode_header, make_header
from pathlib import Path

import requests

from tests.api.conftest import LIMITS_OFF, PASSWORD, client_credentials_token, running_server, wait_until

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Every page's browser test runs in both languages at both sizes: pytest.mark.parametrize("locale,viewport", LOOKS).
LOOKS = [("en", DESKTOP), ("ar", DESKTOP), ("en", PHONE), ("ar", PHONE)]
LOOK_IDS = ["en-desktop", "ar-desktop", "en-phone", "ar-phone"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def launched_chromium():
    """Debian's headless Chromium under Playwright's sync API, for as long as the block runs."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls a test makes in between are still
    # plain synchronous calls, so Django's async-safety guard must not refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def unique(name: str) -> str:
    """A username no other test of the session uses (usernames: letters, digits, underscore; at most 30)."""
    return f"{name[:20]}_{uuid.uuid4().hex[:6]}"


@dataclass
class Person:
    """Someone with an account on the site: `api` is their Mastodon.py client (scopes read write follow push)."""

    username: str
    token: str
    api: object
    email: str

    @property
    def password(self) -> str:
        return PASSWORD


class Site:
    """A running Caravan: its base URL, the environment its processes share, and ways to make people."""

    def __init__(self, base: str, env: dict[str, str], mail_folder: Path):
        self.base = base
        self.env = env
        self.mail_folder = mail_folder
        self._app_token: str | None = None

    def person(self, username: str, *, email: str = "", locale: str = "") -> Person:
        """Sign up through POST /api/v1/accounts (as an app does); the account is active at once."""
        from mastodon import Mastodon

        if self._app_token is None:
            scopes = "read write follow push"
            app = requests.post(
                f"{self.base}/api/v1/apps",
                json={
                    "client_name": "Web tests",
                    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "scopes": scopes,
                },
                timeout=30,
            ).json()
            self._app_token = client_credentials_token(self.base, app, scope=scopes)
        email = email or f"{username}@example.org"
        body = {"username": username, "password": PASSWORD, "email": email, "agreement": True}
        if locale:
            body["locale"] = locale
        answer = requests.post(
            f"{self.base}/api/v1/accounts",
            json=body,
            headers={"Authorization": f"Bearer {self._app_token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        return Person(
            username, token, Mastodon(access_token=token, api_base_url=self.base, request_timeout=30), email
        )

    def admin(self, username: str) -> Person:
        person = self.person(username)
        self.caravan("role", username, "admin")
        return person

    def caravan(self, *args: str) -> str:
        """Run a `caravan` command against this site's data (as its operator would); returns its output."""
        caravan = Path(sys.executable).with_name("caravan")
        done = subprocess.run(
            [str(caravan), *args], env=self.env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def page(
        self, browser, person: Person | None = None, *, locale: str = "en", viewport=None, javascript=True
    ):
        """A new Chromium page (its own context: cookies, language, size), signed in as `person` through the
        sign-in form when one is given. The interface language follows `locale` (Accept-Language)."""
        context = browser.new_context(
            locale=locale,
            extra_http_headers={"Accept-Language": locale},
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        if person is not None:
            page.goto(f"{self.base}/auth/sign_in")
            page.fill("input[name=username]", person.username)
            page.fill("input[name=password]", person.password)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            assert "/auth/sign_in" not in page.url, page.content()
        return page

    def mail(self) -> list:
        """Every message the SMTP server received so far."""
        return list(mailbox.Maildir(self.mail_folder, create=True))

    def mail_to(self, address: str, timeout: float = 20.0) -> list:
        """The messages sent to `address`, waiting until at least one arrived."""
        return wait_until(lambda: [m for m in self.mail() if address in str(m["To"])], timeout=timeout)


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode(message.get_content_charset() or "utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(folder: Path):
    """A real SMTP server process (aiosmtpd) on loopback writing what it receives into a Maildir; yields its
    port."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("aiosmtpd did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def running_site(data_dir: Path, extra_env: dict[str, str] | None = None):
    """A `caravan serve` with email going to a real SMTP server; yields a `Site`."""
    mail_folder = data_dir / "mail"
    with smtp_server(mail_folder) as port:
        env: dict[str, str] = {}
        settings = {
            **LIMITS_OFF,
            "CARAVAN_SMTP_HOST": "127.0.0.1",
            "CARAVAN_SMTP_PORT": str(port),
            "CARAVAN_SMTP_TLS": "off",
            "CARAVAN_EMAIL_FROM": "caravan@example.org",
            # Posts in these tests may hold links to made-up sites: never fetch them (tests stay on loopback).
            "CARAVAN_PREVIEW_CARDS": "0",
            **(extra_env or {}),
        }
        with running_server(data_dir, settings, server_env=env) as base:
            yield Site(base, env, mail_folder)
