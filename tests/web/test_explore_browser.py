"""The finding pages and the live ones on `caravan serve`, in English and Arabic at desktop and phone sizes: the
profile directory, the explore page's trends, notifications in groups and filtered, live updates with
JavaScript on (and the streaming WebSocket refusing a session from another site), and the language switch."""

import uuid

import pytest
import requests
import websockets.exceptions
from websockets.sync.client import connect

from tests.web.served import LOOK_IDS, LOOKS, unique, wait_until

pytestmark = pytest.mark.browser


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def _account_id(person) -> str:
    return person.api.account_verify_credentials()["id"]


@pytest.fixture(scope="module")
def trending(site):
    """A hashtag three people used today and a post of it that three others favourited or boosted: both trend."""
    tag = f"trend{uuid.uuid4().hex[:8]}"
    author, *others = [site.person(unique("trender")) for _ in range(5)]
    post = author.api.status_post(f"Caravans cross the desert #{tag}")
    for person in others[:2]:
        person.api.status_post(f"Me too #{tag}")
    others[2].api.status_favourite(post["id"])
    others[3].api.status_favourite(post["id"])
    others[3].api.status_reblog(post["id"])
    # Trends are cached for ten seconds in the server; wait until the ranking names both.
    wait_until(
        lambda: (
            any(t["name"] == tag for t in requests.get(f"{site.base}/api/v1/trends/tags", timeout=10).json())
            and any(
                s["id"] == post["id"]
                for s in requests.get(f"{site.base}/api/v1/trends/statuses?limit=40", timeout=10).json()
            )
        ),
        timeout=30,
    )
    return tag, post


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_directory_lists_discoverable_people_and_follows_from_the_list(site, chromium, locale, viewport):
    listed = site.person(unique("listed"))
    listed.api.account_update_credentials(discoverable=True, note="I draw maps of old trade routes")
    hidden = site.person(unique("hidden"))  # newer than `listed`: it would come first if it were listed
    hidden.api.account_update_credentials(discoverable=False)
    viewer = site.person(unique("finder"))
    page = site.page(chromium, viewer, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/directory?scope=local&order=new")
    entry = page.locator(".directory-entry", has_text=f"@{listed.username}")
    assert "I draw maps of old trade routes" in entry.inner_text()
    assert page.locator(".directory-entry", has_text=f"@{hidden.username}").count() == 0
    _fits(page, viewport)
    entry.locator("form[action$='/follow'] button").click()
    page.wait_for_load_state()
    assert "/directory" in page.url
    assert (
        page.locator(".directory-entry", has_text=f"@{listed.username}")
        .locator("form[action$='/unfollow']")
        .is_visible()
    )
    assert any(a["acct"] == listed.username for a in viewer.api.account_following(_account_id(viewer)))
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_explore_shows_trending_posts_and_hashtags_to_visitors(site, chromium, trending, locale, viewport):
    tag, post = trending
    page = site.page(chromium, locale=locale, viewport=viewport)  # a visitor, not signed in
    page.goto(f"{site.base}/explore")
    assert page.locator(f"article:has-text('Caravans cross the desert #{tag}')").count() >= 1
    _fits(page, viewport)
    page.locator("nav.tabs a[href='/explore/tags']").click()
    page.wait_for_load_state()
    row = page.locator(".trending-tag", has_text=f"#{tag}")
    assert row.is_visible()
    assert "3" in row.inner_text()  # three posts this week
    _fits(page, viewport)
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_notifications_group_favourites_and_filter_mentions(site, chromium, locale, viewport):
    me = site.person(unique("noted"))
    fans = [site.person(unique("fan")) for _ in range(3)]
    post = me.api.status_post("A post people like")
    for fan in fans:
        fan.api.status_favourite(post["id"])
    fans[0].api.status_post(f"@{me.username} a mention for you")
    wait_until(lambda: len(me.api.notifications(limit=10)) >= 4)
    page = site.page(chromium, me, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/notifications")
    favourites = page.locator("section.notification[data-type=favourite]")
    assert favourites.count() == 1  # three favourites of one post: one row
    assert fans[2].username in favourites.locator("p.who").inner_text()  # the latest, "and 2 others"
    assert favourites.locator(".group-sample img").count() == 2  # the two others
    if locale == "ar":
        assert "وشخصان آخران" in favourites.locator("p.who").inner_text()  # Arabic's dual: "and two others"
    assert page.locator("section.notification[data-type=mention]").count() == 1
    _fits(page, viewport)
    page.locator("nav.notification-tabs a[href*='mention']").click()
    page.wait_for_load_state()
    rows = page.locator("section.notification")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-type") == "mention"
    assert "a mention for you" in rows.first.inner_text()
    assert (
        page.locator("nav.notification-tabs a[aria-current=page]").get_attribute("href").endswith("mention")
    )
    _fits(page, viewport)
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_live_new_posts_button_and_notification_badge(site, chromium, locale, viewport):
    reader, writer = site.person(unique("reader")), site.person(unique("writer"))
    reader.api.account_follow(_account_id(writer))
    page = site.page(chromium, reader, locale=locale, viewport=viewport)
    page.wait_for_selector("html[data-live=connected]")
    assert page.locator(".live-new").count() == 0
    writer.api.status_post(f"@{reader.username} fresh from the road")
    button = page.locator("button.live-new")
    button.wait_for(state="visible")
    assert button.get_attribute("data-count") == "1" and button.inner_text().strip()
    page.locator("a[href='/notifications'] .badge", has_text="1").wait_for()
    assert page.locator("article", has_text="fresh from the road").count() == 0  # nothing inserted
    _fits(page, viewport)
    button.click()
    page.wait_for_load_state()
    page.locator("article", has_text="fresh from the road").first.wait_for()
    page.context.close()


def test_streaming_takes_the_session_only_from_this_servers_own_pages(site, chromium):
    """Cross-site WebSocket hijacking fails: the browser would send the cookie from any site's page, so a
    handshake carrying it from a foreign Origin (or none) is refused; from our own origin it streams."""
    me, follower = site.person(unique("owner")), site.person(unique("follower"))
    page = site.page(chromium, me, javascript=False)
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    page.context.close()
    url = site.base.replace("http://", "ws://") + "/api/v1/streaming?stream=user:notification"
    for origin in ("http://evil.example", None):
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            connect(url, origin=origin, additional_headers={"Cookie": cookies}, open_timeout=10).close()
        assert refused.value.response.status_code == 403
    with connect(url, origin=site.base, additional_headers={"Cookie": cookies}, open_timeout=10) as socket:
        follower.api.account_follow(_account_id(me))
        frame = socket.recv(timeout=15)
    assert '"event":"notification"' in frame and follower.username in frame


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_language_switch_persists_across_sign_out_and_in(site, chromium, locale, viewport):
    other = "en" if locale == "ar" else "ar"
    person = site.person(unique("polyglot"))
    page = site.page(chromium, person, locale=locale, viewport=viewport)
    page.locator(f"form.language-switch button[value={other}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other
    assert page.url.endswith("/home")
    _fits(page, viewport)
    page.locator("details.nav-more > summary").click()  # signing out sits in the More menu
    page.locator("form[action='/auth/sign_out'] button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == other  # the visitor's cookie
    page.context.close()
    # A fresh browser asking for the first language: signing in brings the choice back.
    again = site.page(chromium, person, locale=locale, viewport=viewport)
    assert again.locator("html").get_attribute("lang") == other
    assert again.locator("html").get_attribute("dir") == ("rtl" if other == "ar" else "ltr")
    again.context.close()
