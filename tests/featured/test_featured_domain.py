"""Featured hashtags and endorsements in the domain: limits, counts read from the account's posts, suggestions,
and an endorsement only of a followed account, gone when the follow ends or a block comes."""

import pytest

from caravan import publishing, relationships
from caravan.errors import DomainError
from caravan.pagination import Page
from caravan.posts import featured
from caravan.posts.models import FeaturedTag
from caravan.social import selectors as social_selectors
from caravan.social import services as social
from caravan.social.models import Endorsement


def names(rows) -> list[str]:
    return [row.tag.name for row in rows]


def test_counts_are_the_accounts_public_and_unlisted_posts_with_the_tag(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    first = publishing.create_post(alice, "one #Caravan")
    publishing.create_post(alice, "two #caravan #other", visibility="unlisted")
    publishing.create_post(alice, "followers only #caravan", visibility="private")
    publishing.create_post(bob, "someone else's #caravan")
    publishing.create_post(alice, "no tag")
    featured.feature_tag(alice, "#CARAVAN")
    featured.feature_tag(alice, "neverused")
    [caravan, unused] = featured.featured_tags(alice)
    assert caravan.tag.name == "caravan" and caravan.statuses_count == 2
    assert caravan.last_status_at is not None and caravan.last_status_at >= first.created_at
    assert unused.tag.name == "neverused" and unused.statuses_count == 0 and unused.last_status_at is None
    assert featured.featured_tags(bob) == []


def test_one_feature_per_tag_and_ten_at_most(make_account):
    alice = make_account("alice")
    featured.feature_tag(alice, "tea")
    with pytest.raises(DomainError) as taken:
        featured.feature_tag(alice, "TEA")
    assert taken.value.kind.code == "featured_tag_taken"
    for i in range(9):
        featured.feature_tag(alice, f"tag{i}x")
    with pytest.raises(DomainError) as full:
        featured.feature_tag(alice, "eleventh")
    assert full.value.kind.code == "featured_tags_limit" and full.value.status == 422
    assert FeaturedTag.objects.filter(account=alice).count() == 10


@pytest.mark.parametrize(
    "name", ["", "#", "two words", "123", "a" * 201, "bad\u202etag", "<b>x</b>", "x/y", "ok#no"]
)
def test_what_is_not_a_hashtag_is_refused(make_account, name):
    alice = make_account("alice")
    with pytest.raises(DomainError) as refused:
        featured.feature_tag(alice, name)
    assert refused.value.kind.code == "not_a_hashtag"
    assert not FeaturedTag.objects.filter(account=alice).exists()


def test_arabic_hashtags_can_be_featured(make_account):
    alice = make_account("alice")
    publishing.create_post(alice, "مرحبا #قافلة")
    featured.feature_tag(alice, "قافلة")
    [row] = featured.featured_tags(alice)
    assert row.tag.display_name == "قافلة" and row.statuses_count == 1


def test_only_ones_own_featured_tag_is_removed(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    row = featured.feature_tag(alice, "tea")
    with pytest.raises(DomainError):
        featured.unfeature_tag(bob, row.id)
    assert names(featured.featured_tags(alice)) == ["tea"]
    featured.unfeature_tag(alice, row.id)
    assert featured.featured_tags(alice) == []


def test_suggestions_are_the_most_used_tags_not_yet_featured(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    for _ in range(3):
        publishing.create_post(alice, "#coffee")
    for _ in range(2):
        publishing.create_post(alice, "#tea #cake")
    publishing.create_post(alice, "#cake")
    publishing.create_post(bob, "#bobsown #bobsown2")
    assert [t.name for t in featured.suggested_tags(alice)] == ["cake", "coffee", "tea"]
    featured.feature_tag(alice, "coffee")
    assert [t.name for t in featured.suggested_tags(alice)] == ["cake", "tea"]


def test_endorsing_needs_a_follow_and_ends_with_it(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    with pytest.raises(DomainError) as refused:
        social.endorse(alice, bob)
    assert refused.value.kind.code == "endorse_needs_follow"
    relationships.follow(alice, bob)
    relationships.follow(alice, carol)
    social.endorse(alice, bob)
    social.endorse(alice, bob)  # again is the same
    social.endorse(alice, carol)
    assert social_selectors.relationship(alice, bob).endorsed
    assert [e.target_account_id for e in social_selectors.endorsed_by(alice, Page())] == [carol.id, bob.id]
    relationships.unfollow(alice, bob)
    assert not Endorsement.objects.filter(account=alice, target_account=bob).exists()
    relationships.block(carol, alice)  # a block by the endorsed person ends the follow, so the endorsement
    assert not Endorsement.objects.filter(account=alice).exists()


def test_blocking_the_endorsed_account_removes_the_endorsement(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(alice, bob)
    social.endorse(alice, bob)
    relationships.block(alice, bob)
    assert not Endorsement.objects.filter(account=alice).exists()
    social.unendorse(alice, bob)  # nothing to remove is fine


def test_a_viewer_is_not_shown_endorsed_accounts_it_blocks(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    relationships.follow(alice, bob)
    social.endorse(alice, bob)
    social.record_block(carol, bob)
    assert social_selectors.endorsed_by(alice, Page(), viewer=carol) == []
    assert len(social_selectors.endorsed_by(alice, Page(), viewer=alice)) == 1


def test_an_erased_account_leaves_no_featured_tags_or_endorsements(make_user, make_account):
    from caravan.leaving import erase_local_account

    alice_user = make_user("alice")
    alice, bob, carol = alice_user.account, make_account("bob"), make_account("carol")
    relationships.follow(alice, bob)
    relationships.follow(carol, alice)
    social.endorse(alice, bob)
    social.endorse(carol, alice)
    featured.feature_tag(alice, "tea")
    erase_local_account(alice_user)
    assert not Endorsement.objects.exists()
    assert not FeaturedTag.objects.exists()
