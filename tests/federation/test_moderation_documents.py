"""Moderation seen from other servers: a suspended local account is still an actor, saying `suspended: true`
with no profile, and its collections and posts are not served (404); a deleted one is gone (410). A forwarded report
becomes a Flag from the instance actor; a suspension and its lifting go out as Updates of the actor."""

import orjson
import pytest
from django.conf import settings

from caravan import leaving
from caravan.accounts.services import set_role
from caravan.federation.actors import instance_actor_uri
from caravan.federation.models import OutgoingActivity
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation
from caravan.profiles import update_profile
from caravan.publishing import create_post

AP = "application/activity+json"


@pytest.fixture
def moderator(make_user):
    return set_role(make_user("mod"), "moderator")


def _suspend(moderator, account):
    rule = add_rule("No spam")
    return moderation.take_action(moderator, account, "suspend", rule_ids=[rule.id], reason="Spam.")


def test_a_suspended_account_is_an_actor_without_profile_and_its_posts_are_refused(
    client, make_account, moderator
):
    mallory = make_account("mallory")
    update_profile(mallory, display_name="Mallory M", note="Buy my pills")
    post = create_post(mallory, "hello", visibility="public")
    _suspend(moderator, mallory)

    response = client.get("/users/mallory", HTTP_ACCEPT=AP)
    assert response.status_code == 200
    actor = orjson.loads(response.content)
    assert actor["suspended"] is True and actor["id"] == mallory.uri
    assert actor["name"] == "mallory" and actor["summary"] == "" and actor["attachment"] == []
    assert "icon" not in actor and "Mallory M" not in response.content.decode()
    assert "Buy my pills" not in response.content.decode()
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY")
    assert {"suspended": "toot:suspended"}.items() <= actor["@context"][2].items()

    webfinger = client.get(f"/.well-known/webfinger?resource=acct:mallory@{settings.DOMAIN}")
    assert webfinger.status_code == 200  # still resolvable, so others can learn of the suspension
    for path in (
        "/users/mallory/outbox",
        "/users/mallory/outbox?page=1",
        "/users/mallory/followers",
        "/users/mallory/following",
        "/users/mallory/collections/featured",
        f"/users/mallory/statuses/{post.id}",
        f"/users/mallory/statuses/{post.id}/activity",
    ):
        assert client.get(path, HTTP_ACCEPT=AP).status_code == 404, path


def test_a_deleted_account_stays_gone(client, make_user):
    user = make_user("leaver")
    post = create_post(user.account, "bye", visibility="public")
    leaving.delete_account(user, "correct horse battery")
    assert client.get("/users/leaver", HTTP_ACCEPT=AP).status_code == 410
    assert client.get(f"/.well-known/webfinger?resource=acct:leaver@{settings.DOMAIN}").status_code == 410
    assert client.get("/users/leaver/outbox", HTTP_ACCEPT=AP).status_code == 404
    assert client.get(f"/users/leaver/statuses/{post.id}", HTTP_ACCEPT=AP).status_code == 404


def test_lifting_the_suspension_serves_the_profile_again(client, make_account, moderator):
    mallory = make_account("mallory")
    update_profile(mallory, display_name="Mallory M")
    action = _suspend(moderator, mallory)
    moderation.lift_action(moderator, action, "Appeal granted.")
    actor = orjson.loads(client.get("/users/mallory", HTTP_ACCEPT=AP).content)
    assert "suspended" not in actor and actor["name"] == "Mallory M"
    assert client.get("/users/mallory/outbox", HTTP_ACCEPT=AP).status_code == 200


def test_a_forwarded_report_is_a_flag_from_the_instance_actor(make_account, make_remote):
    alice = make_account("alice")
    bob = make_remote("bob")
    moderation.create_report(alice, bob.account, comment="spam", forward=False)
    assert not OutgoingActivity.objects.filter(type="Flag").exists()

    report = moderation.create_report(alice, bob.account, comment="spam again", forward=True)
    outgoing = OutgoingActivity.objects.get(type="Flag")
    flag = orjson.loads(bytes(outgoing.body))
    assert outgoing.actor is None  # signed with the instance actor's key
    assert flag["actor"] == instance_actor_uri() and alice.uri not in bytes(outgoing.body).decode()
    assert flag["object"] == [bob.account.uri] and flag["content"] == "spam again"
    assert flag["id"].endswith(f"#reports/{report.id}")
    assert list(outgoing.deliveries.values_list("inbox_url", flat=True)) == [bob.account.inbox_url]


def test_a_report_about_a_local_account_is_never_sent(make_account):
    alice, mallory = make_account("alice"), make_account("mallory")
    moderation.create_report(alice, mallory, comment="spam", forward=True)
    assert not OutgoingActivity.objects.exists()


def test_a_suspension_and_its_lifting_are_updates_of_the_actor(make_account, make_remote, moderator):
    from caravan import relationships

    mallory = make_account("mallory")
    bob = make_remote("bob")
    relationships.follow(bob.account, mallory)
    action = _suspend(moderator, mallory)
    moderation.lift_action(moderator, action, "Appeal granted.")
    updates = [
        orjson.loads(bytes(o.body)) for o in OutgoingActivity.objects.filter(type="Update").order_by("id")
    ]
    suspensions = [u for u in updates if "#suspensions/" in u["id"]]
    assert [u["object"].get("suspended", False) for u in suspensions] == [True, False]
    assert len({u["id"] for u in suspensions}) == 2
