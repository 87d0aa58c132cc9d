"""The explore, directory, notifications and language pages' rules, on the real database: trends read through
the visibility rule for each reader, filters parsed safely, the language choice kept where it belongs."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from caravan import relationships
from caravan.publishing.interactions import favourite
from caravan.publishing.posting import create_post
from caravan.web.middleware import COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def trending_post(make_account):
    cache.clear()  # trends are cached for seconds; each test computes its own
    author = make_account("caravaneer")
    post = create_post(author, "Water at the next oasis")
    for name in ("walker1", "walker2"):
        favourite(make_account(name), post)
    yield post
    cache.clear()


def test_explore_shows_a_trending_post_to_visitors_but_not_to_someone_blocking_its_author(
    trending_post, signed_in
):
    assert "Water at the next oasis" in Client().get("/explore").content.decode()
    client, user = signed_in("blocker")
    assert "Water at the next oasis" in client.get("/explore").content.decode()
    relationships.block(user.account, trending_post.account)
    assert "Water at the next oasis" not in client.get("/explore").content.decode()


def test_explore_says_so_when_trends_are_off(trending_post):
    with override_settings(CARAVAN={**settings.CARAVAN, "TRENDS": False}):
        page = Client().get("/explore/tags").content.decode()
    assert "Trends are switched off on this server." in page
    with override_settings(CARAVAN={**settings.CARAVAN, "TRENDS": False}):
        page = Client().get("/explore").content.decode()
    assert "Water at the next oasis" not in page


def test_unknown_explore_tab_and_bad_offsets_are_not_errors(trending_post):
    assert Client().get("/explore/everything").status_code == 404
    assert Client().get("/directory?offset=99999999999999999999&order=%00&scope=<x>").status_code == 200


def test_notification_filters_are_checked_and_exclude_types_works(signed_in, make_account):
    client, user = signed_in("noticed")
    post = create_post(user.account, "Look at this dune")
    favourite(make_account("liker"), post)
    create_post(make_account("caller"), "@noticed over here")
    bad = client.get("/notifications?types[]=<script>")
    assert bad.status_code == 422 and "<script>" not in bad.content.decode()
    page = client.get("/notifications?exclude_types[]=favourite").content.decode()
    assert 'data-type="mention"' in page and 'data-type="favourite"' not in page
    page = client.get("/notifications?types[]=favourite").content.decode()
    assert 'data-type="favourite"' in page and 'data-type="mention"' not in page


def test_language_switch_keeps_a_visitors_choice_in_a_cookie():
    client = Client()
    answer = client.post("/language", {"language": "ar", "next": "/explore/tags?lang=en&offset=20"})
    assert answer.status_code == 302 and answer["Location"] == "/explore/tags?offset=20"
    assert client.cookies[COOKIE].value == "ar"
    assert client.get("/explore").headers["Content-Language"] == "ar"
    elsewhere = client.post("/language", {"language": "en", "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/"
    refused = client.post("/language", {"language": "xx"})
    assert refused.status_code == 422
    assert client.cookies[COOKIE].value == "en"


def test_language_switch_stores_a_signed_in_persons_choice(signed_in):
    client, user = signed_in("chooser")
    client.post("/language", {"language": "ar", "next": "/home"})
    user.refresh_from_db()
    assert user.locale == "ar"
    other = Client()
    other.force_login(user)
    assert other.get("/home").headers["Content-Language"] == "ar"


def test_explore_links_show_the_cards_many_people_share(caravan_settings, make_account, run_tasks):
    from tests.previews.site import running_site

    caravan_settings(FEDERATION_ALLOW_PRIVATE=True, PREVIEW_TREND_MIN_ACCOUNTS=2)
    with running_site() as site:
        for name in ("ann", "ben"):
            create_post(make_account(name), f"Read this {site.base}/article")
        create_post(make_account("cat"), f"Only me {site.base}/plain")
        run_tasks()
    page = Client().get("/explore/links").content.decode()
    assert "A caravan crosses the desert" in page
    assert f'href="{site.base}/article"' in page
    assert "/plain" not in page  # one account is not a trend
