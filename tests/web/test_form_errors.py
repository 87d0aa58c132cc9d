"""A form's errors are tied to their fields for screen readers: the field says it is invalid and points at
the error's text, which sits beside it; what was typed stays (but passwords)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _described_error(html: str, field_id: str) -> str:
    """The text of the error a field points at (its aria-describedby), checking the field is marked invalid."""
    tag = re.search(rf'<(?:input|textarea)[^>]*id="{field_id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag, tag
    target = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()[0]
    return re.search(rf'id="{target}"[^>]*>(.*?)</div>', html, re.S).group(1)


def test_profile_and_account_deletion_errors_point_at_their_fields(signed_in):
    client, _ = signed_in("rana")
    page = client.post("/settings/profile", {"display_name": "n" * 31, "note": "Still here"})
    html = page.content.decode()
    assert page.status_code == 422
    assert "at most 30 characters" in _described_error(html, "id_display_name")
    assert "Still here" in html and 'id="id_note"' in html
    assert "aria-invalid" not in re.search(r'<textarea[^>]*id="id_note"[^>]*>', html).group(0)

    # Both problems at once, and nothing changed.
    page = client.post("/settings/profile", {"display_name": "n" * 31, "note": "b" * 501})
    html = page.content.decode()
    assert "at most 30 characters" in _described_error(html, "id_display_name")
    assert "500" in _described_error(html, "id_note")
    assert client.get("/settings/profile").content.decode().count("b" * 501) == 0

    page = client.post("/settings/delete?lang=ar", {"password": "not the password"})
    html = page.content.decode()
    assert page.status_code in (400, 403, 422)
    assert _described_error(html, "id_password").strip()
    assert 'value="not the password"' not in html


def test_compose_shows_every_problem_at_once_and_keeps_the_text(signed_in, settings):
    """A post too long with a poll whose options repeat: both problems, each by its field, nothing posted."""
    client, user = signed_in("samir")
    limit = settings.CARAVAN["MAX_POST_CHARS"]
    text = "كلام " * (limit // 5 + 10)
    page = client.post(
        "/compose",
        {
            "text": text,
            "visibility": "public",
            "poll_option_1": "نعم",
            "poll_option_2": "نعم",
            "poll_expires_in": 86400,
        },
    )
    html = page.content.decode()
    assert page.status_code == 422
    assert str(limit) in _described_error(html, "id_text")
    assert "different from each other" in _described_error(html, "id_poll_option_1")
    assert text.strip() in html  # what was typed stays
    assert user.account.posts.count() == 0


def test_a_filter_form_shows_every_problem_at_once(signed_in):
    from caravan.filters.models import Filter

    client, user = signed_in("huda")
    page = client.post("/filters/new", {"title": "", "new-keyword-0": "k" * 300})
    html = page.content.decode()
    assert page.status_code == 422
    assert "needs a title" in html and "context must list" in html  # the title and the contexts together
    assert "A keyword cannot be empty." in html  # and the keyword (too long), in the same answer
    assert not Filter.objects.filter(account=user.account).exists()
