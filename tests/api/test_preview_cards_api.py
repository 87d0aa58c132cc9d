"""Link preview cards and trending links through a real `caravan serve`, driven by Mastodon.py: a post's `card`
appears once the worker fetched the page from a loopback website (also in the home timeline, served from the
status cache), its image is Caravan's stripped copy, and trends/links and timelines/link count public posts
only."""

import io
import uuid

import pytest
import requests
from mastodon import Mastodon
from PIL import Image

from tests.api.conftest import LIMITS_OFF, PASSWORD, running_server, wait_until
from tests.previews.site import running_site


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


@pytest.fixture(scope="module")
def cards_server(tmp_path_factory):
    env = {**LIMITS_OFF, "CARAVAN_FEDERATION_ALLOW_PRIVATE": "1", "CARAVAN_PREVIEW_TREND_MIN_ACCOUNTS": "2"}
    with running_server(tmp_path_factory.mktemp("cards-api"), env) as base:
        yield base


@pytest.fixture(scope="module")
def person(cards_server):
    client_id, client_secret = Mastodon.create_app(
        "Card tests", api_base_url=cards_server, scopes=["read", "write", "follow"]
    )

    def make() -> Mastodon:
        username = f"c{uuid.uuid4().hex[:8]}"
        app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=cards_server)
        token = app.create_account(
            username, PASSWORD, f"{username}@example.org", agreement=True, scopes=["read", "write", "follow"]
        )
        return Mastodon(access_token=token, api_base_url=cards_server, request_timeout=30)

    return make


def test_a_posted_link_gets_its_card_in_the_status_and_the_home_timeline(cards_server, site, person):
    alice = person()
    status = alice.status_post(f"A good read: {site.base}/article")
    alice.timeline_home()  # most likely caches the status before its card is fetched: the card must still show
    card = wait_until(lambda: alice.status(status["id"])["card"], timeout=20)
    assert card["title"] == "A caravan crosses the desert" and card["url"] == f"{site.base}/article"
    assert card["provider_name"] == "Desert News" and card["type"] == "link"
    assert card["authors"] == [{"name": "Layla", "url": "", "account": None}]
    assert (
        card["image"].startswith(cards_server) and card["blurhash"] and card["image_description"] == "Camels"
    )
    picture = requests.get(card["image"], timeout=10)
    assert picture.status_code == 200 and b"SpyCam" not in picture.content
    assert not Image.open(io.BytesIO(picture.content)).getexif()
    # The home timeline (status cache) shows it too, at once in this process.
    assert alice.timeline_home()[0]["card"]["title"] == card["title"]


def test_trending_links_and_the_link_timeline_count_public_posts_only(cards_server, site, person):
    ann, ben, cat = person(), person(), person()
    public = [(ann, ann.status_post(f"{site.base}/plain")), (ben, ben.status_post(f"Also {site.base}/plain"))]
    # The video is shared by three accounts, but unlisted, for followers or mentioned people: never trends.
    hidden = [
        (ann, ann.status_post(f"{site.base}/video", visibility="private")),
        (cat, cat.status_post(f"{site.base}/video", visibility="direct")),
        (ben, ben.status_post(f"{site.base}/video", visibility="unlisted")),
    ]
    for author, status in public + hidden:  # every post shows its card to those who may read it
        wait_until(lambda author=author, status=status: author.status(status["id"])["card"], timeout=20)
    links = wait_until(
        lambda: [
            link
            for link in requests.get(f"{cards_server}/api/v1/trends/links", timeout=10).json()
            if link["url"] == f"{site.base}/plain"
        ],
        timeout=20,
    )
    assert links[0]["title"] == "Plain title bold & more"
    assert links[0]["history"][0]["accounts"] == "2" and links[0]["history"][0]["uses"] == "2"
    assert all(link["url"] != f"{site.base}/video" for link in cat.trending_links())
    headers = {"Authorization": f"Bearer {cat.access_token}"}
    shown = requests.get(
        f"{cards_server}/api/v1/timelines/link",
        params={"url": f"{site.base}/plain"},
        headers=headers,
        timeout=10,
    )
    assert shown.status_code == 200
    assert sorted(s["id"] for s in shown.json()) == sorted(status["id"] for _, status in public)
    private_link = requests.get(
        f"{cards_server}/api/v1/timelines/link",
        params={"url": f"{site.base}/video"},
        headers=headers,
        timeout=10,
    )
    assert private_link.status_code == 404 and "error" in private_link.json()
    missing = requests.get(f"{cards_server}/api/v1/timelines/link", headers=headers, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] == "url is required"
