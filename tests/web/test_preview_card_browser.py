"""Real headless Chromium: a post's link card on its page, in English and in Arabic. The card shows the picture
Caravan keeps, the title and the site; a title holding markup shows as text; in Arabic the card runs right to
left (picture at the inline start, on the right)."""

import pytest

from caravan.publishing import create_post
from caravan.worker import run_pending_tasks
from tests.previews.site import running_site
from tests.web.test_browser import browser  # noqa: F401 - the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_link_cards_on_post_pages_in_english_and_arabic(browser, live_server, make_account, caravan_settings):  # noqa: F811
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
    base = live_server.url
    alice = make_account("alice")
    with running_site() as site:
        article = create_post(alice, f"Read this {site.base}/article")
        arabic = create_post(alice, f"اقرأ هذا {site.base}/arabic")
        hostile = create_post(alice, f"{site.base}/js-image")
        run_pending_tasks()

    english = browser.new_page(locale="en", extra_http_headers={"Accept-Language": "en"})
    english.goto(f"{base}/@alice/{article.id}")
    card = english.locator(f"#post-{article.id} a.link-card")
    assert card.get_attribute("href") == f"{site.base}/article"
    assert "A caravan crosses the desert" in card.inner_text() and "Desert News" in card.inner_text()
    picture = card.locator("img")
    assert (
        picture.get_attribute("src").startswith("/media/cards/") and picture.get_attribute("alt") == "Camels"
    )
    text_box, image_box = card.locator(".link-card-text").bounding_box(), picture.bounding_box()
    assert image_box["x"] < text_box["x"]  # left to right: the picture first, on the left

    english.goto(f"{base}/@alice/{hostile.id}")
    hostile_card = english.locator(f"#post-{hostile.id} a.link-card")
    assert "<img src=x onerror=alert(1)> Script image" in hostile_card.inner_text()
    assert hostile_card.locator("img").count() == 0  # javascript: was no picture, and the title no markup
    assert english.locator("img[onerror]").count() == 0

    page = browser.new_page(locale="ar", extra_http_headers={"Accept-Language": "ar"})
    page.goto(f"{base}/@alice/{arabic.id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    card = page.locator(f"#post-{arabic.id} a.link-card")
    assert card.get_attribute("lang") == "ar"
    assert "قافلة تعبر الصحراء" in card.inner_text() and "أخبار الصحراء" in card.inner_text()
    text_box, image_box = card.locator(".link-card-text").bounding_box(), card.locator("img").bounding_box()
    assert image_box["x"] > text_box["x"]  # right to left: the picture first, on the right
