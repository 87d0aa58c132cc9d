"""Trending links: counted from the public posts of distinct accounts over seven days; a followers-only,
unlisted or direct post, a limited or suspended author, a card without a title never make a link trend or
appear in its link timeline."""

import pytest
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.pagination import Page
from caravan.previews.models import PostCard
from caravan.previews.selectors import link_timeline, trending_card, trending_links
from caravan.publishing import create_post
from tests.previews.site import running_site


@pytest.fixture
def site(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True, PREVIEW_TREND_MIN_ACCOUNTS=3)
    with running_site() as running:
        yield running


def test_a_link_trends_when_enough_accounts_share_it_publicly(site, make_account, run_tasks):
    people = [make_account(name) for name in ("ann", "ben", "cat", "dan", "eve", "fay")]
    article, video = f"{site.base}/article", f"{site.base}/video"
    # The article: three accounts in public posts (one of them twice).
    for person in people[:3]:
        create_post(person, f"Look {article}")
    create_post(people[0], f"Again {article}")
    # The video: two public accounts, and three more privately: not enough.
    for person in people[:2]:
        create_post(person, f"Watch {video}")
    for person, visibility in zip(people[2:5], ("private", "unlisted", "direct"), strict=True):
        create_post(person, f"Shh {video}", visibility=visibility)
    run_tasks()
    assert PostCard.objects.count() == 9  # every post shows its card; only public ones count for trends
    trending = trending_links()
    assert [item.card.url for item in trending] == [article]
    today = trending[0].history[0]
    assert today == {"day": today["day"], "uses": "4", "accounts": "3"} and len(trending[0].history) == 7
    assert trending_card(video) is None and trending_card(article + "#x").url == article
    shown = link_timeline(None, trending_card(article), Page(limit=20))
    assert len(shown) == 4 and all(post.visibility == "public" for post in shown)


def test_limited_and_suspended_authors_do_not_count(site, make_account, run_tasks):
    people = [make_account(name) for name in ("ann", "ben", "cat")]
    for person in people:
        create_post(person, f"{site.base}/article")
    run_tasks()
    assert trending_links()
    Account.objects.filter(pk=people[2].pk).update(limited_at=timezone.now())
    assert trending_links() == []
    Account.objects.filter(pk=people[2].pk).update(limited_at=None, suspended_at=timezone.now())
    assert trending_links() == []


def test_a_followers_only_post_never_appears_in_the_link_timeline(site, make_account, run_tasks):
    people = [make_account(name) for name in ("ann", "ben", "cat", "dan")]
    for person in people[:3]:
        create_post(person, f"{site.base}/article")
    secret = create_post(people[3], f"secret {site.base}/article", visibility="private")
    run_tasks()
    card = trending_card(f"{site.base}/article")
    for viewer in (None, people[0], people[3]):
        ids = [post.id for post in link_timeline(viewer, card, Page(limit=40))]
        assert secret.id not in ids and len(ids) == 3


def test_a_page_without_a_title_does_not_trend(site, make_account, run_tasks):
    people = [make_account(name) for name in ("ann", "ben", "cat")]
    for person in people:
        create_post(person, f"{site.base}/file.bin")
    run_tasks()
    assert trending_links() == [] and PostCard.objects.count() == 0
