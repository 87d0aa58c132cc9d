"""Through the client API an appeal shows as Mastodon shows it: the AccountWarning's `appeal` (text and state).
News of an appeal is a notification type Mastodon does not have, so the API leaves it out: clients never meet a
type they cannot render."""

import orjson
from django.test import Client
from oauth2_provider.models import Application

from caravan.accounts.services import set_role
from caravan.api.oauth import issue_token
from caravan.instance.services import add_rule
from caravan.moderation import appeals
from caravan.moderation.services import take_action
from caravan.notifications.models import Notification


def test_the_account_warning_carries_the_appeal_and_appeal_news_stay_out(make_user):
    acting, other = set_role(make_user("mod"), "moderator"), set_role(make_user("mod2"), "moderator")
    person = make_user("mallory")
    action = take_action(acting, person.account, "limit", rule_ids=[add_rule("No spam").id], reason="Spam.")
    appeal = appeals.create_appeal(person, action, "It was not spam.")
    appeals.add_appeal_message(acting, appeal, "Which links?")
    appeals.decide_appeal(other, appeal, "reject", "All of them.")
    assert Notification.objects.filter(recipient=person.account, type="moderation_appeal").count() == 2
    app = Application.objects.create(
        name="t",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(person, app.id, 'read').token}"}
    items = orjson.loads(Client().get("/api/v1/notifications", **auth).content)
    assert [n["type"] for n in items] == ["moderation_warning"]
    assert items[0]["moderation_warning"]["appeal"] == {"text": "It was not spam.", "state": "rejected"}
    groups = orjson.loads(Client().get("/api/v2/notifications", **auth).content)
    assert {g["type"] for g in groups["notification_groups"]} == {"moderation_warning"}
