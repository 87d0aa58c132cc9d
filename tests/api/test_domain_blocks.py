"""Domain policies through the client API of a real `caravan serve`: the public DomainBlock list, and the admin
CRUD for staff tokens only (a person's token with the admin scopes still gets 403)."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.conftest import PASSWORD, client_credentials_token, running_server, token_by_authorization_code

REDIRECT = "https://app.example/callback"
ADMIN_SCOPES = "read admin:read:domain_blocks admin:write:domain_blocks"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("caravan-domain-blocks")
    env: dict = {}  # the server's own environment: createadmin writes to the same database (SQLite or PostgreSQL)
    with running_server(data_dir, {"CARAVAN_SIGN_UPS_PER_ADDRESS": "0"}, server_env=env) as base:
        caravan = str(Path(sys.executable).with_name("caravan"))
        subprocess.run([caravan, "createadmin", "boss", "--password", PASSWORD], env=env, check=True)
        app = requests.post(
            f"{base}/api/v1/apps",
            json={
                "client_name": "Admin",
                "redirect_uris": REDIRECT,
                "scopes": "read write admin:read admin:write",
            },
            timeout=10,
        ).json()
        requests.post(
            f"{base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {client_credentials_token(base, app, 'write')}"},
            json={"username": "person", "password": PASSWORD, "email": "p@example.org", "agreement": True},
            timeout=10,
        ).raise_for_status()
        yield base, app


def _token(base: str, app: dict, username: str, scopes: str) -> str:
    return token_by_authorization_code(base, app, username, scopes, redirect=REDIRECT)


def test_admin_crud_and_the_public_list(site):
    base, app = site
    auth = {"Authorization": f"Bearer {_token(base, app, 'boss', ADMIN_SCOPES)}"}
    url = f"{base}/api/v1/admin/domain_blocks"
    created = requests.post(
        url,
        headers=auth,
        json={
            "domain": "Spam.Example",
            "severity": "suspend",
            "public_comment": "spam waves",
            "private_comment": "see ticket 4",
        },
        timeout=10,
    )
    assert created.status_code == 200, created.text
    block = created.json()
    assert block["domain"] == "spam.example" and block["severity"] == "suspend"
    assert block["public_comment"] == "spam waves" and block["private_comment"] == "see ticket 4"
    assert block["digest"] == hashlib.sha256(b"spam.example").hexdigest() and not block["reject_media"]
    again = requests.post(
        url, headers=auth, json={"domain": "spam.example", "severity": "silence"}, timeout=10
    )
    assert again.status_code == 422 and "already" in again.json()["error"]
    bad = requests.post(url, headers=auth, json={"domain": "not a domain"}, timeout=10)
    assert bad.status_code == 422
    quiet = requests.post(
        url,
        headers=auth,
        data={"domain": "quiet.example", "severity": "noop", "reject_reports": "true"},
        timeout=10,
    ).json()

    listed = requests.get(url, headers=auth, timeout=10)
    assert [b["domain"] for b in listed.json()] == ["quiet.example", "spam.example"]
    assert requests.get(f"{url}/{block['id']}", headers=auth, timeout=10).json() == block

    updated = requests.put(
        f"{url}/{block['id']}", headers=auth, json={"severity": "silence", "reject_media": True}, timeout=10
    ).json()
    assert updated["severity"] == "silence" and updated["reject_media"]
    assert updated["public_comment"] == "spam waves"  # unchanged fields stay

    public = requests.get(f"{base}/api/v1/instance/domain_blocks", timeout=10)
    assert public.status_code == 200
    assert public.json() == [
        {
            "domain": "spam.example",
            "digest": hashlib.sha256(b"spam.example").hexdigest(),
            "severity": "silence",
            "comment": "spam waves",
        }
    ]  # reject_reports alone is not published; private comments never are

    assert requests.delete(f"{url}/{quiet['id']}", headers=auth, timeout=10).json() == {}
    assert requests.get(f"{url}/{quiet['id']}", headers=auth, timeout=10).status_code == 404
    assert [b["domain"] for b in requests.get(url, headers=auth, timeout=10).json()] == ["spam.example"]


def test_people_without_the_role_get_403_even_with_the_scopes(site):
    base, app = site
    person = {"Authorization": f"Bearer {_token(base, app, 'person', 'read admin:read admin:write')}"}
    url = f"{base}/api/v1/admin/domain_blocks"
    for method, path in (
        ("GET", url),
        ("POST", url),
        ("GET", f"{url}/1"),
        ("PUT", f"{url}/1"),
        ("DELETE", f"{url}/1"),
    ):
        response = requests.request(method, path, headers=person, json={"domain": "x.example"}, timeout=10)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {"error": "Only moderators may do this."}
    boss_read_only = {"Authorization": f"Bearer {_token(base, app, 'boss', 'read')}"}
    response = requests.get(url, headers=boss_read_only, timeout=10)
    assert response.status_code == 403 and "scopes" in response.json()["error"]
    response = requests.post(
        url,
        headers={"Authorization": f"Bearer {_token(base, app, 'boss', 'admin:read')}"},
        json={},
        timeout=10,
    )
    assert response.status_code == 403 and "scopes" in response.json()["error"]
