"""Campaign documents and hostile campaign activities, in process: the campaign actor is a Group found by
WebFinger; its starter list is a FEP-7aa9 FeaturedCollection of only the starters who accepted, each with the
authorization it rests on; a Join for another actor, to something that is no campaign, or with a made-up level
counts nobody twice and nothing wrong."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from caravan.campaigns import services
from caravan.campaigns.models import Membership
from caravan.federation.applying import process_activity
from caravan.federation.reading import InboxError

pytestmark = pytest.mark.django_db
AP = "application/activity+json"


@pytest.fixture
def campaign(make_account):
    return services.start_campaign(make_account("organiser"), title="Leave together", target=5)


def test_the_campaign_actor_is_a_group_found_by_webfinger(campaign, settings):
    handle = f"acct:{campaign.actor.username}@{settings.DOMAIN}"
    found = Client().get("/.well-known/webfinger", {"resource": handle})
    assert found.status_code == 200
    actor = Client().get(f"/users/{campaign.actor.username}", HTTP_ACCEPT=AP).json()
    assert actor["type"] == "Group" and actor["name"] == "Leave together"
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY")
    assert actor["url"].endswith(campaign.path)


def test_the_starter_list_is_a_featured_collection_of_consenting_starters(campaign, make_account):
    listed, asked = make_account("listed"), make_account("asked")
    services.add_starter(campaign, campaign.owner, listed)
    services.add_starter(campaign, campaign.owner, asked)
    services.answer_starter(campaign, listed, accept=True)
    document = Client().get(f"{campaign.path}/starter_list", HTTP_ACCEPT=AP).json()
    assert document["type"] == "FeaturedCollection" and "https://w3id.org/fep/7aa9" in document["@context"]
    assert document["totalItems"] == 1
    item = document["orderedItems"][0]
    assert item["type"] == "FeaturedItem" and item["featuredObject"] == listed.uri
    stamp = Client().get(urlsplit(item["featureAuthorization"]).path)
    assert stamp.status_code == 200 and stamp.json()["type"] == "FeatureAuthorization"
    assert Client().get(f"{campaign.path}/starter_list/{asked.id}/authorization").status_code == 404
    browser = Client().get(f"{campaign.path}/starter_list", HTTP_ACCEPT="text/html")
    assert browser.status_code == 302 and browser["Location"] == campaign.path


def test_hostile_joins_count_nobody_wrongly(campaign, make_remote, make_account):
    mallory = make_remote("mallory").account
    forged = {"id": "https://remote.example/j/1", "type": "Join", "actor": "https://remote.example/users/bob"}
    with pytest.raises(InboxError):
        process_activity({**forged, "object": campaign.actor.uri}, mallory)

    join = {"type": "Join", "actor": mallory.uri, "object": campaign.actor.uri}
    assert process_activity({**join, "id": "https://remote.example/j/2", "caravan:level": "<b>"}, mallory)
    assert Membership.objects.get(account=mallory).level == "will_move"  # a made-up level is the default one
    process_activity({**join, "id": "https://remote.example/j/3", "caravan:level": "moved"}, mallory)
    process_activity({**join, "id": "https://remote.example/j/4", "caravan:level": "moved"}, mallory)
    assert Membership.objects.filter(account=mallory).count() == 1
    person = make_account("person")
    result = process_activity(
        {"id": "https://remote.example/j/5", "type": "Join", "actor": mallory.uri, "object": person.uri},
        mallory,
    )
    assert result == "ignored"
    campaign.refresh_from_db()
    assert campaign.counts() == services.recount(campaign)


def test_a_remote_member_deleted_by_its_server_stops_counting(campaign, make_remote, caravan_settings):
    caravan_settings(CAMPAIGN_MIN_ACCOUNT_AGE_DAYS=0)
    gone = make_remote("gone").account
    process_activity(
        {"id": "https://remote.example/j/9", "type": "Join", "actor": gone.uri, "object": campaign.actor.uri},
        gone,
    )
    campaign.refresh_from_db()
    assert campaign.headline == 1
    process_activity(
        {"id": "https://remote.example/d/1", "type": "Delete", "actor": gone.uri, "object": gone.uri}, gone
    )
    campaign.refresh_from_db()
    assert campaign.headline == 0 and campaign.counts() == services.recount(campaign)
