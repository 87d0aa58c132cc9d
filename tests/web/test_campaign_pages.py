"""Campaign pages without a browser: starting one, joining, changing level and leaving through the plain forms,
the JSON feed, the join link that signs a newcomer up and joins in one step, the QR code, the admins' approval
page, and notifications of a campaign on the notifications page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from caravan.accounts.models import Account, User
from caravan.accounts.services import set_role
from caravan.campaigns import services
from caravan.campaigns.models import Campaign, Membership, Status
from caravan.instance.services import get_instance_settings

pytestmark = pytest.mark.django_db


def _aged(user):
    Account.objects.filter(pk=user.account_id).update(created_at=timezone.now() - timedelta(days=40))
    user.account.refresh_from_db()
    return user


def test_start_join_change_and_leave_through_the_forms(signed_in):
    client, owner = signed_in("organiser")
    response = client.post(
        "/campaigns/new", {"title": "Leave X together", "description": "معًا", "target": "2", "deadline": ""}
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == campaign.path
    _aged(owner)
    page = client.get(campaign.path)
    assert page.status_code == 200 and b"Leave X together" in page.content
    client.post(f"{campaign.path}/commit", {"level": "will_move"})
    campaign.refresh_from_db()
    assert campaign.will_move_verified == 1
    page = client.get(campaign.path).content.decode()
    assert 'id="headline-count">1<' in page and 'data-series="total" data-latest="1"' in page
    client.post(f"{campaign.path}/commit", {"level": "moved"})
    campaign.refresh_from_db()
    assert (campaign.will_move_verified, campaign.moved_verified) == (0, 1)
    # Leaving asks first: the page's button is a link to a page that says what happens, with the one POST button.
    assert f'href="{campaign.path}/leave"' in page
    asked = client.get(f"{campaign.path}/leave").content.decode()
    assert "Leave this campaign?" in asked and f'action="{campaign.path}/leave"' in asked
    campaign.refresh_from_db()
    assert campaign.moved_verified == 1
    client.post(f"{campaign.path}/leave")
    campaign.refresh_from_db()
    assert campaign.headline == 0


def test_bad_input_gets_a_message_never_a_500(signed_in):
    client, _ = signed_in("organiser")
    response = client.post("/campaigns/new", {"title": "x" * 500, "target": "many", "deadline": "someday"})
    assert response.status_code == 422 and not Campaign.objects.exists()
    page = response.content.decode()  # every problem at once
    assert "at most 120 characters" in page and "whole number from 1" in page
    assert "The deadline is a date (YYYY-MM-DD) in the future." in page
    campaign = services.start_campaign(Account.objects.get(username="organiser"), title="T", target=5)
    response = client.post(f"{campaign.path}/commit", {"level": "<script>"}, follow=True)
    assert response.status_code == 200 and b"Unknown level" in response.content
    assert client.get("/campaigns/99999999999999999999999").status_code == 404
    assert client.get("/campaigns/123.json").status_code == 404


def test_the_json_feed_has_counts_and_series(make_account):
    owner = make_account("owner")
    campaign = services.start_campaign(owner, title="نترك", target=10)
    services.join(campaign, owner, "left")
    body = Client().get(f"{campaign.path}.json").json()
    assert body["title"] == "نترك" and body["target"] == 10
    assert body["counts"]["left"] == {"verified": 0, "unverified": 1} and body["headline_count"] == 0
    assert body["series"][-1]["counts"]["left"]["unverified"] == 1


def test_a_newcomer_signs_up_and_joins_in_one_step(make_account, caravan_settings):
    campaign = services.start_campaign(make_account("owner"), title="Join us", target=10)
    client = Client()
    response = client.get(f"{campaign.path}/join")
    assert response.status_code == 302 and f"campaign={campaign.id}" in response["Location"]
    form = client.get(response["Location"])
    assert b'name="campaign"' in form.content
    response = client.post(
        "/auth/sign_up",
        {
            "username": "newcomer",
            "password": "a long enough password",
            "agreement": "on",
            "campaign": campaign.id,
        },
    )
    assert response.status_code == 302 and response["Location"] == campaign.path
    membership = Membership.objects.get(account__username="newcomer")
    assert membership.level == "will_move" and not membership.verified  # a new account: unverified


def test_with_approval_on_a_newcomer_joins_unverified(make_account):
    campaign = services.start_campaign(make_account("owner"), title="Join us", target=10)
    instance = get_instance_settings()
    instance.registration_mode = "approval"
    instance.save()
    Client().post(
        "/auth/sign_up",
        {
            "username": "waiting",
            "password": "a long enough password",
            "agreement": "on",
            "reason": "I want in",
            "campaign": campaign.id,
        },
    )
    assert not User.objects.get(username="waiting").approved
    campaign.refresh_from_db()
    assert campaign.will_move_unverified == 1 and campaign.headline == 0


def test_qr_code_is_an_svg_of_the_join_link(make_account):
    campaign = services.start_campaign(make_account("owner"), title="QR", target=3)
    response = Client().get(f"{campaign.path}/join.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


def test_admins_approve_campaigns_when_approval_is_required(signed_in, make_user, caravan_settings):
    caravan_settings(CAMPAIGNS_NEED_APPROVAL=True)
    owner_client, owner = signed_in("owner")
    owner_client.post("/campaigns/new", {"title": "Needs a yes", "target": "3"})
    campaign = Campaign.objects.get()
    assert campaign.status == Status.PENDING
    assert Client().get(campaign.path).status_code == 404  # not shown to others yet
    assert owner_client.get(campaign.path).status_code == 200
    assert owner_client.get("/admin/campaigns").status_code == 403
    admin_client, admin = signed_in("boss")
    set_role(admin, "admin")
    page = admin_client.get("/admin/campaigns")
    assert b"Needs a yes" in page.content
    admin_client.post("/admin/campaigns", {"campaign": campaign.id, "answer": "approve"})
    campaign.refresh_from_db()
    assert campaign.status == Status.OPEN
    notifications = owner_client.get("/notifications").content.decode()
    assert "Your campaign was approved" in notifications


def test_follow_all_follows_the_accepted_starters(signed_in, make_account):
    owner = make_account("owner")
    campaign = services.start_campaign(owner, title="Starters", target=3)
    starter, shy = make_account("starter"), make_account("shy")
    services.add_starter(campaign, owner, starter)
    services.add_starter(campaign, owner, shy)
    services.answer_starter(campaign, starter, accept=True)
    client, user = signed_in("follower")
    page = client.get(campaign.path).content.decode()
    assert "@starter" in page and "@shy" not in page
    client.post(f"{campaign.path}/follow_all")
    from caravan.social.models import Follow

    assert list(
        Follow.objects.filter(account=user.account).values_list("target_account__username", flat=True)
    ) == ["starter"]


def test_opening_a_remote_campaign_with_hostile_input_is_a_plain_not_found(signed_in, make_account):
    client, _ = signed_in("visitor")
    assert client.get("/campaigns/remote").status_code == 200
    local = services.start_campaign(make_account("owner"), title="Here", target=3)
    for query in ("javascript:alert(1)", "nobody", "@a@b@c", "x" * 5000, local.actor.handle, "\u202e@x@y"):
        response = client.get("/campaigns/remote", {"q": query})
        assert response.status_code == 404, query
        assert b"No campaign was found there." in response.content
    response = client.post("/campaigns/remote", {"q": "nobody", "level": "moved"})
    assert response.status_code == 404


def test_when_the_target_is_met_members_are_told_and_guided_to_move(signed_in, make_account, run_tasks):
    owner = make_account("owner")
    campaign = services.start_campaign(owner, title="Two is enough", target=2)
    client, user = signed_in("mover")
    _aged(user)
    other = make_account("other")
    Account.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=40))
    other.refresh_from_db()
    client.post(f"{campaign.path}/commit", {"level": "will_move"})
    services.join(campaign, other, "moved")
    run_tasks()
    notifications = client.get("/notifications").content.decode()
    assert f'href="/campaigns/{campaign.id}/move"' in notifications
    page = client.get(campaign.path).content.decode()
    assert f'href="{campaign.path}/move"' in page
    move = client.get(f"{campaign.path}/move").content.decode()
    for step in ('href="/settings/import"', 'href="/settings/import/people"', 'href="/settings/migration"'):
        assert step in move
    assert f'action="{campaign.path}/follow_all"' not in move  # no starters yet: nothing to follow


def test_who_committed_is_never_listed(make_account):
    owner = make_account("organiser")
    campaign = services.start_campaign(owner, title="Quiet", target=5)
    secret = make_account("secretmember")
    services.join(campaign, secret, "left")
    visitor = Client()
    for path in (
        campaign.path,
        f"{campaign.path}.json",
        f"/api/v1/caravan/campaigns/{campaign.id}",
        f"/api/v1/caravan/campaigns/{campaign.id}/counts",
        "/api/v1/caravan/campaigns",
        "/campaigns",
    ):
        body = visitor.get(path).content.decode()
        assert "secretmember" not in body and str(secret.id) not in body, path
