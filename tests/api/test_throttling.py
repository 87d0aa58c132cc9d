"""Sign-ups through the client API (POST /api/v1/accounts) are limited per address, on a real `caravan serve`
behind a proxy: the address counted is the one the proxy forwards, not the proxy's own."""

import pytest
import requests

from .conftest import PASSWORD, client_credentials_token, running_server


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    env = {"CARAVAN_SIGN_UPS_PER_ADDRESS": "3", "CARAVAN_BEHIND_PROXY": "1"}
    with running_server(tmp_path_factory.mktemp("caravan-limited-server"), env) as base:
        yield base


def test_api_sign_ups_are_limited_per_forwarded_address(limited_server):
    token = client_credentials_token(limited_server)

    def sign_up(username: str, client_address: str) -> requests.Response:
        return requests.post(
            f"{limited_server}/api/v1/accounts",
            json={
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.org",
                "agreement": True,
            },
            # The test talks to the server from loopback, which it trusts as its proxy.
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": client_address},
            timeout=30,
        )

    for n in range(3):
        assert sign_up(f"wave{n}", "203.0.113.5").status_code == 200
    refused = sign_up("wave3", "203.0.113.5")
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Too many sign-ups from your network. Try again in")
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    # Nobody was created, and another client behind the same proxy is not affected.
    assert requests.get(f"{limited_server}/api/v1/accounts/lookup?acct=wave3", timeout=30).status_code == 404
    assert sign_up("elsewhere", "198.51.100.23").status_code == 200
