"""The admin's pages: approving sign-ups, invites, rules and the registration mode, for staff only."""

import pytest
from django.test import Client

from caravan.accounts.models import User
from caravan.instance.models import Invite, Rule
from caravan.instance.services import get_instance_settings
from caravan.notifications.models import Notification
from caravan.signup import create_admin

PASSWORD = "correct horse battery"  # noqa: S105 - a test account


@pytest.fixture
def admin_client(db):
    create_admin("boss", PASSWORD)
    client = Client()
    assert client.post("/auth/sign_in", {"username": "boss", "password": PASSWORD}).status_code == 302
    return client


def sign_up(client, username, **extra):
    return client.post(
        "/auth/sign_up",
        {"username": username, "password": PASSWORD, "agreement": "on", **extra},
    )


def test_approval_flow_from_sign_up_to_first_sign_in(admin_client):
    admin_client.post("/admin/settings", {"title": "Oasis", "registration_mode": "approval"})
    assert get_instance_settings().registration_mode == "approval"
    visitor = Client()
    sign_up(visitor, "newcomer", reason="Friends are here")
    user = User.objects.get(username="newcomer")
    assert not user.approved
    assert Notification.objects.filter(type="admin.sign_up", recipient__username="boss").exists()
    page = admin_client.get("/admin").content.decode()
    assert "newcomer" in page and "Friends are here" in page
    signed_in = visitor.post("/auth/sign_in", {"username": "newcomer", "password": PASSWORD})
    assert signed_in.status_code != 302 or "/home" not in signed_in.get("Location", "")
    admin_client.post("/admin/approve", {"user_id": user.pk})
    assert User.objects.get(pk=user.pk).approved
    assert visitor.post("/auth/sign_in", {"username": "newcomer", "password": PASSWORD}).status_code == 302


def test_rejected_sign_up_is_removed(admin_client):
    admin_client.post("/admin/settings", {"title": "Oasis", "registration_mode": "approval"})
    sign_up(Client(), "spammer", reason="buy things")
    admin_client.post("/admin/reject", {"user_id": User.objects.get(username="spammer").pk})
    assert not User.objects.filter(username="spammer").exists()


def test_invite_link_lets_one_person_in(admin_client):
    admin_client.post("/admin/settings", {"title": "Oasis", "registration_mode": "invite"})
    admin_client.post("/admin/invite", {"max_uses": "1"})
    invite = Invite.objects.get()
    form = Client().get(f"/auth/sign_up?invite={invite.code}").content.decode()
    assert invite.code in form
    sign_up(Client(), "friend", invite_code=invite.code)
    sign_up(Client(), "latecomer", invite_code=invite.code)
    assert User.objects.filter(username="friend").exists()
    assert not User.objects.filter(username="latecomer").exists()


def test_rules_are_published(admin_client):
    admin_client.post("/admin/add_rule", {"text": "Be kind", "hint": "No harassment"})
    assert "Be kind" in Client().get("/about").content.decode()
    rule = Rule.objects.get()
    asked = admin_client.get(f"/admin/remove_rule?rule_id={rule.pk}")  # removing asks first, naming the rule
    assert asked.status_code == 200 and "Remove this rule?" in asked.content.decode()
    assert "Be kind" in asked.content.decode() and Rule.objects.count() == 1
    assert admin_client.get("/admin/remove_rule?rule_id=nope").status_code == 422
    admin_client.post("/admin/remove_rule", {"rule_id": rule.pk})
    assert Rule.objects.count() == 0


def test_admin_pages_are_for_staff_only(admin_client, make_user):
    make_user("ordinary")
    client = Client()
    client.post("/auth/sign_in", {"username": "ordinary", "password": "correct horse battery"})
    assert client.get("/admin").status_code == 403
    assert (
        client.post("/admin/settings", {"title": "Mine now", "registration_mode": "open"}).status_code == 403
    )
    assert get_instance_settings().title != "Mine now"
    assert Client().get("/admin").status_code == 302  # anonymous: sign in first
