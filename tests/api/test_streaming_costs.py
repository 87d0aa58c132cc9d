"""Streaming costs nothing on the posting path when nobody listens, and listeners render as themselves."""

import asyncio

import orjson
import pytest

from caravan import publishing, relationships
from caravan.api.streaming import hubs, rendering
from caravan.api.streaming import publishing as stream_publishing


class _Inbox:
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.messages: list = []

    def deliver(self, message) -> None:
        self.messages.append(message)


@pytest.fixture(autouse=True)
def _one_box_hub(monkeypatch):
    """These are the one-box (in-process hub) guarantees; with Redis configured every event is published as a
    reference instead, which tests/api/test_streaming.py covers when CI runs with CARAVAN_REDIS_URL."""
    monkeypatch.setattr(hubs, "_hub", hubs.LocalHub())


def _streaming_callbacks(callbacks) -> list:
    return [c for c in callbacks if getattr(c, "__module__", "") == stream_publishing.__name__]


def test_new_post_registers_no_streaming_work_when_nobody_listens(
    make_account, django_capture_on_commit_callbacks
):
    alice = make_account("alice")
    with django_capture_on_commit_callbacks() as callbacks:
        publishing.create_post(alice, "nobody is listening #quiet")
    assert _streaming_callbacks(callbacks) == []


def test_listener_gets_a_reference_and_renders_it_as_its_own_account(
    make_account, django_capture_on_commit_callbacks
):
    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    relationships.block(bob, mallory)
    hub, inbox = hubs.hub(), _Inbox()
    asyncio.run(hub.add(inbox, "public:local"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post = publishing.create_post(alice, "hello listeners")
            hidden = publishing.create_post(mallory, "blocked by bob")
        assert [m[2] for m in inbox.messages] == [
            ["status", post.id, "public"],
            ["status", hidden.id, "public"],
        ]
        publishing.favourite(bob, post)
        frames = rendering.render_messages(bob.id, inbox.messages)
    finally:
        asyncio.run(hub.remove(inbox, "public:local"))
    assert [(stream, event) for stream, event, _ in frames] == [("public:local", "update")]
    status = orjson.loads(frames[0][2])
    assert status["id"] == str(post.id) and status["favourited"] is True


def test_a_limited_accounts_posts_stay_off_the_public_streams(make_user, django_capture_on_commit_callbacks):
    from caravan.accounts.services import set_role
    from caravan.instance.services import add_rule
    from caravan.moderation.services import take_action

    moderator, mallory = set_role(make_user("mod"), "moderator"), make_user("mallory").account
    take_action(moderator, mallory, "limit", rule_ids=[add_rule("No spam").id], reason="Spam.")
    hub, inbox = hubs.hub(), _Inbox()
    asyncio.run(hub.add(inbox, "public:local"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publishing.create_post(mallory, "buy now #deals")
            fine = publishing.create_post(moderator.account, "all good")
        assert [m[2] for m in inbox.messages] == [["status", fine.id, "public"]]
    finally:
        asyncio.run(hub.remove(inbox, "public:local"))
