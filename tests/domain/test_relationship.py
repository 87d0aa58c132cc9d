"""The relationship a profile page shows, both ways, read in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan import relationships
from caravan.social import services as social
from caravan.social.selectors import Relationship, relationship

pytestmark = pytest.mark.django_db


def test_each_side_of_the_relationship_and_one_query(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    carol.locked = True
    carol.save(update_fields=["locked"])
    relationships.follow(alice, bob)
    relationships.follow(bob, alice)
    social.mute(alice, bob)
    social.endorse(alice, bob)
    relationships.follow(alice, carol)  # a request: carol is locked
    relationships.block(carol, bob)

    with CaptureQueriesContext(connection) as captured:
        alice_to_bob = relationship(alice, bob)
    assert len(captured) == 1
    assert alice_to_bob == Relationship(following=True, followed_by=True, muting=True, endorsed=True)
    assert relationship(bob, alice) == Relationship(following=True, followed_by=True)
    assert relationship(alice, carol) == Relationship(requested=True)
    assert relationship(carol, alice) == Relationship(requested_by=True)
    assert relationship(bob, carol) == Relationship(blocked_by=True)
    assert relationship(carol, bob) == Relationship(blocking=True)
    assert relationship(None, bob) == Relationship() == relationship(bob, bob)
