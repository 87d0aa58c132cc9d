"""The X-id directory across three real servers: a person on A lists their old X id; people on B and C who
followed that X account import their archives and find them; A answers only signed, bounded lookups; and when
the person withdraws, the matches go on B and C too (the follow already made stays)."""

import urllib.error
import urllib.request

import orjson
import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


@pytest.fixture(scope="module")
def fed():
    with Federation(3) as federation:
        a, b, c = federation.servers
        # B and C federate with A (their people follow and are followed by A's): A is asked at import.
        mutual_follow(a, "alice", b, "bob")
        mutual_follow(a, "anna", c, "cara")
        yield federation


def _post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback test servers
        url, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"{}")


def test_a_match_across_servers_and_a_withdrawal_that_removes_it_everywhere(fed):
    a, b, c = fed.servers
    a.call("create_user", username="jane")
    a.call("x_import", username="jane", x_id="1001", x_handle="janex")
    b.call("create_user", username="mover")
    c.call("create_user", username="other")

    # Not listed yet: B finds nobody (and A was asked).
    b.call("x_import", username="mover", x_id="2002", x_handle="moverx", following=["1001", "3003"])
    assert b.call("candidates", username="mover") == []

    assert a.call("directory_choose", username="jane", listed=True)["listed"]
    for server, username in ((b, "mover"), (c, "other")):
        report = server.call(
            "x_import", username=username, x_id="2002", x_handle="moverx", following=["1001", "3003"]
        )
        assert "directory_matches_found" in report["report"]
        found = server.call("candidates", username=username)
        assert [(m["target"], m["directory"]) for m in found] == [(a.uri("jane"), True)]
    assert b.call("follow_candidates", username="mover") == 1
    wait_until(lambda: a.uri("jane") in b.call("following_uris", username="mover"), what="the follow")
    assert a.call("directory_choose", username="jane")["servers_told"] == 2

    a.call("directory_choose", username="jane", listed=False)
    wait_until(lambda: b.call("candidates", username="mover") == [], what="the match gone on B")
    wait_until(lambda: c.call("candidates", username="other") == [], what="the match gone on C")
    assert a.uri("jane") in b.call("following_uris", username="mover")  # the follow made stays


def test_the_lookup_answers_only_signed_bounded_requests(fed):
    a, _, _ = fed.servers
    url = f"{a.base_url}/directory/lookup"
    status, body = _post(url, orjson.dumps({"ids": ["1001"]}))
    assert status == 401 and "error" in body
    status, body = _post(url, b"x" * (70 * 1024))
    assert status == 413
    info = orjson.loads(urllib.request.urlopen(f"{a.base_url}/nodeinfo/2.1", timeout=5).read())  # noqa: S310
    assert info["metadata"]["caravanDirectory"] == url


def test_deleting_a_listed_account_removes_its_matches_on_other_servers(fed):
    a, b, _ = fed.servers
    a.call("create_user", username="leaver")
    a.call("x_import", username="leaver", x_id="4004", x_handle="leaverx")
    a.call("directory_choose", username="leaver", listed=True)
    b.call("create_user", username="finder")
    b.call("x_import", username="finder", x_id="5005", x_handle="finderx", following=["4004"])
    assert [m["target"] for m in b.call("candidates", username="finder")] == [a.uri("leaver")]

    a.call("delete_account", username="leaver")
    wait_until(lambda: b.call("candidates", username="finder") == [], what="the match gone on B")
