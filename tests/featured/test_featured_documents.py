"""The actor's `featuredTags` collection, as Mastodon publishes it: named by the actor (`toot:featuredTags`), an
unpaged Collection of Hashtag objects, served as ActivityPub JSON (browsers are sent to the profile), 404 for
unknown or suspended accounts."""

import orjson
import pytest
from django.conf import settings
from django.utils import timezone

from caravan.posts import featured

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

pytestmark = pytest.mark.django_db


def test_the_actor_names_its_featured_tags_collection(client, make_account):
    alice = make_account("alice")
    featured.feature_tag(alice, "Lanterns")
    featured.feature_tag(alice, "قافلة")
    actor = orjson.loads(client.get("/users/alice", HTTP_ACCEPT=AP).content)
    assert actor["featuredTags"] == f"{alice.uri}/collections/tags"
    assert actor["@context"][2]["featuredTags"] == {"@id": "toot:featuredTags", "@type": "@id"}
    for accept in (AP, LD):
        response = client.get("/users/alice/collections/tags", HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/activity+json"
        )
        document = orjson.loads(response.content)
        assert document["id"] == actor["featuredTags"] and document["type"] == "Collection"
        assert document["totalItems"] == 2
        assert document["items"] == [
            {"type": "Hashtag", "href": f"{settings.BASE_URL}/tags/lanterns", "name": "#Lanterns"},
            {"type": "Hashtag", "href": f"{settings.BASE_URL}/tags/قافلة", "name": "#قافلة"},
        ]


def test_browsers_go_to_the_profile_and_unknown_accounts_are_not_found(client, make_account):
    alice = make_account("alice")
    assert client.get("/users/alice/collections/tags", HTTP_ACCEPT="text/html")["Location"].endswith(
        "/@alice"
    )
    assert client.get("/users/nobody/collections/tags", HTTP_ACCEPT=AP).status_code == 404
    alice.suspended_at = timezone.now()
    alice.save(update_fields=["suspended_at"])
    assert client.get("/users/alice/collections/tags", HTTP_ACCEPT=AP).status_code == 404


def test_an_empty_collection(client, make_account):
    make_account("alice")
    document = orjson.loads(client.get("/users/alice/collections/tags", HTTP_ACCEPT=AP).content)
    assert document["totalItems"] == 0 and document["items"] == []
