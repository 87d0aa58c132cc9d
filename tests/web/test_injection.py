"""Hostile text on pages: markup typed into a profile stays text, links from elsewhere are http(s) only, and a
display name with bidi controls cannot flip the handle or the sentence it sits in."""

import re

import pytest

from tests.html_checks import BIDI_CONTROLS, unsafe_markup
from tests.web.test_browser import browser  # noqa: F401 - the Chromium fixture

PAGE = frozenset({"link", "span"})  # base.html's stylesheet, a poll bar's width
pytestmark = pytest.mark.django_db

HOSTILE_VALUE = '<img src=x onerror=alert(1)><a href="javascript:alert(2)">me</a> https://example.org/a'
FLIPPING_NAME = "\u202eevil\u2066 name\u200f"


def content_of(page: str, css_class: str) -> str:
    """The inner HTML of the first <div class="..."> or <dl class="..."> (hostile parts sit in these)."""
    match = re.search(rf'<(div|dl) class="{css_class}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no {css_class} on the page"
    return match.group(2)


def test_profile_fields_and_bio_typed_with_markup_show_as_text(signed_in):
    client, user = signed_in("marked")
    response = client.post(
        "/settings/profile",
        {
            "display_name": FLIPPING_NAME,
            "note": "<script>alert(3)</script> bio",
            "field_name_1": "<b onclick=x>Site</b>",
            "field_value_1": HOSTILE_VALUE,
        },
    )
    assert response.status_code == 302
    page = client.get("/@marked").content.decode()
    assert unsafe_markup(page, allow_relative=True, allowed_tags=PAGE) == []
    fields = content_of(page, "profile-fields")
    assert "&lt;img src=x onerror=alert(1)&gt;" in fields  # what was typed, shown as text
    assert (
        '<a dir="auto" href="https://example.org/a"' in fields
    )  # a typed URL still becomes a link (isolated)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in content_of(page, "content")
    # The form still shows exactly what was typed, to edit.
    form = client.get("/settings/profile").content.decode()
    assert 'value="&lt;img src=x onerror=alert(1)&gt;' in form


def test_a_display_name_with_bidi_controls_cannot_flip_pages_or_notifications(signed_in, make_account):
    from caravan.profiles import update_profile
    from caravan.publishing import create_post, reblog
    from caravan.relationships import follow

    client, user = signed_in("target")
    flipper = make_account("flipper")
    update_profile(flipper, display_name=FLIPPING_NAME)
    flipper.refresh_from_db()
    assert not any(ch in flipper.display_name for ch in BIDI_CONTROLS)
    follow(flipper, user.account)
    post = create_post(user.account, text="hello")
    reblog(flipper, post)
    for path in ("/notifications", "/@flipper", "/@target/followers"):
        page = client.get(path).content.decode()
        assert not any(ch in page for ch in BIDI_CONTROLS), path
    notifications = client.get("/notifications").content.decode()
    # "evil name followed you": the name sits in its own <bdi>, apart from the translated sentence.
    assert re.search(r"<bdi>evil name</bdi></a> followed you", notifications)
    followers = client.get("/@target/followers").content.decode()
    assert "<bdi>evil name</bdi>" in followers and '<span class="handle"><bdi>@flipper@' in followers
    profile = client.get("/@flipper").content.decode()
    assert "<bdi>evil name</bdi> boosted" in profile
    # And in Arabic, where the sentence runs right to left around the name.
    arabic = client.get("/notifications?lang=ar").content.decode()
    assert 'dir="rtl"' in arabic and "<bdi>evil name</bdi>" in arabic


def test_stored_remote_links_that_are_not_http_never_reach_a_page(signed_in, make_account):
    """Rows stored before URLs were checked: the page drops them rather than linking to them."""
    from caravan.accounts.models import Account
    from caravan.media.models import MediaAttachment
    from caravan.posts.models import Post, PostEdit
    from caravan.profiles import upsert_remote_account
    from caravan.publishing import create_post
    from caravan.relationships import follow

    client, user = signed_in("reader")
    remote = upsert_remote_account(
        "https://far.example/users/old",
        username="old",
        domain="far.example",
        inbox_url="https://far.example/users/old/inbox",
        url="https://far.example/@old",
    )
    follow(user.account, remote)
    post = create_post(
        remote,
        remote=_remote_content('<p>hi <a href="https://far.example/x">x</a></p>'),
        uri="https://far.example/users/old/statuses/1",
    )
    # What older code let in, written straight to the rows.
    Account.objects.filter(pk=remote.pk).update(
        avatar_remote_url="javascript:alert(1)",
        header_remote_url="data:image/svg+xml,<svg onload=alert(2)>",
        url="javascript:alert(3)",
        note_html='<p onclick="alert(4)">bio<script>alert(5)</script><a href="javascript:alert(6)">j</a></p>',
        fields=[
            {"name": "site", "value": '<a href="javascript:alert(7)" style="x">s</a>', "verified_at": None}
        ],
        moved_to=None,
    )
    Post.objects.filter(pk=post.pk).update(
        content='<p><a href="javascript:alert(8)" onclick="x">link</a><img src=x onerror=alert(9)></p>',
        url="javascript:alert(10)",
        emojis=[{"shortcode": "bad", "url": "data:image/png;base64,AAAA"}],
    )
    MediaAttachment.objects.create(account=remote, post=post, type="image", remote_url="javascript:alert(11)")
    PostEdit.objects.create(
        post=post, content='<p><a href="javascript:alert(12)">v1</a></p>', created_at=post.created_at
    )
    paths = (
        "/@old@far.example",
        f"/@old@far.example/{post.id}",
        f"/@old@far.example/{post.id}/history",
        "/home",
    )
    for path in paths:
        page = client.get(path).content.decode()
        assert unsafe_markup(page, allow_relative=True, allowed_tags=PAGE) == [], path
        assert "alert(" not in page.replace("alert(5)", ""), path  # the bio's script text may show as text


def _remote_content(html: str):
    from caravan.publishing import RemoteContent

    return RemoteContent(html=html)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_name_with_a_right_to_left_override_does_not_reverse_the_sentence_in_chromium(
    browser,  # noqa: F811 - the fixture imported above
    live_server,
    make_account,
):
    """Chromium lays out "NAME boosted": the override in the name must not turn the words after it around."""
    from caravan.profiles import update_profile
    from caravan.publishing import create_post, reblog

    flipper = make_account("flipper_b")
    update_profile(flipper, display_name="abc\u202e")
    reblog(flipper, create_post(make_account("writer_b"), text="something to share"))
    page = browser.new_context(locale="en").new_page()
    page.goto(f"{live_server.url}/@flipper_b")
    # Where the first and the last letter of "boosted" are drawn: left to right means first < last.
    first, last = page.evaluate(
        """() => {
            const line = document.querySelector('p.boosted-by');
            const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode()) && !node.data.includes('boosted')) {}
            const at = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                return r.getBoundingClientRect().x; };
            const start = node.data.indexOf('boosted');
            return [at(start), at(start + 'boosted'.length - 1)];
        }"""
    )
    assert first < last
