"""Real headless Chromium against a live Caravan: two people sign up, one follows the other and sees the
other's post, in English and in Arabic (right to left)."""

import pytest

from tests.web.served import launched_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/caravan-arabic-phone.png"  # noqa: S108 - looked at by a person, not read back


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


def sign_in(browser, base: str, username: str, landing: str = "/home", **options):  # noqa: F811 - the fixture's name
    """A new browser context signed in as `username` (password: make_user's default) through the real form;
    `options` go to the context (locale, viewport, JavaScript)."""
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/auth/sign_in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse battery")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}{landing}")
    return page


def sign_up(page, base: str, username: str) -> None:
    page.goto(f"{base}/auth/sign_up")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "a long passphrase")
    page.check("input[name=agreement]")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/home")


def follow_and_read(browser, base: str, run_tasks, *, locale: str, text: str, viewport=None, javascript=True):
    """Two people sign up; B follows A; A posts `text`; B finds it on B's home timeline. Returns B's page."""
    options = {
        "locale": locale,
        "extra_http_headers": {"Accept-Language": locale},
        "java_script_enabled": javascript,
    }
    if viewport:
        options["viewport"] = viewport
    author = browser.new_context(**options).new_page()
    reader = browser.new_context(**options).new_page()
    author.set_default_timeout(15_000)
    reader.set_default_timeout(15_000)
    name_a, name_b = f"writer_{locale}", f"reader_{locale}"
    sign_up(author, base, name_a)
    sign_up(reader, base, name_b)
    reader.goto(f"{base}/@{name_a}")
    reader.click("form[action$='/follow'] button")
    reader.wait_for_selector("form[action$='/unfollow']")
    author.goto(f"{base}/home")
    assert author.locator("textarea[name=text]").count() == 0  # home has a New post button, not the form
    author.click("a.new-post")
    author.wait_for_url(f"{base}/compose")
    author.fill("textarea[name=text]", text)
    author.click("form.compose button[type=submit]")
    author.wait_for_selector("article.post.focus")
    run_tasks()  # the fan-out task the embedded worker would run
    reader.goto(f"{base}/home")
    reader.wait_for_selector(f"article.post >> text={text}")
    return reader


def test_follow_and_see_a_post_in_english_without_javascript(browser, live_server, run_tasks):
    # Every core flow is a plain form, so it must work with scripts off.
    reader = follow_and_read(
        browser, live_server.url, run_tasks, locale="en", text="Hello from the caravan", javascript=False
    )
    assert reader.locator("html").get_attribute("dir") == "ltr"
    assert reader.locator("nav.nav").inner_text().count("Home") == 1


def test_follow_and_see_a_post_in_arabic_right_to_left(browser, live_server, run_tasks):
    text = "مرحبا من القافلة"
    reader = follow_and_read(
        browser, live_server.url, run_tasks, locale="ar", text=text, viewport={"width": 390, "height": 844}
    )
    html = reader.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    nav = reader.locator("nav.nav").inner_text()
    assert "الرئيسية" in nav and "الإشعارات" in nav
    reader.click("nav.nav details.nav-more summary")
    assert "تسجيل الخروج" in reader.locator("nav.nav").inner_text()
    assert reader.locator("a.new-post").text_content().strip() == "منشور جديد"
    # Right to left for real: the start edge is the right one, so the brand and the post text sit there.
    reader.screenshot(path=SCREENSHOT, full_page=True)
    brand = reader.locator(".site-header a.brand").bounding_box()
    assert brand["x"] + brand["width"] > 390 - 40
    body = reader.locator("article.post .content p").first.bounding_box()
    assert body["x"] + body["width"] > 390 - 60
    # And nothing is wider than a phone.
    assert reader.evaluate("document.documentElement.scrollWidth") <= 390
