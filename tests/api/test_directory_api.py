"""The X-id directory through the client API of a real `caravan serve`: one's own listing read and changed,
the matches an import found listed (directory ones marked) and followed in one call, withdrawal, and the
conventions (string ids, Link pagination, `{"error": ...}`, scopes)."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.conftest import client_credentials_token, running_server, token_by_authorization_code
from tests.directory.test_directory import x_archive

REDIRECT = "https://app.example/callback"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("caravan-directory-api")
    env: dict = {}
    with running_server(data_dir, {"CARAVAN_SIGN_UPS_PER_ADDRESS": "0"}, server_env=env) as base:
        app = requests.post(
            f"{base}/api/v1/apps",
            json={"client_name": "Directory", "redirect_uris": REDIRECT, "scopes": "read write"},
            timeout=10,
        ).json()
        signup = {"Authorization": f"Bearer {client_credentials_token(base, app, 'write')}"}
        for username in ("jane", "mover"):
            requests.post(
                f"{base}/api/v1/accounts",
                headers=signup,
                json={
                    "username": username,
                    "password": "correct horse battery",
                    "email": f"{username}@example.org",
                    "agreement": True,
                },
                timeout=10,
            ).raise_for_status()
        caravan = str(Path(sys.executable).with_name("caravan"))
        folder = tmp_path_factory.mktemp("archives")

        def import_x(username: str, x_id: str, following: list[str]) -> None:
            path = x_archive(folder, x_id, f"{username}x", following, f"{username}-{len(following)}.zip")
            subprocess.run(
                [caravan, "import", "x-archive", str(path), "--user", username], env=env, check=True
            )

        import_x("jane", "1001", [])

        def auth(username: str, scopes: str = "read write") -> dict:
            token = token_by_authorization_code(base, app, username, scopes, redirect=REDIRECT)
            return {"Authorization": f"Bearer {token}"}

        yield base, auth, import_x


def test_listing_matching_following_and_withdrawing_through_the_api(site):
    base, auth, import_x = site
    jane, mover = auth("jane"), auth("mover")
    url = f"{base}/api/v1/caravan/directory"
    own = requests.get(url, headers=jane, timeout=10).json()
    assert own == {
        "claimed": True,
        "x_id": "1001",
        "x_handle": "janex",
        "listed": False,
        "disputed": False,
        "show_on_profile": False,
        "servers_told": 0,
    }
    listed = requests.patch(url, headers=jane, json={"listed": True, "show_on_profile": True}, timeout=10)
    assert listed.status_code == 200 and listed.json()["listed"] and listed.json()["show_on_profile"]
    profile = requests.get(f"{base}/@jane", timeout=10).text
    assert "janex" in profile

    import_x("mover", "2002", ["1001", "77", "1001"])
    answer = requests.get(f"{url}/matches", headers=mover, params={"limit": 1}, timeout=10)
    matches = answer.json()
    assert [(m["source"], m["account"]["acct"], m["old_handle"], m["followed"]) for m in matches] == [
        ("directory", "jane", "@janex", False)
    ]
    assert isinstance(matches[0]["id"], str) and "Link" in answer.headers
    followed = requests.post(f"{url}/matches/follow", headers=mover, json={}, timeout=10)
    assert followed.json() == {"followed": 1}
    assert requests.get(f"{url}/matches", headers=mover, timeout=10).json()[0]["followed"] is True

    answer = requests.delete(url, headers=jane, timeout=10)
    assert answer.status_code == 200 and answer.json()["listed"] is False
    assert requests.get(f"{url}/matches", headers=mover, timeout=10).json() == []
    relationship = requests.get(
        f"{base}/api/v1/accounts/relationships",
        headers=mover,
        params={"id[]": matches[0]["account"]["id"]},
        timeout=10,
    ).json()
    assert relationship[0]["following"] is True  # the follow made stays


def test_the_directory_api_refuses_without_a_token_or_scope(site):
    base, auth, _ = site
    url = f"{base}/api/v1/caravan/directory"
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 401 and "error" in answer.json()
    read_only = auth("mover", "read")
    answer = requests.patch(url, headers=read_only, json={"listed": True}, timeout=10)
    assert answer.status_code == 403 and "error" in answer.json()
    answer = requests.post(f"{url}/matches/follow", headers=auth("mover"), json={"id": ["x"]}, timeout=10)
    assert answer.status_code == 422 and "error" in answer.json()
