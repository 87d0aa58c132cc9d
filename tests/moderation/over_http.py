"""Signing up, signing in and filling moderators' forms on a real `caravan serve` behind a proxy (loopback is
trusted as the proxy, so X-Forwarded-For says which address each person comes from)."""

import re

import requests

from tests.api.conftest import PASSWORD

BEHIND_PROXY = {"CARAVAN_BEHIND_PROXY": "1"}


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def web_sign_up(base: str, username: str, address: str, email: str = "") -> requests.Response:
    """The sign-up form, as a browser fills it, from `address`; the answer is not followed."""
    session = requests.Session()
    page = session.get(f"{base}/auth/sign_up", headers={"X-Forwarded-For": address}, timeout=30)
    return session.post(
        f"{base}/auth/sign_up",
        data={
            "csrfmiddlewaretoken": csrf(page.text),
            "username": username,
            "password": PASSWORD,
            "email": email or f"{username}@example.org",
            "agreement": "on",
        },
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
        timeout=30,
    )


def web_sign_in(base: str, username: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    page = session.get(f"{base}/auth/sign_in", timeout=30)
    answer = session.post(
        f"{base}/auth/sign_in",
        data={"csrfmiddlewaretoken": csrf(page.text), "username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    return session, answer


def api_sign_up(base: str, token: str, username: str, address: str, email: str = "") -> requests.Response:
    return requests.post(
        f"{base}/api/v1/accounts",
        json={
            "username": username,
            "password": PASSWORD,
            "email": email or f"{username}@example.org",
            "agreement": True,
        },
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": address},
        timeout=30,
    )
