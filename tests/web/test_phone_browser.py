"""The phone-first web pages on `caravan serve`, in English and Arabic at desktop and phone sizes: the bottom
navigation, writing a post through the New post button (images previewed, a reminder for an image without a
description, a content warning hiding the poll and the images), the media viewer, the post actions' accessible
names, replies naming what they answer, a content warning hiding a poll, asking before deleting (with and without JavaScript) and the password
that moving an account needs."""

import io

import pytest
import requests
from PIL import Image

from tests.web.served import DESKTOP, LOOK_IDS, LOOKS, unique

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "home": "Home",
        "notifications": "Notifications",
        "more": "More",
        "new_post": "New post",
        "reply0": "Reply, 0 replies so far",
        "reply1": "Reply, 1 reply so far",
        "boost0": "Boost, 0 boosts",
        "favourite0": "Favourite, 0 favourites",
        "favourite1": "Favourite, 1 favourite",
        "bookmark": "Bookmark",
        "no_alt": "This image has no description.",
        "reminder": "Some images have no description.",
        "replying": "Replying to",
        "delete_title": "Delete this post?",
        "delete_button": "Delete the post",
        "wrong_password": "That password is not right.",
    },
    "ar": {
        "home": "الرئيسية",
        "notifications": "الإشعارات",
        "more": "المزيد",
        "new_post": "منشور جديد",
        "reply0": "رد، لا ردود بعد",
        "reply1": "رد، ردّ واحد حتى الآن",
        "boost0": "إعادة نشر، لا إعادات نشر",
        "favourite0": "تفضيل، لا تفضيلات",
        "favourite1": "تفضيل، تفضيل واحد",
        "bookmark": "حفظ",
        "no_alt": "هذه الصورة بلا وصف.",
        "reminder": "بعض الصور بلا وصف",
        "replying": "ردًّا على",
        "delete_title": "أتحذف هذا المنشور؟",
        "delete_button": "احذف المنشور",
        "wrong_password": "كلمة المرور هذه غير صحيحة.",
    },
}


