"""The person is told through the client API too: a `moderation_warning` notification carrying Mastodon's
AccountWarning entity (the action in Mastodon's words, the reason, the posts), never naming the moderator."""

import orjson
from django.test import Client
from oauth2_provider.models import Application

from caravan.accounts.services import set_role
from caravan.api.oauth import issue_token
from caravan.instance.services import add_rule
from caravan.moderation.services import take_action
from caravan.publishing import create_post


def test_the_notification_carries_the_account_warning(make_user):
    moderator, person = set_role(make_user("mod"), "moderator"), make_user("mallory")
    rule = add_rule("No spam")
    post = create_post(person.account, "buy now")
    action = take_action(
        moderator, person.account, "delete_posts", rule_ids=[rule.id], reason="Spam.", post_ids=[post.id]
    )
    take_action(moderator, person.account, "limit", rule_ids=[rule.id], reason="Still spamming.")
    app = Application.objects.create(
        name="t",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    token = issue_token(person, app.id, "read").token
    response = Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    items = orjson.loads(response.content)
    assert [n["type"] for n in items] == ["moderation_warning", "moderation_warning"]
    limited, deleted = items
    assert limited["moderation_warning"]["action"] == "silence"
    assert limited["moderation_warning"]["text"] == "Still spamming."
    assert limited["account"]["limited"] is True  # the account entity says so too, as on Mastodon
    warning = deleted["moderation_warning"]
    assert warning == {
        "id": str(action.id),
        "action": "delete_statuses",
        "text": "Spam.",
        "status_ids": [str(post.id)],
        "target_account": deleted["account"],
        "appeal": None,
        "created_at": warning["created_at"],
    }
    assert deleted["account"]["id"] == str(person.account.id)  # the person, not the moderator
    assert str(moderator.account.id) not in response.content.decode()
    only = Client().get(
        "/api/v1/notifications?types[]=moderation_warning", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert len(orjson.loads(only.content)) == 2


def test_a_suspended_accounts_token_stops_working(make_user):
    moderator, person = set_role(make_user("mod"), "moderator"), make_user("mallory")
    app = Application.objects.create(
        name="t",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(person, app.id, 'read write').token}"}
    assert Client().get("/api/v1/accounts/verify_credentials", **auth).status_code == 200
    take_action(moderator, person.account, "suspend", rule_ids=[add_rule("No spam").id], reason="Spam.")
    for response in (
        Client().get("/api/v1/accounts/verify_credentials", **auth),
        Client().get("/api/v1/timelines/public", **auth),
        Client().post("/api/v1/statuses", {"status": "still here"}, **auth),
    ):
        assert response.status_code == 403
        assert orjson.loads(response.content)["error"] == "This account has been suspended."
