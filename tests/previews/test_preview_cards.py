"""Link preview cards fetched from a real website on loopback: what a card holds, what is never kept, and the
limits that hold against hostile pages (giant, slow, redirect loops, private addresses, hostile images)."""

import io
import time

import pytest
from PIL import Image

from caravan.federation import network
from caravan.posts.models import Post
from caravan.previews import services
from caravan.previews.links import first_link, normalize_url
from caravan.previews.models import PostCard, PreviewCard
from caravan.publishing import create_post, edit_post
from tests.previews.site import BIDI_TITLE, running_site


@pytest.fixture
def site(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True, PREVIEW_FETCH_SECONDS=3.0)
    with running_site() as running:
        yield running


def _card_of(post: Post) -> PreviewCard | None:
    link = PostCard.objects.filter(post_id=post.id).select_related("card").first()
    return link.card if link else None


def _post_and_fetch(author, text: str, run_tasks) -> Post:
    post = create_post(author, text)
    run_tasks()
    return post


def test_an_opengraph_page_gives_a_card_with_its_photo_stripped_of_metadata(site, make_account, run_tasks):
    alice = make_account("alice")
    post = _post_and_fetch(alice, f"Worth reading {site.base}/article today", run_tasks)
    card = _card_of(post)
    assert card is not None and card.url == f"{site.base}/article"
    assert card.title == "A caravan crosses the desert"
    assert card.description == "Forty camels and a map."
    assert card.provider_name == "Desert News" and card.author_name == "Layla"
    assert card.type == "link" and card.language == "en" and card.published_at.year == 2026
    assert card.image_description == "Camels" and card.blurhash
    with card.image.open("rb") as stored:
        data = stored.read()
    assert b"SpyCam" not in data and b"GPS" not in data
    picture = Image.open(io.BytesIO(data))
    assert not picture.getexif() and picture.format == "JPEG"


