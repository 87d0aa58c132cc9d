"""The pages (plain test client): /settings/featured features a typed or suggested hashtag and stops featuring
one; the profile shows featured hashtags linking to the tag timeline and featured people; a followed profile
has feature / unfeature buttons; in Arabic too; hostile names are refused with a message, never a 500."""

import pytest

from caravan import publishing, relationships
from caravan.posts import featured
from caravan.social.models import Endorsement

pytestmark = pytest.mark.django_db


def test_featuring_hashtags_from_settings_shows_them_on_the_profile(signed_in, client):
    web, user = signed_in("nadia")
    alice = user.account
    publishing.create_post(alice, "#Lanterns at night")
    publishing.create_post(alice, "#lanterns again #قافلة")
    page = web.get("/settings/featured").content.decode()
    assert "You feature no hashtags yet." in page and 'value="Lanterns"' in page  # suggested
    assert web.post("/settings/featured", {"name": "lanterns"}).status_code == 302
    assert web.post("/settings/featured", {"name": "#قافلة"}).status_code == 302
    page = web.get("/settings/featured").content.decode()
    assert "Lanterns" in page and "2 posts" in page and "The hashtag is featured on your profile." in page

    profile = client.get("/@nadia").content.decode()
    assert 'id="featured-tags"' in profile
    assert 'href="/tags/lanterns"' in profile and "#<bdi>Lanterns</bdi>" in profile
    assert 'href="/tags/%D9%82%D8%A7%D9%81%D9%84%D8%A9"' in profile
    assert client.get("/tags/lanterns").status_code == 200

    [lanterns, _] = featured.featured_tags(alice)
    assert web.post("/settings/featured", {"remove": str(lanterns.id)}).status_code == 302
    assert [f.tag.name for f in featured.featured_tags(alice)] == ["قافلة"]


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "two words", "x" * 5000, "\u202eevil"])
def test_hostile_names_are_refused_with_a_message(signed_in, name):
    web, user = signed_in("nadia")
    response = web.post("/settings/featured", {"name": name})
    assert response.status_code == 422
    assert "That is not a hashtag." in response.content.decode()
    assert "<script>alert" not in response.content.decode()
    assert featured.featured_tags(user.account) == []


def test_someone_else_s_featured_tag_cannot_be_removed(signed_in, make_account):
    web, _ = signed_in("nadia")
    other = featured.feature_tag(make_account("omar"), "tea")
    assert web.post("/settings/featured", {"remove": str(other.id)}).status_code == 404
    assert web.post("/settings/featured", {"remove": "9" * 40}).status_code == 404


def test_pinning_a_followed_account_from_its_profile(signed_in, make_account, client):
    web, user = signed_in("nadia")
    omar = make_account("omar")
    page = web.get("/@omar").content.decode()
    assert "Feature on my profile" not in page  # only for accounts one follows
    assert web.post(f"/accounts/{omar.id}/pin").status_code == 422  # not followed: refused, readable
    relationships.follow(user.account, omar)
    page = web.get("/@omar").content.decode()
    assert f'action="/accounts/{omar.id}/pin"' in page
    assert web.post(f"/accounts/{omar.id}/pin").status_code == 302
    assert Endorsement.objects.filter(account=user.account, target_account=omar).exists()
    assert f'action="/accounts/{omar.id}/unpin"' in web.get("/@omar").content.decode()
    profile = client.get("/@nadia").content.decode()
    assert 'id="endorsed-accounts"' in profile and 'href="/@omar"' in profile
    assert web.post(f"/accounts/{omar.id}/unpin").status_code == 302
    assert 'id="endorsed-accounts"' not in client.get("/@nadia").content.decode()


def test_the_pages_in_arabic(signed_in, make_account):
    web, user = signed_in("nadia")
    omar = make_account("omar")
    relationships.follow(user.account, omar)
    featured.feature_tag(user.account, "tea")
    arabic = {"HTTP_ACCEPT_LANGUAGE": "ar"}
    settings_page = web.get("/settings/featured", **arabic).content.decode()
    assert 'dir="rtl"' in settings_page and "الوسوم المميزة" in settings_page
    assert "ميّزه في ملفي" in web.get("/@omar", **arabic).content.decode()
    assert "الوسوم المميزة" in web.get("/@nadia", **arabic).content.decode()
