"""The daily pages (lists, direct messages, filters, followed hashtags, mutes and blocks) answer odd or hostile
input with a clear message and a 4xx, never a 500, and change only the reader's own things."""

import pytest

from caravan import publishing, relationships
from caravan.filters import services as filtering
from caravan.filters.models import Filter
from caravan.timelines import services as feeds
from caravan.timelines.models import List

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


def test_odd_ids_and_other_peoples_things_are_not_found(signed_in, make_account):
    client, user = signed_in("alice")
    bob = make_account("bob")
    bobs_list = feeds.create_list(bob, "Bob's")
    bobs_filter = filtering.create_filter(bob, title="bob", context=["home"])
    for url in [
        f"/lists/{HUGE}",
        f"/lists/{bobs_list.id}",
        f"/lists/{bobs_list.id}/members",
        f"/lists/{bobs_list.id}/delete",
        f"/filters/{HUGE}",
        f"/filters/{bobs_filter.id}",
        f"/filters/{bobs_filter.id}/delete",
        f"/conversations/{HUGE}",
        "/conversations?max_id=abc",
        f"/mutes?max_id={HUGE}",
    ]:
        assert client.get(url).status_code in (400, 404), url
    for url in [f"/lists/{bobs_list.id}/delete", f"/filters/{bobs_filter.id}/delete", f"/lists/{HUGE}/edit"]:
        assert client.post(url).status_code == 404, url
    assert List.objects.filter(pk=bobs_list.pk).exists() and Filter.objects.filter(pk=bobs_filter.pk).exists()


def test_bad_form_input_is_a_message_in_the_page(signed_in, make_account):
    client, user = signed_in("alice", locale="ar")
    stranger = make_account("stranger")
    answer = client.post("/lists", {"title": "   "})
    assert answer.status_code == 422 and 'role="alert"' in answer.content.decode()
    own = feeds.create_list(user.account, "Mine")
    answer = client.post(f"/lists/{own.id}/edit", {"title": "Mine", "replies_policy": "everyone"})
    assert answer.status_code == 422
    answer = client.post(f"/lists/{own.id}/members/add", {"account_id": stranger.id})
    # Only people one follows join a list (the error's status is Mastodon's 404); the page says why.
    assert answer.status_code == 404 and 'role="alert"' in answer.content.decode()
    assert client.post(f"/lists/{own.id}/members/add", {"account_id": HUGE}).status_code == 404
    assert client.post(f"/lists/{own.id}/members/dance", {"account_id": stranger.id}).status_code == 404
    for data in [
        {"title": "", "context": "home"},
        {"title": "x", "context": "everywhere"},
        {"title": "x"},
        {"title": "x", "context": "home", "filter_action": "explode"},
        {"title": "x", "context": "home", "expires_in": "٣"},
        {"title": "x", "context": "home", "new-keyword-0": "k" * 300},
    ]:
        answer = client.post("/filters/new", data)
        assert answer.status_code == 422, data
        assert 'role="alert"' in answer.content.decode()
    assert not Filter.objects.filter(account=user.account).exists()
    answer = client.post("/blocks/domains", {"domain": "not a domain"})
    assert answer.status_code == 422 and 'role="alert"' in answer.content.decode()


def test_a_filter_is_made_and_changed_through_the_form(signed_in, make_account):
    client, user = signed_in("alice")
    answer = client.post(
        "/filters/new",
        {
            "title": "Sport",
            "context": ["home", "public"],
            "filter_action": "hide",
            "expires_in": "3600",
            "new-keyword-0": "match",
            "new-whole-0": "on",
            "new-keyword-1": "كرة",
        },
    )
    assert answer.status_code == 302
    made = Filter.objects.get(account=user.account)
    assert (made.title, made.context, made.filter_action) == ("Sport", ["home", "public"], "hide")
    assert made.expires_at is not None
    assert sorted((k.keyword, k.whole_word) for k in made.keywords.all()) == [("match", True), ("كرة", False)]
    english, arabic = sorted(made.keywords.all(), key=lambda k: k.keyword)
    answer = client.post(
        f"/filters/{made.id}",
        {
            "title": "Sports",
            "context": ["thread"],
            "filter_action": "warn",
            "expires_in": "keep",
            f"keyword-{english.id}": "matches",
            f"whole-{english.id}": "on",
            f"keyword-{arabic.id}": "كرة",
            f"remove-{arabic.id}": "on",
        },
    )
    assert answer.status_code == 302
    made.refresh_from_db()
    assert (made.title, made.context, made.filter_action) == ("Sports", ["thread"], "warn")
    assert made.expires_at is not None
    assert [(k.keyword, k.whole_word) for k in made.keywords.all()] == [("matches", True)]
    assert "Sports" in client.get("/filters").content.decode()


def test_every_daily_page_renders_for_a_person_with_things_in_it(signed_in, make_account):
    client, user = signed_in("alice")
    bob = make_account("bob")
    relationships.follow(user.account, bob)
    own = feeds.create_list(user.account, "Friends")
    feeds.add_to_list(own, [bob])
    publishing.create_post(bob, f"hello @{user.account.username}", visibility="direct")
    feeds.follow_tag(user.account, "tea")
    filtering.create_filter(user.account, title="f", context=["home"], keywords=[{"keyword": "zz"}])
    for url in [
        "/lists",
        f"/lists/{own.id}",
        f"/lists/{own.id}/members",
        f"/lists/{own.id}/members?q=bo",
        f"/lists/{own.id}/delete",
        "/conversations",
        "/filters",
        "/filters/new",
        "/followed_tags",
        "/mutes",
        "/blocks",
        "/settings/profile",
    ]:
        assert client.get(url).status_code == 200, url