def test_a_second_post_with_the_same_link_reuses_the_card(site, make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    first = _post_and_fetch(alice, f"{site.base}/article", run_tasks)
    second = _post_and_fetch(bob, f"Same: {site.base}/article#comments", run_tasks)
    assert _card_of(first).id == _card_of(second).id
    assert PreviewCard.objects.count() == 1
    assert site.count("/article") == 1 and site.count("/photo.jpg") == 1


def test_an_oembed_video_keeps_only_an_iframe_caravan_writes(site, make_account, run_tasks):
    post = _post_and_fetch(make_account("alice"), f"{site.base}/video", run_tasks)
    card = _card_of(post)
    assert card.type == "video" and card.title == "Dunes at dusk" and card.author_name == "Omar"
    assert card.embed_url == "https://video.example/embed/1"
    assert card.html.startswith('<iframe src="https://video.example/embed/1"') and "sandbox=" in card.html
    assert "<script" not in card.html and "onload" not in card.html
    assert card.provider_url == ""  # javascript: is no link


def test_a_title_only_page_gives_plain_text_without_bidi_controls(site, make_account, run_tasks):
    post = _post_and_fetch(make_account("alice"), f"{site.base}/plain", run_tasks)
    card = _card_of(post)
    assert card.title == "Plain title bold & more"
    assert "\u202e" not in card.title and card.title != BIDI_TITLE


def test_a_redirect_chain_is_followed_and_a_loop_is_not(site, make_account, run_tasks):
    alice = make_account("alice")
    chained = _post_and_fetch(alice, f"{site.base}/redirect/2", run_tasks)
    assert _card_of(chained).title == "A caravan crosses the desert"
    looped = _post_and_fetch(alice, f"{site.base}/loop", run_tasks)
    assert _card_of(looped) is None
    assert "redirects" in PreviewCard.objects.get(url=f"{site.base}/loop").error
    assert site.count("/loop") == 4  # the first request and three redirects


def test_private_addresses_are_never_fetched_while_the_rule_is_on(
    site, make_account, run_tasks, caravan_settings
):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
    port = site.server.server_address[1]
    for form in ("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "0x7f.1"):
        post = _post_and_fetch(
            make_account(f"u{len(site.hits)}{form[:3]}".replace(".", "").replace("[", "").replace(":", "")),
            f"http://{form}:{port}/article",
            run_tasks,
        )
        assert _card_of(post) is None
    assert site.hits == []
    assert all("refused" in card.error for card in PreviewCard.objects.all())


def test_a_redirect_to_a_private_address_is_not_followed(
    make_account, run_tasks, caravan_settings, monkeypatch
):
    """127.0.0.2 stands in for a public server (nothing may leave loopback); it redirects to 127.0.0.1."""
    public = network.is_public_address
    monkeypatch.setattr(
        network, "is_public_address", lambda address: str(address) == "127.0.0.2" or public(address)
    )
    caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
    with running_site("127.0.0.2") as first, running_site() as private:
        first.redirect_to = f"{private.base}/article"
        post = _post_and_fetch(make_account("alice"), f"{first.base}/elsewhere", run_tasks)
        assert _card_of(post) is None
        assert first.hits == ["/elsewhere"] and private.hits == []
        assert "refused" in PreviewCard.objects.get().error


def test_oversized_slow_and_non_html_pages_give_no_card(site, make_account, run_tasks, caravan_settings):
    caravan_settings(PREVIEW_FETCH_SECONDS=1.0)
    alice = make_account("alice")
    started = time.monotonic()
    for path in ("/huge", "/slow", "/file.bin"):
        post = _post_and_fetch(alice, f"{site.base}{path}", run_tasks)
        assert _card_of(post) is None
    assert time.monotonic() - started < 8  # the slow page ended at its deadline
    errors = {card.url.rsplit("/", 1)[1]: card.error for card in PreviewCard.objects.all()}
    assert "larger than" in errors["huge"]
    assert "too slow" in errors["slow"]
    assert "not what was asked for" in errors["file.bin"]


@pytest.mark.parametrize("path", ["/js-image", "/not-an-image", "/giant-image"])
def test_hostile_images_leave_the_card_without_a_picture(site, make_account, run_tasks, path):
    post = _post_and_fetch(make_account("alice"), f"{site.base}{path}", run_tasks)
    card = _card_of(post)
    assert card is not None and card.title and not card.image and not card.blurhash
    if path == "/js-image":  # markup in a title is kept as text, escaped where shown
        assert card.title == "<img src=x onerror=alert(1)> Script image"


def test_mentions_hashtags_media_and_boosts_get_no_card(site, make_account, run_tasks):
    alice = make_account("alice")
    make_account("bob")
    post = _post_and_fetch(alice, "Hello @bob, see #camels", run_tasks)
    assert _card_of(post) is None and not site.hits
    html = (
        '<p><a href="https://x.example/@bob" class="u-url mention">@bob</a> '
        '<a href="https://x.example/tags/a" rel="tag">#a</a> <a href="javascript:alert(1)">x</a> '
        '<a href="https://NEWS.example:443/story?id=1#top">story</a></p>'
    )
    assert first_link(html) == "https://news.example/story?id=1"
    quoting = (
        '<p class="quote-inline">RE: <a href="https://x.example/@bob/1"><span>x.example/@bob/1</span></a></p>'
        '<p>Agreed, and <a href="https://news.example/more">more</a></p>'
    )
    assert first_link(quoting) == "https://news.example/more"
    assert (
        normalize_url("ftp://example.org/") == ""
        and normalize_url("HTTP://Example.org") == "http://example.org/"
    )


def test_an_edit_that_drops_the_link_drops_the_card_and_a_new_link_gets_its_own(
    site, make_account, run_tasks
):
    alice = make_account("alice")
    post = _post_and_fetch(alice, f"{site.base}/article", run_tasks)
    assert _card_of(post) is not None
    edit_post(post, alice, "no link any more")
    run_tasks()
    assert _card_of(post) is None
    edit_post(Post.objects.get(pk=post.id), alice, f"now {site.base}/plain")
    run_tasks()
    assert _card_of(post).url == f"{site.base}/plain"


def test_cards_are_off_when_the_setting_says_so(site, make_account, run_tasks, caravan_settings):
    caravan_settings(PREVIEW_CARDS=False)
    post = _post_and_fetch(make_account("alice"), f"{site.base}/article", run_tasks)
    assert _card_of(post) is None and site.hits == []


def test_a_stale_card_is_fetched_again(site, make_account, run_tasks):
    alice = make_account("alice")
    _post_and_fetch(alice, f"{site.base}/article", run_tasks)
    PreviewCard.objects.update(fetched_at=PreviewCard.objects.get().fetched_at - services.CARD_TTL)
    _post_and_fetch(alice, f"again {site.base}/article", run_tasks)
    assert site.count("/article") == 2 and PreviewCard.objects.count() == 1
