"""The moderators' waves page: the wave shows in every section with links to profiles, ordinary accounts do not,
the chart is an SVG with a table beside it, Arabic reads right to left, and only moderators get in."""

import re
from html.parser import HTMLParser

from django.test import Client

from tests.moderation.wave import PASSWORD, build_wave


def _client(username: str) -> Client:
    client = Client()
    assert client.post("/auth/sign_in", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_page_shows_the_wave_and_not_ordinary_accounts(db):
    built = build_wave()
    response = _client("boss").get("/moderation/waves")
    assert response.status_code == 200
    page = response.content.decode()
    for account in built.wave:
        # listed by email domain, invite, hour and ring
        assert page.count(f'href="/@{account.username}"') == 4
    for account in built.ordinary:
        assert f"/@{account.username}" not in page
    assert "spam.example" in page and "#cheapwatches" in page and "https://spam.example/buy" in page
    assert "<svg" in page and page.count('<rect class="bar"') == 48
    assert "<table" in page and "<caption>" in page
    HTMLParser().feed(page)  # parses


def test_the_window_can_be_chosen_and_odd_values_fall_back(db):
    build_wave()
    client = _client("boss")
    assert client.get("/moderation/waves?hours=6").content.decode().count('<rect class="bar"') == 6
    assert client.get("/moderation/waves?hours=9999").content.decode().count('<rect class="bar"') == 48
    assert client.get("/moderation/waves?hours=abc").status_code == 200


def test_arabic_page_reads_right_to_left_and_the_chart_runs_from_the_right(db):
    build_wave()
    client = _client("boss")
    english = client.get("/moderation/waves?lang=en").content.decode()
    arabic = client.get("/moderation/waves?lang=ar").content.decode()
    assert 'dir="rtl"' in arabic and "<svg" in arabic and 'dir="rtl"' not in english
    assert "الحسابات" in arabic  # translated, not the English text

    def first_bar_x(page: str) -> float:
        return float(re.search(r'<rect class="bar" x="([0-9.]+)"', page).group(1))

    # the oldest hour is drawn first: at the left in English, at the right in Arabic
    assert first_bar_x(english) < 20 and first_bar_x(arabic) > 700


def test_non_moderators_get_403_and_strangers_sign_in(db):
    built = build_wave()
    client = Client()
    client.force_login(built.ordinary[0].user)
    assert client.get("/moderation/waves").status_code == 403
    assert Client().get("/moderation/waves").status_code == 302
