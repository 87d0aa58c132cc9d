"""Home feeds keep their newest entries only (CARAVAN_HOME_FEED_SIZE, decision 0043); older pages are rebuilt
from the follows. A reader paging through the client API or the web page sees the same posts, page by page,
whether the feed was trimmed or not, and the privacy rules hold on the rebuilt pages as on the stored ones."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from caravan import publishing, relationships
from caravan.posts.models import Post, Visibility
from caravan.social import services as social
from caravan.timelines import services as feeds
from caravan.timelines.models import FeedEntry, TrimmedFeed

POST_ID = re.compile(r'id="post-(\d+)"')


@pytest.fixture
def api(db):
    """A bearer token's headers for a user, issued as the OAuth flow issues it."""
    from oauth2_provider.models import Application

    from caravan.api.oauth import issue_token

    app = Application.objects.create(
        name="bounded feeds",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        client_type="confidential",
        authorization_grant_type="authorization-code",
    )

    def headers(user) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, app.pk, 'read').token}"}

    return headers


def _api_pages(auth: dict, *, limit: int, rel: str = "next") -> list[list[int]]:
    """Every page of the home timeline, following the Link header as a client does (`next`: older pages from
    the newest; `prev`: newer pages from the oldest)."""
    client = Client()
    query = {"limit": str(limit)} if rel == "next" else {"limit": str(limit), "min_id": "0"}
    pages = []
    while True:
        response = client.get("/api/v1/timelines/home", query, **auth)
        assert response.status_code == 200
        ids = [int(status["id"]) for status in response.json()]
        if not ids:
            return pages
        pages.append(ids)
        links = {
            part.split(";")[1].strip(): part.split(";")[0].strip(" <>")
            for part in response["Link"].split(",")
        }
        query = dict(parse_qsl(urlsplit(links[f'rel="{rel}"']).query))
        assert len(pages) < 100


def _web_pages(user, *, limit: int) -> list[list[int]]:
    """Every page of /home, following its "older" link."""
    client = Client()
    client.force_login(user)
    path, pages = f"/home?limit={limit}", []
    while path:
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append([int(i) for i in POST_ID.findall(html)])
        older = re.search(r'href="(\?[^"]*max_id=\d+[^"]*)"', html)
        path = "/home" + older.group(1).replace("&amp;", "&") if older and pages[-1] else ""
        assert len(pages) < 100
    return pages


def _trim(size: int) -> None:
    """Run the trim sweep to its end, as the worker would."""
    while True:
        _, caught_up = feeds.trim_home_feeds(size)
        if caught_up:
            return


def _busy_graph(make_user, run_tasks):
    """Two readers with the same follows (one to be trimmed, the twin left whole) and a mix of everything the
    fan-out rules decide: boosts with and without show_reblogs, replies to followed and unfollowed people,
    followed hashtags, direct and followers-only posts that mention both readers, posts never meant for them."""
    reader, twin = make_user("reader"), make_user("twin")
    alice, bob, carol, dave, erin = (
        make_user(name).account for name in ("alice", "bob", "carol", "dave", "erin")
    )
    for user in (reader, twin):
        relationships.follow(user.account, alice)
        relationships.follow(user.account, bob, show_reblogs=False)
        relationships.follow(user.account, carol)
        feeds.follow_tag(user.account, "caravan")
    dave_public = publishing.create_post(dave, "not followed")
    for round_ in range(4):
        publishing.create_post(alice, f"alice {round_}")
        publishing.create_post(alice, f"alice for followers {round_}", visibility=Visibility.PRIVATE)
        publishing.create_post(bob, f"bob {round_}")
        publishing.reblog(bob, publishing.create_post(dave, f"boosted by bob {round_}"))  # reblogs not shown
        carols = publishing.create_post(carol, f"carol {round_}")
        publishing.create_post(alice, f"to carol {round_}", in_reply_to=carols)
        publishing.create_post(alice, f"to dave {round_}", in_reply_to=dave_public)  # not shown
        tagged = publishing.create_post(dave, f"tagged #caravan {round_}")
        publishing.reblog(carol, tagged)
        publishing.create_post(dave, f"@reader @twin hello {round_}", visibility=Visibility.PRIVATE)
        publishing.create_post(erin, f"@reader @twin psst {round_}", visibility=Visibility.DIRECT)
        publishing.create_post(erin, f"psst to nobody {round_}", visibility=Visibility.DIRECT)  # not shown
        publishing.create_post(erin, f"erin in public {round_}")  # not followed: not shown
        publishing.create_post(reader.account, f"mine {round_}")
        publishing.create_post(twin.account, f"mine {round_}")
    run_tasks()
    return reader, twin, {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin}


def _without_own(pages: list[list[int]], own: set[int]) -> list[int]:
    return [i for page in pages for i in page if i not in own]


