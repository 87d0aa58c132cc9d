"""Scheduled statuses through Mastodon.py against a real `caravan serve` (scheduling at least 2 seconds ahead instead
of 5 minutes) with two more `caravan worker` processes: scheduling returns a ScheduledStatus echoing its params,
list/get/update/cancel as Mastodon, 422s for a time too soon or a bad date, the post published with its media or
poll at its time by the workers, each once."""

import io
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonNotFoundError

from tests.api.conftest import PASSWORD, running_server, wait_until
from tests.domain.test_media import crafted

LIMITS_OFF = {
    "CARAVAN_SIGN_UPS_PER_ADDRESS": "0",
    "CARAVAN_SIGN_UPS_PER_NETWORK": "0",
    "CARAVAN_HOLD_SIGN_UPS_PER_NETWORK": "0",
    "CARAVAN_HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": "0",
    "CARAVAN_SCHEDULED_MIN_AHEAD": "2",
}


@pytest.fixture(scope="module")
def scheduling_server(tmp_path_factory):
    """A server and two more worker processes on its database."""
    env: dict[str, str] = {}
    with running_server(tmp_path_factory.mktemp("scheduled-api"), LIMITS_OFF, server_env=env) as base:
        caravan = Path(sys.executable).with_name("caravan")
        workers = [
            subprocess.Popen(
                [str(caravan), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(2)
        ]
        try:
            yield base
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()


@pytest.fixture(scope="module")
def person(scheduling_server):
    client_id, client_secret = Mastodon.create_app(
        "Scheduling tests", api_base_url=scheduling_server, scopes=["read", "write"]
    )

    def make() -> Mastodon:
        username = f"s{uuid.uuid4().hex[:8]}"
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=scheduling_server)
        token = app.create_account(
            username, PASSWORD, f"{username}@example.org", agreement=True, scopes=["read", "write"]
        )
        return Mastodon(access_token=token, api_base_url=scheduling_server, request_timeout=30)

    return make


def ahead(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def my_statuses(client: Mastodon) -> list[dict]:
    me = client.me()
    return client.account_statuses(me["id"], limit=40)


def test_schedule_list_get_move_and_publish_with_media(person):
    alice = person()
    media = alice.media_post(io.BytesIO(crafted("png")), mime_type="image/png", description="a red square")
    due = ahead(60)  # moved sooner below; far enough that a loaded machine never reaches it first
    scheduled = alice.status_post("with a picture, later", media_ids=[media["id"]], scheduled_at=due)
    assert isinstance(scheduled["id"], str)
    assert abs(scheduled["scheduled_at"].timestamp() - due.timestamp()) < 1
    assert scheduled["params"]["text"] == "with a picture, later"
    assert scheduled["params"]["media_ids"] == [str(media["id"])]
    assert scheduled["params"]["visibility"] == "public" and scheduled["params"]["poll"] is None
    assert [m["id"] for m in scheduled["media_attachments"]] == [media["id"]]
    assert [s["id"] for s in alice.scheduled_statuses()] == [scheduled["id"]]
    assert alice.scheduled_status(scheduled["id"])["params"]["text"] == "with a picture, later"
    # The upload is reserved: it cannot go on another post meanwhile.
    with pytest.raises(MastodonAPIError) as taken:
        alice.status_post("stealing the picture", media_ids=[media["id"]])
    assert taken.value.args[1] == 422
    moved_to = ahead(6)
    moved = alice.scheduled_status_update(scheduled["id"], moved_to)
    assert abs(moved["scheduled_at"].timestamp() - moved_to.timestamp()) < 1
    assert my_statuses(alice) == []
    posted = wait_until(lambda: my_statuses(alice), timeout=20)
    assert posted[0]["created_at"].timestamp() >= moved_to.timestamp() - 1
    assert posted[0]["created_at"].timestamp() <= moved_to.timestamp() + 5
    assert [m["id"] for m in posted[0]["media_attachments"]] == [media["id"]]
    assert alice.scheduled_statuses() == []
    with pytest.raises(MastodonNotFoundError):
        alice.scheduled_status(scheduled["id"])


def test_a_scheduled_poll_is_published_with_its_poll(person):
    alice = person()
    poll = alice.make_poll(["tea", "coffee"], expires_in=600)
    scheduled = alice.status_post("which one?", poll=poll, scheduled_at=ahead(5))
    assert scheduled["params"]["poll"]["options"] == ["tea", "coffee"]
    assert scheduled["params"]["poll"]["expires_in"] == 600
    posted = wait_until(lambda: my_statuses(alice), timeout=20)
    assert [o["title"] for o in posted[0]["poll"]["options"]] == ["tea", "coffee"]


def test_too_soon_a_bad_date_and_a_past_date(person, scheduling_server):
    alice = person()
    with pytest.raises(MastodonAPIError) as too_soon:
        alice.status_post("too soon", scheduled_at=ahead(1.5))
    assert too_soon.value.args[1] == 422
    assert "at least" in str(too_soon.value)
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    for bad in ("tomorrow", "2030-02-30T10:00:00Z", "\u202e2030-01-01T10:00:00Z", "9" * 10_000):
        answer = requests.post(
            f"{scheduling_server}/api/v1/statuses",
            json={"status": "bad date", "scheduled_at": bad},
            headers=headers,
            timeout=10,
        )
        assert answer.status_code == 422 and "error" in answer.json()
    # Apps that send `scheduled_at: null` (or empty) post now.
    for nothing in (None, ""):
        answer = requests.post(
            f"{scheduling_server}/api/v1/statuses",
            json={"status": f"now {nothing!r}", "scheduled_at": nothing},
            headers=headers,
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["uri"]
    # Mastodon publishes at once a post scheduled for a time already past.
    now = alice.status_post("in the past", scheduled_at=ahead(-60))
    assert now["content"] == "<p>in the past</p>" and now["uri"] and not now["params"]  # a Status
    scheduled = alice.status_post("to move", scheduled_at=ahead(3600))
    answer = requests.put(
        f"{scheduling_server}/api/v1/scheduled_statuses/{scheduled['id']}",
        json={"scheduled_at": "not a date"},
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 422 and "error" in answer.json()
    with pytest.raises(MastodonAPIError) as soon:
        alice.scheduled_status_update(scheduled["id"], ahead(0.5))
    assert soon.value.args[1] == 422
    alice.scheduled_status_delete(scheduled["id"])
    assert alice.scheduled_statuses() == []


def test_others_cannot_read_or_cancel_it_and_the_idempotency_key_holds(person, scheduling_server):
    alice, eve = person(), person()
    scheduled = alice.status_post("mine", scheduled_at=ahead(3600), idempotency_key="k1")
    again = alice.status_post("mine", scheduled_at=ahead(3600), idempotency_key="k1")
    assert again["id"] == scheduled["id"] and again["params"]["idempotency"] == "k1"
    assert eve.scheduled_statuses() == []
    with pytest.raises(MastodonNotFoundError):
        eve.scheduled_status(scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        eve.scheduled_status_delete(scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        eve.scheduled_status_update(scheduled["id"], ahead(7200))
    assert [s["id"] for s in alice.scheduled_statuses()] == [scheduled["id"]]


def test_the_list_is_paged_with_link_headers(person, scheduling_server):
    alice = person()
    ids = [alice.status_post(f"page {i}", scheduled_at=ahead(3600 + i))["id"] for i in range(5)]
    headers = {"Authorization": f"Bearer {alice.access_token}"}
    first = requests.get(
        f"{scheduling_server}/api/v1/scheduled_statuses?limit=2", headers=headers, timeout=10
    )
    assert [s["id"] for s in first.json()] == list(reversed(ids))[:2]
    next_url = first.links["next"]["url"]
    second = requests.get(next_url, headers=headers, timeout=10).json()
    assert [s["id"] for s in second] == list(reversed(ids))[2:4]


def test_several_workers_publish_each_post_once(person):
    alice = person()
    due = ahead(12)  # the eight requests must all arrive more than the minimum (2 s) ahead, even under load
    texts = [f"once {i}" for i in range(8)]
    for text in texts:
        alice.status_post(text, scheduled_at=due)
    wait_until(lambda: len(my_statuses(alice)) >= len(texts), timeout=45)
    time.sleep(1.5)  # any second copy would have been written by now
    published = [s["content"] for s in my_statuses(alice)]
    assert sorted(published) == sorted(f"<p>{text}</p>" for text in texts)
    assert alice.scheduled_statuses() == []
