"""Two `caravan serve` processes on one SQLite database: a change made through one is never served stale by the
other, though each keeps rendered statuses, tokens and users for seconds (`caravan.invalidation`).

PostgreSQL with Redis is proven by tests/federation/test_many_processes.py (several web and worker processes)."""

import os

import pytest
import requests
from mastodon import Mastodon

from tests.api.conftest import LIMITS_OFF, PASSWORD, running_server, wait_until

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="two processes on one SQLite file; PostgreSQL: test_many_processes",
)


def _home(base: str, token: str) -> list[dict]:
    response = requests.get(
        f"{base}/api/v1/timelines/home", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_change_through_one_process_shows_at_once_in_the_other(tmp_path):
    with running_server(tmp_path, LIMITS_OFF) as first:  # noqa: SIM117 - the second needs the first's URL
        # The second process serves the same server (its base URL, its database) on another port.
        with running_server(tmp_path, {**LIMITS_OFF, "CARAVAN_BASE_URL": first}) as second:
            assert first != second
            app = Mastodon.create_app("Caches", api_base_url=first, redirect_uris="urn:ietf:wg:oauth:2.0:oob")
            registrar = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=first)
            tokens = {
                name: registrar.create_account(name, PASSWORD, f"{name}@example.org", agreement=True)
                for name in ("alice", "bob")
            }
            alice = Mastodon(access_token=tokens["alice"], api_base_url=first)
            bob = Mastodon(access_token=tokens["bob"], api_base_url=first)
            bob.account_follow(alice.me()["id"])
            post = alice.status_post("First words")

            # The second process reads bob's home (and keeps the status, bob's token and bob's user).
            def shown():
                found = [s for s in _home(second, tokens["bob"]) if s["id"] == str(post["id"])]
                return found[0] if found else None

            assert wait_until(shown)["content"] == "<p>First words</p>"
            assert shown()["content"] == "<p>First words</p>"  # served from its cache now

            alice.status_update(post["id"], "Second words")
            assert shown()["content"] == "<p>Second words</p>"
            bob.status_favourite(post["id"])
            assert shown()["favourites_count"] == 1
            alice.account_update_credentials(display_name="Alice Anew")
            assert shown()["account"]["display_name"] == "Alice Anew"
            alice.status_delete(post["id"])
            assert shown() is None

            # A revoked token stops working in the other process at once.
            assert _home(second, tokens["alice"]) == []
            revoked = requests.post(
                f"{first}/oauth/revoke",
                data={"client_id": app[0], "client_secret": app[1], "token": tokens["alice"]},
                timeout=30,
            )
            assert revoked.status_code == 200
            answer = requests.get(
                f"{second}/api/v1/timelines/home",
                headers={"Authorization": f"Bearer {tokens['alice']}"},
                timeout=30,
            )
            assert answer.status_code == 401