def test_a_trimmed_feed_pages_exactly_as_the_whole_feed_through_the_api_and_the_web(
    make_user, run_tasks, api, caravan_settings
):
    reader, _, _ = _busy_graph(make_user, run_tasks)
    whole = FeedEntry.objects.filter(owner=reader.account).count()
    auth = api(reader)
    before = {limit: _api_pages(auth, limit=limit) for limit in (3, 4, 7)}
    before_prev = _api_pages(auth, limit=4, rel="prev")
    before_web = _web_pages(reader, limit=5)
    assert sum(map(len, before[3])) == whole > 30  # nothing hidden: every entry is a page row

    caravan_settings(HOME_FEED_SIZE=10)
    _trim(10)
    assert FeedEntry.objects.filter(owner=reader.account).count() == 10
    assert TrimmedFeed.objects.filter(owner=reader.account).exists()

    for limit, pages in before.items():
        assert _api_pages(auth, limit=limit) == pages, limit
    assert _api_pages(auth, limit=4, rel="prev") == before_prev
    assert _web_pages(reader, limit=5) == before_web


def test_a_follow_after_the_trim_backfills_below_the_edge_without_duplicates(make_user, run_tasks, api):
    reader, _, people = _busy_graph(make_user, run_tasks)
    _trim(8)
    frank = make_user("frank").account
    old = [publishing.create_post(frank, f"frank {i}") for i in range(3)]
    # Frank's old posts are older than the edge once the reader follows him later: the backfill writes rows
    # below it, which the read leaves to the rebuilt pages.
    edge = TrimmedFeed.objects.get(owner=reader.account).kept_from
    assert all(post.id > edge for post in old)
    for _ in range(12):
        publishing.create_post(people["alice"], "newer")
    run_tasks()
    _trim(8)
    relationships.follow(reader.account, frank)
    pages = _api_pages(api(reader), limit=5)
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert {post.id for post in old} <= set(ids)


def test_privacy_rules_hold_on_rebuilt_pages(make_user, run_tasks, api):
    """Unfollowing takes someone's followers-only posts away; a block and a mute hide their authors, boosts
    of them included, on the rebuilt pages as on the stored ones: the trimmed reader and the untrimmed twin,
    who did the same, see the same posts."""
    reader, twin, people = _busy_graph(make_user, run_tasks)
    for user in (reader, twin):
        relationships.unfollow(user.account, people["alice"])
        relationships.block(user.account, people["dave"])
        social.mute(user.account, people["bob"])
    feeds.trim_home_feed(reader.account.id, 6)
    assert FeedEntry.objects.filter(owner=reader.account).count() == 6
    assert FeedEntry.objects.filter(owner=twin.account, post_id__lt=min_kept(reader)).exists()

    seen = _api_pages(api(reader), limit=4)
    own = set(reader.account.posts.values_list("id", flat=True)) | set(
        twin.account.posts.values_list("id", flat=True)
    )
    assert _without_own(seen, own) == _without_own(_api_pages(api(twin), limit=4), own)
    shown = Post.objects.filter(pk__in=[i for page in seen for i in page]).select_related("reblog_of")
    authors = {p.account_id for p in shown} | {p.reblog_of.account_id for p in shown if p.reblog_of_id}
    assert not authors & {people["alice"].id, people["dave"].id, people["bob"].id}
    assert people["carol"].id in authors and people["erin"].id in authors  # the rest is still there


def min_kept(user) -> int:
    return TrimmedFeed.objects.get(owner=user.account).kept_from


def test_the_sweep_trims_only_feeds_grown_past_their_size_and_slack(make_user, run_tasks):
    reader, twin, _ = _busy_graph(make_user, run_tasks)
    quiet = make_user("quiet")
    entries = FeedEntry.objects.filter(owner=reader.account).count()
    assert feeds.trim_home_feed(reader.account.id, entries - 1) == 0  # within the slack (a tenth)
    assert not TrimmedFeed.objects.exists()
    _trim(20)
    for user in (reader, twin):
        newest = list(
            FeedEntry.objects.filter(owner=user.account)
            .order_by("-post_id")
            .values_list("post_id", flat=True)
        )
        assert len(newest) == 20 and min_kept(user) == newest[-1]
    assert FeedEntry.objects.filter(owner=quiet.account).count() <= 1
    assert feeds.trim_home_feeds(20) == (0, True)  # caught up: the next run looks at new entries only


def test_an_exclusive_list_keeps_its_members_off_the_rebuilt_pages_too(make_user, run_tasks, api):
    """Whoever put someone in an exclusive list reads them there, not at home: on the rebuilt pages too, where
    the list as it stands now decides (rows written before the list was made stay on the stored pages)."""
    reader, twin, people = _busy_graph(make_user, run_tasks)
    for user in (reader, twin):
        owned = feeds.create_list(user.account, "carol only", exclusive=True)
        feeds.add_to_list(owned, [people["carol"]])
    for round_ in range(3):
        publishing.create_post(people["carol"], f"carol again {round_}")
        publishing.create_post(people["alice"], f"alice again {round_}")
    run_tasks()
    feeds.trim_home_feed(reader.account.id, 4)
    carol = set(Post.objects.filter(account=people["carol"]).values_list("id", flat=True))

    def seen(user) -> set[int]:
        own = set(user.account.posts.values_list("id", flat=True))
        return {i for page in _api_pages(api(user), limit=5) for i in page} - own

    assert not seen(reader) & carol
    assert seen(reader) == seen(twin) - carol
    assert seen(twin) & carol  # the twin's stored rows from before the list
