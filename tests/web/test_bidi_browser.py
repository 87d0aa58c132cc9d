"""Right-to-left done properly, measured in Chromium on `caravan serve`: where each part of a mixed post is drawn
(bounding boxes of its characters, not just a `dir` attribute) in an Arabic page and an English page, and the
reader's digits, Hijri date and time zone once chosen on /settings/preferences."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from caravan.hijri import to_hijri
from caravan.web.display import EASTERN_DIGITS, HIJRI_MONTHS
from tests.web.served import LOOK_IDS, LOOKS, unique

pytestmark = pytest.mark.browser

SLACK = 1.5  # px: rounding of glyph boxes

# The boxes of the characters of `needle` in the element `selector`, in logical order; text hidden by CSS (the
# "https://" of a link) is left out. A needle may cross elements ("@" and "omar" are in different nodes).
CHAR_BOXES = """([selector, needle]) => {
  const root = document.querySelector(selector);
  if (!root) return null;
  const nodes = [];
  let text = "";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.getClientRects().length) continue;
    nodes.push([node, text.length]);
    text += node.data;
  }
  const start = text.indexOf(needle);
  if (start < 0) return null;
  const boxes = [];
  for (let i = start; i < start + needle.length; i++) {
    let k = nodes.length - 1;
    while (nodes[k][1] > i) k--;
    const [node, offset] = nodes[k];
    const range = document.createRange();
    range.setStart(node, i - offset);
    range.setEnd(node, i - offset + 1);
    const box = range.getBoundingClientRect();
    boxes.push({left: box.left, right: box.right, top: box.top, bottom: box.bottom});
  }
  return boxes;
}"""

BOX = """(selector) => {
  const element = document.querySelector(selector);
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return {left: box.left + parseFloat(style.paddingLeft), right: box.right - parseFloat(style.paddingRight),
          direction: style.direction};
}"""


class Measured:
    def __init__(self, page):
        self.page = page

    def chars(self, selector: str, needle: str) -> list[dict]:
        boxes = self.page.evaluate(CHAR_BOXES, [selector, needle])
        assert boxes, f"{needle!r} not shown in {selector}"
        return boxes

    def span(self, selector: str, needle: str) -> tuple[float, float]:
        boxes = self.chars(selector, needle)
        return min(b["left"] for b in boxes), max(b["right"] for b in boxes)

    def box(self, selector: str) -> dict:
        return self.page.evaluate(BOX, selector)


def centres(boxes: list[dict]) -> list[float]:
    return [(b["left"] + b["right"]) / 2 for b in boxes]


def reads_left_to_right(boxes: list[dict]) -> bool:
    xs = centres(boxes)
    return all(a < b for a, b in zip(xs, xs[1:], strict=False))


def reads_right_to_left(boxes: list[dict]) -> bool:
    xs = centres(boxes)
    return all(a > b for a, b in zip(xs, xs[1:], strict=False))


def one_line(boxes: list[dict]) -> bool:
    return max(b["top"] for b in boxes) - min(b["top"] for b in boxes) < 4


@pytest.fixture(scope="module")
def mixed(site):
    """Omar (an Arabic display name) writes a set of mixed posts on one page (/@omar/with_replies) and boosts
    one of Layla's."""
    layla = site.person(unique("layla"))
    omar = site.person(unique("omar"))
    omar.api.account_update_credentials(display_name="عمر")
    greeting = layla.api.status_post("Good morning, friends")
    posts = {
        "arabic_reply": omar.api.status_post(
            f"@{layla.username} مرحبا يا صديقتي", in_reply_to_id=greeting["id"]
        ),
        "english_reply": omar.api.status_post(
            f"@{layla.username} hello there", in_reply_to_id=greeting["id"]
        ),
        "url": omar.api.status_post("اقرأ الرابط https://example.com/page ثم أخبريني"),
        "hashtag": omar.api.status_post("أحب #القهوة كثيرا"),
        "numbers": omar.api.status_post("وصل 2024 شخصا"),
        "phone": omar.api.status_post("اتصلي على +966 55 123 4567 اليوم"),
    }
    omar.api.status_reblog(greeting["id"])
    return {
        "layla": layla,
        "omar": omar,
        "ids": {name: post["id"] for name, post in posts.items()},
        "boosted": greeting["id"],
        "path": f"/@{omar.username}/with_replies",
    }


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_mixed_posts_are_laid_out_by_their_own_text(site, chromium, mixed, locale, viewport):
    viewer = site.person(unique("reader"))
    page = site.page(chromium, viewer, locale=locale, viewport=viewport, javascript=False)
    page.goto(site.base + mixed["path"])
    measured = Measured(page)
    ids, mention = mixed["ids"], "@" + mixed["layla"].username

    # An Arabic reply that starts with a mention is right to left: the mention is at the line's right end and
    # reads "@layla" left to right, the Arabic words to its left read right to left.
    paragraph = f"#post-{ids['arabic_reply']} .content p"
    line = measured.box(paragraph)
    assert line["direction"] == "rtl"
    at_name = measured.chars(paragraph, mention)
    assert reads_left_to_right(at_name) and one_line(at_name)
    assert abs(max(b["right"] for b in at_name) - line["right"]) <= SLACK
    hello = measured.chars(paragraph, "مرحبا")
    assert reads_right_to_left(hello)
    assert max(b["right"] for b in hello) <= min(b["left"] for b in at_name) + SLACK

    # An English reply that starts with a mention is left to right, on an Arabic page too.
    paragraph = f"#post-{ids['english_reply']} .content p"
    line = measured.box(paragraph)
    assert line["direction"] == "ltr"
    at_name = measured.chars(paragraph, mention)
    assert reads_left_to_right(at_name)
    assert abs(min(b["left"] for b in at_name) - line["left"]) <= SLACK
    assert measured.span(paragraph, "hello")[0] >= max(b["right"] for b in at_name) - SLACK

    # A URL in the middle of Arabic: what comes before it is to its right, what follows to its left, and the
    # address itself reads left to right.
    paragraph = f"#post-{ids['url']} .content p"
    assert measured.box(paragraph)["direction"] == "rtl"
    address = measured.chars(paragraph, "example.com/page")
    assert reads_left_to_right(address) and one_line(address)
    url_left, url_right = measured.span(paragraph, "example.com/page")
    assert measured.span(paragraph, "الرابط")[0] >= url_right - SLACK
    assert measured.span(paragraph, "أخبريني")[1] <= url_left + SLACK

    # A hashtag in Arabic text: "#القهوة" with its "#" on the right, between the words around it.
    paragraph = f"#post-{ids['hashtag']} .content p"
    assert measured.box(paragraph)["direction"] == "rtl"
    tag = measured.chars(paragraph, "#القهوة")
    assert tag[0]["left"] >= max(b["right"] for b in tag[1:]) - SLACK
    assert reads_right_to_left(tag[1:])
    tag_left, tag_right = min(b["left"] for b in tag), max(b["right"] for b in tag)
    assert measured.span(paragraph, "أحب")[0] >= tag_right - SLACK
    assert measured.span(paragraph, "كثيرا")[1] <= tag_left + SLACK

    # A number in Arabic text keeps its digits' order and its place between the words.
    paragraph = f"#post-{ids['numbers']} .content p"
    assert measured.box(paragraph)["direction"] == "rtl"
    number = measured.chars(paragraph, "2024")
    assert reads_left_to_right(number)
    number_left, number_right = measured.span(paragraph, "2024")
    assert measured.span(paragraph, "وصل")[0] >= number_right - SLACK
    assert measured.span(paragraph, "شخصا")[1] <= number_left + SLACK

    # A phone number in Arabic text stays one left-to-right piece: "+966" first, its groups in order.
    paragraph = f"#post-{ids['phone']} .content p"
    number = measured.chars(paragraph, "+966 55 123 4567")
    assert reads_left_to_right(number) and one_line(number)
    number_left, number_right = measured.span(paragraph, "+966 55 123 4567")
    assert measured.span(paragraph, "على")[0] >= number_right - SLACK
    assert measured.span(paragraph, "اليوم")[1] <= number_left + SLACK

    # "عمر boosted": the Arabic name is one isolated piece at the start of the page's sentence (left in English,
    # right in Arabic), its letters right to left.
    line = f"#post-{mixed['boosted']} .boosted-by"
    name = measured.chars(line, "عمر")
    assert reads_right_to_left(name)
    name_left, name_right = min(b["left"] for b in name), max(b["right"] for b in name)
    if locale == "en":
        assert measured.span(line, "boosted")[0] >= name_right - SLACK
    else:  # "أعاد عمر النشر": the verb first (rightmost), then the name, then the rest
        assert measured.span(line, "أعاد")[0] >= name_right - SLACK
        assert measured.span(line, "النشر")[1] <= name_left + SLACK

    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_digits_hijri_and_time_zone_follow_the_preferences(site, chromium, mixed, locale, viewport):
    viewer = site.person(unique("reader"))
    page = site.page(chromium, viewer, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/settings/preferences")
    # The empty zone field is filled from the browser's own zone.
    assert page.input_value("#id_time_zone") == page.evaluate(
        "Intl.DateTimeFormat().resolvedOptions().timeZone"
    )
    page.select_option("#id_digits", "eastern")
    page.check("#id_hijri_dates")
    page.fill("#id_time_zone", "Nowhere/Land")
    page.click("main button[type=submit]")
    refused = page.locator(".display-preferences .error")
    assert ("Unknown time zone" if locale == "en" else "منطقة زمنية غير معروفة") in refused.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.fill("#id_time_zone", "Asia/Riyadh")
    page.click("main button[type=submit]")
    assert page.url.endswith("/settings/preferences?saved=1")
    assert page.input_value("#id_time_zone") == "Asia/Riyadh"

    page.goto(site.base + mixed["path"])
    count = mixed["omar"].api.me()["statuses_count"]
    counts = page.locator(".profile-header p.muted").first.inner_text()
    assert str(count).translate(EASTERN_DIGITS) in counts and not re.search(r"[0-9]", counts)
    # Digits inside what people wrote stay as written.
    assert "2024" in page.locator(f"#post-{mixed['ids']['numbers']} .content").inner_text()

    time = page.locator(f"#post-{mixed['ids']['numbers']} .post-head time")
    moment = datetime.fromisoformat(time.get_attribute("datetime")).astimezone(ZoneInfo("Asia/Riyadh"))
    title = time.get_attribute("title")
    assert moment.strftime("%H:%M").translate(EASTERN_DIGITS) in title
    assert "(Asia/Riyadh)" in title
    hijri = to_hijri(moment.date())
    with translation.override(locale):
        month = str(HIJRI_MONTHS[hijri.month - 1])
    assert f"{hijri.day} {month} {hijri.year}".translate(EASTERN_DIGITS) in title
    # Written a moment ago: a relative time, in the reader's digits.
    shown = time.inner_text()
    if locale == "en":
        assert re.fullmatch(r"now|[٠-٩]+ min", shown), shown
    else:
        assert re.fullmatch(r"الآن|[٠-٩]+ (دقيقة|دقيقتان|دقائق)", shown), shown
    page.context.close()