def png(color: str) -> dict:
    """A tiny PNG as Playwright's set_input_files takes it."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return {"name": f"{color}.png", "mimeType": "image/png", "buffer": out.getvalue()}


def fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_writing_through_the_new_post_button_and_viewing_the_post(site, chromium, locale, viewport):
    words = WORDS[locale]
    phone = viewport != DESKTOP
    person = site.person(unique("pat"))
    page = site.page(chromium, person, locale=locale, viewport=viewport)

    # Home: the navigation with its labels, at the bottom on a phone and at the top on a desktop; no form.
    nav = page.locator("nav.nav")
    for label in (words["home"], words["notifications"], words["more"]):
        assert nav.locator(".nav-label", has_text=label).is_visible()
    box = nav.bounding_box()
    if phone:
        assert box["y"] + box["height"] >= viewport["height"] - 2 and box["width"] >= viewport["width"] - 2
    else:
        assert box["y"] < 80
    assert page.locator("textarea[name=text]").count() == 0
    button = page.locator("a.new-post")
    assert button.get_attribute("href") == "/compose" and button.text_content().strip() == words["new_post"]
    fits(page, viewport)

    # Compose: two images (one described) under a content warning; the reminder asks once.
    button.click()
    page.wait_for_url(f"{site.base}/compose")
    page.fill("input[name=spoiler_text]", "spoilers")
    page.fill("textarea[name=text]", "the finale, in pictures")
    page.click("form.compose details:has(input[type=file]) > summary")
    assert page.locator("fieldset.image-slot img.preview:visible").count() == 0
    page.set_input_files("input[name=media_1]", png("red"))
    page.set_input_files("input[name=media_2]", png("blue"))
    page.fill("input[name=description_1]", "a red square")
    assert page.locator("fieldset.image-slot img.preview:visible").count() == 2
    page.click("form.compose button[type=submit]")
    reminder = page.locator(".alt-reminder")
    reminder.wait_for(state="visible")
    assert words["reminder"] in reminder.inner_text() and page.url == f"{site.base}/compose"
    fits(page, viewport)
    page.click("form.compose button[type=submit]")  # publish anyway
    post = page.locator("article.post.focus")
    post.wait_for()

    # The content warning hides the text and the images until opened.
    assert not post.locator(".media").is_visible() and not post.locator(".content").is_visible()
    post.locator("details.cw > summary").click()
    assert post.locator(".media").is_visible()
    assert post.locator(".media .alt-badge").count() == 1  # only the described image

    # The media viewer: opens on the image, shows its description, the arrows move, Esc closes.
    post.locator(".media a.media-item").first.click()
    viewer = page.locator("dialog.media-viewer")
    viewer.wait_for(state="visible")
    assert viewer.locator(".viewer-alt").inner_text() == "a red square"
    page.keyboard.press("ArrowRight")
    assert viewer.locator(".viewer-alt").inner_text() == words["no_alt"]
    page.keyboard.press("ArrowLeft")
    assert viewer.locator(".viewer-alt").inner_text() == "a red square"
    page.keyboard.press("Escape")
    viewer.wait_for(state="hidden")

    # The actions are icon buttons whose names say the action and the count; pressing one says so.
    assert post.get_by_role("link", name=words["reply0"]).is_visible()
    # Icons that point along the line (reply, quote) are drawn mirrored on a right-to-left page, others not.
    mirrored = "matrix(-1, 0, 0, 1, 0, 0)"
    transform = "el => getComputedStyle(el).transform"
    for selector, turns in (
        ("a.reply svg.icon", True),
        ("a.quote-action svg.icon", True),
        ("button.boost svg.icon", False),
    ):
        shown = post.locator(selector).evaluate(transform)
        assert (shown == mirrored) == (turns and locale == "ar"), (selector, shown)
    assert post.get_by_role("button", name=words["boost0"]).get_attribute("aria-pressed") == "false"
    assert post.get_by_role("button", name=words["bookmark"]).get_attribute("aria-pressed") == "false"
    post.get_by_role("button", name=words["favourite0"]).click()
    pressed = page.locator("article.post.focus").get_by_role("button", name=words["favourite1"])
    pressed.wait_for()
    assert pressed.get_attribute("aria-pressed") == "true"
    fits(page, viewport)
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_replies_name_their_parent_delete_asks_first_and_moving_needs_the_password(
    site, chromium, locale, viewport
):
    words = WORDS[locale]
    javascript = viewport == DESKTOP  # the dialog on desktops, the confirm page with scripts off on phones
    author, other = site.person(unique("ann")), site.person(unique("bo"))
    post = author.api.status_post(
        "a poll to delete",
        spoiler_text="a question",
        poll=author.api.make_poll(["yes", "no"], expires_in=3600),
    )
    other.api.status_post(f"@{author.username} a reply", in_reply_to_id=post["id"])
    page = site.page(chromium, author, locale=locale, viewport=viewport, javascript=javascript)
    path = f"/@{author.username}/{post['id']}"
    page.goto(f"{site.base}{path}")

    # The reply's mention is news: the navigation's Notifications entry shows the unread count.
    assert page.locator("nav.nav a[href='/notifications'] .badge").is_visible()
    # Only the opened post is marked; the reply below it says what it answers, linking there.
    assert page.locator("article.post.focus").count() == 1
    focused = page.locator("article.post.focus")
    assert focused.get_by_role("link", name=words["reply1"]).is_visible()
    replying = page.locator("article.post:not(.focus) .reply-to a")
    assert words["replying"] in replying.inner_text() and author.username in replying.inner_text()
    assert replying.get_attribute("href") == path
    # Its content warning hides the poll too, until opened.
    assert not focused.locator(".poll").is_visible()
    focused.locator("details.cw > summary").click()
    assert focused.locator(".poll").is_visible()
    fits(page, viewport)

    # Delete sits in the More menu and asks first.
    focused.locator("details.post-more > summary").click()
    focused.locator("a.delete").click()
    if javascript:
        dialog = page.locator("dialog.confirm-dialog")
        dialog.wait_for(state="visible")
        assert page.url == f"{site.base}{path}"
        assert dialog.locator("h1").inner_text() == words["delete_title"]
        dialog.get_by_role("button", name=words["delete_button"]).click()
    else:
        page.wait_for_url(f"{site.base}/posts/{post['id']}/delete?**")
        assert page.locator(".confirm h1").inner_text() == words["delete_title"]
        assert requests.get(f"{site.base}/api/v1/statuses/{post['id']}", timeout=30).status_code == 200
        fits(page, viewport)
        page.get_by_role("button", name=words["delete_button"]).click()
    page.wait_for_url(f"{site.base}/@{author.username}")  # not the deleted post's page
    assert requests.get(f"{site.base}/api/v1/statuses/{post['id']}", timeout=30).status_code == 404

    # Moving the account needs the current password, said beside the form.
    page.goto(f"{site.base}/settings/migration")
    page.fill("#target", f"{other.username}@example.org")
    page.fill("#move-password", "not my password")
    page.click(".move-form button[type=submit]")
    page.locator(".move-form .errors").wait_for()
    assert page.locator(".move-form .errors").inner_text().strip() == words["wrong_password"]
    assert page.locator("#move-password").get_attribute("aria-invalid") == "true"
    fits(page, viewport)
    page.context.close()
