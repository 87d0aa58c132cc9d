"""Quoting in real headless Chromium without JavaScript, in English and in Arabic: the Quote link opens a
prefilled compose page showing the post, the quote policy is chosen there, the published post shows the quoted
post inside it (names isolated, right-to-left in Arabic), a post nobody may quote has no Quote link, and the
quoted author removes their post from the quote."""

import pytest

from caravan import publishing
from caravan.posts.models import Post, Quote
from tests.web.test_browser import browser, sign_in  # noqa: F401 - browser: the fixture, found by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "en",
            {
                "quote": "Quote",
                "wrote": "wrote:",
                "remove": "Remove my post from this quote",
                "removed": "The author removed their post from this quote.",
                "nobody": "Just you",
            },
        ),
        (
            "ar",
            {
                "quote": "اقتباس",
                "wrote": "كتب",
                "remove": "أزل منشوري من هذا الاقتباس",
                "removed": "أزال الكاتب منشوره من هذا الاقتباس.",
                "nobody": "أنت فقط",
            },
        ),
    ],
)
def test_quoting_and_revoking_without_javascript(browser, live_server, make_user, locale, words):  # noqa: F811
    base = live_server.url
    make_user("jane")
    bob = make_user("bob").account
    bob.display_name = "\u202eBob\u202c باسم"  # a bidi trick in the name must stay inside its own box
    bob.save()
    original = publishing.create_post(bob, "The original thought, worth quoting")
    closed = publishing.create_post(bob, "Not for quoting", quote_policy="nobody")
    options = {
        "locale": locale,
        "extra_http_headers": {"Accept-Language": locale},
        "java_script_enabled": False,
    }
    jane = sign_in(browser, base, "jane", **options)

    jane.goto(f"{base}/@bob/{closed.id}")
    assert jane.locator(f"#post-{closed.id} a.quote-action").count() == 0
    jane.goto(f"{base}/@bob/{original.id}")
    jane.locator(f"#post-{original.id} a.quote-action", has_text=words["quote"]).click()
    jane.wait_for_url(f"{base}/compose?quote={original.id}")
    assert "The original thought" in jane.locator("main").inner_text()  # the post being quoted is shown
    assert jane.locator("input[name=quote]").input_value() == str(original.id)
    jane.fill("#id_text", "I agree with this" if locale == "en" else "أوافق على هذا")
    jane.select_option("#id_quote_policy", "nobody")
    assert words["nobody"] in jane.locator("#id_quote_policy").inner_text()
    jane.click("form.compose > p > button[type=submit]")
    jane.wait_for_url(f"{base}/@jane/*")
    quoting = Post.objects.filter(account__username="jane").get()
    assert quoting.quote_policy == "nobody"
    assert Quote.objects.get(post=quoting).quoted_post_id == original.id
    shown = jane.locator(f"#post-{quoting.id} blockquote.quoted-post")
    assert "The original thought" in shown.inner_text() and words["wrote"] in shown.inner_text()
    assert shown.locator("bdi").count() >= 1  # the quoted author's name is isolated
    if locale == "ar":
        assert jane.locator("html").get_attribute("dir") == "rtl"

    bob_page = sign_in(browser, base, "bob", **options)
    bob_page.goto(f"{base}/@jane/{quoting.id}")
    bob_page.locator(f"#post-{quoting.id} button", has_text=words["remove"]).click()
    bob_page.wait_for_url(f"{base}/@jane/{quoting.id}")
    for page in (bob_page, jane):
        page.goto(f"{base}/@jane/{quoting.id}")
        card = page.locator(f"#post-{quoting.id}")
        assert words["removed"] in card.inner_text()
        assert "The original thought" not in card.inner_text()
    assert Quote.objects.get(post=quoting).state == "revoked"
