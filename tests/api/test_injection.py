"""Markup typed into a profile or a post through the client API comes back as text in every HTML field the
server emits (API `note`, field `value`, `content`, and the ActivityPub actor and note), against a real server."""

import requests

from tests.html_checks import BIDI_CONTROLS, unsafe_markup

HOSTILE = '<img src=x onerror=alert(1)><a href="javascript:alert(2)" style="x">me</a>'


def test_profile_markup_typed_through_the_api_is_text_everywhere_it_is_emitted(signup, server):
    mallory = signup("api_mallory")
    mallory.account_update_credentials(
        display_name="\u202eevil\u2066 twin",
        note=f"{HOSTILE} bio",
        fields=[("<b onclick=x>Site</b>", f"{HOSTILE} https://example.org/a")],
    )
    me = mallory.account_verify_credentials()
    # What the owner typed comes back unchanged to edit...
    assert me["source"]["fields"][0]["value"] == f"{HOSTILE} https://example.org/a"
    # ...and as HTML in which it is text.
    for html in (me["note"], me["fields"][0]["value"]):
        assert unsafe_markup(html) == [], html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://example.org/a"' in me["fields"][0]["value"]
    assert me["fields"][0]["name"] == "<b onclick=x>Site</b>"  # a plain-text field, as in Mastodon
    assert me["display_name"] == "evil twin"

    actor = requests.get(
        f"{server}/users/api_mallory", headers={"Accept": "application/activity+json"}, timeout=10
    ).json()
    assert unsafe_markup(actor["summary"]) == []
    assert unsafe_markup(actor["attachment"][0]["value"]) == []
    assert "&lt;img" in actor["attachment"][0]["value"]
    assert not any(ch in actor["name"] for ch in BIDI_CONTROLS)

    post = mallory.status_post(f"{HOSTILE} hi", spoiler_text="<img src=x onerror=alert(3)> <3 Q&A")
    assert unsafe_markup(post["content"]) == [] and "&lt;img" in post["content"]
    note = requests.get(post["uri"], headers={"Accept": "application/activity+json"}, timeout=10).json()
    assert unsafe_markup(note["content"]) == []
    # The content warning is plain text, but servers that read `summary` as HTML must not find a tag in it.
    assert unsafe_markup(note["summary"]) == [] and note["summary"].endswith("<3 Q&A")
    assert "<img" not in note["summary"]

    page = requests.get(f"{server}/@api_mallory", timeout=10).text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
