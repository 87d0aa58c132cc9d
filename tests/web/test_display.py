"""How pages write numbers and times for their reader: relative times with Arabic plurals, Eastern Arabic digits
for what the interface writes (never for what people wrote), the Hijri date, the reader's own time zone; and
post HTML given its own directions for the page only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from caravan.accounts.services import update_preferences
from caravan.errors import DomainError
from caravan.web import display
from caravan.web.cards import local_links

NOW = datetime(2024, 3, 11, 12, 0, tzinfo=UTC)


@pytest.fixture
def shown():
    """Activate a Display for the test, as the middleware does for a request."""
    yield display.activate
    display.deactivate()


@pytest.mark.parametrize(
    ("ago", "english", "arabic"),
    [
        (timedelta(seconds=20), "now", "الآن"),
        (timedelta(minutes=1), "1 min", "1 دقيقة"),
        (timedelta(minutes=2), "2 min", "2 دقيقتان"),
        (timedelta(minutes=3), "3 min", "3 دقائق"),
        (timedelta(minutes=11), "11 min", "11 دقيقة"),
        (timedelta(hours=2), "2 h", "2 ساعتان"),
        (timedelta(hours=5), "5 h", "5 ساعات"),
        (timedelta(days=5), "5 d", "5 أيام"),
        (timedelta(days=1), "1 d", "1 يوم"),
        (timedelta(days=9), "2 Mar", None),
        (timedelta(days=400), "5 Feb 2023", None),
    ],
)
def test_relative_times_in_english_and_arabic(ago, english, arabic):
    with translation.override("en"):
        assert display.relative_text(NOW - ago, NOW) == english
    if arabic:
        with translation.override("ar"):
            assert display.relative_text(NOW - ago, NOW) == arabic


def test_eastern_digits_hijri_and_zone_in_a_time_tag(shown):
    shown(display.Display(eastern_digits=True, hijri=True, zone=display.zoneinfo.ZoneInfo("Asia/Riyadh")))
    moment = NOW - timedelta(hours=3)
    with translation.override("ar"):
        html = Template("{% load caravan_text %}{% when moment %}").render(Context({"moment": moment}))
    assert f'datetime="{moment.isoformat()}"' in html
    # 09:00 UTC is 12:00 in Riyadh (UTC+3), in Eastern Arabic digits, with the Hijri date (1 Ramadan 1445).
    assert "١٢:٠٠" in html
    assert "(Asia/Riyadh)" in html
    assert "١ رمضان ١٤٤٥ هـ" in html
    # A week or more ago: the date, with the Hijri one beside it.
    assert ">١١ مارس ٢٠٢٤ (١ رمضان ١٤٤٥ هـ)</time>" in html
    with translation.override("ar"):
        html = Template("{% load caravan_text %}{% when moment %}").render(
            Context({"moment": display.timezone.now() - timedelta(hours=3, minutes=5)})
        )
    assert ">٣ ساعات</time>" in html


def test_visitors_get_western_digits_utc_and_no_hijri():
    moment = NOW - timedelta(hours=3)
    with translation.override("en"):
        html = Template("{% load caravan_text %}{% when moment %}").render(Context({"moment": moment}))
    assert 'title="11 March 2024, 09:00 (UTC)"' in html
    assert "Ramadan" not in html


def test_a_count_keeps_its_plural_in_eastern_digits(shown):
    shown(display.Display(eastern_digits=True))
    template = Template(
        "{% load i18n caravan_text %}{% blocktranslate count counter=n|digits %}{{ counter }} reply"
        "{% plural %}{{ counter }} replies{% endblocktranslate %}"
    )
    with translation.override("en"):
        assert template.render(Context({"n": 1})) == "١ reply"
        assert template.render(Context({"n": 23})) == "٢٣ replies"


def test_digits_in_what_people_wrote_stay_as_written(shown):
    shown(display.Display(eastern_digits=True))
    html = local_links("<p>room 101</p>")
    assert "101" in html


def test_post_paragraphs_and_links_get_their_own_direction_on_the_page_only():
    stored = (
        '<p><span class="h-card" translate="no"><a href="https://x.example/@omar" class="u-url mention">'
        '@<span>omar</span></a></span> مرحبا</p><p>hello <a href="https://x.example/tags/x" '
        'class="mention hashtag" rel="tag">#<span>x</span></a></p><ul><li>one</li></ul>'
    )
    html = local_links(stored)
    assert html.count('<p dir="auto">') == 2
    assert html.count('<a dir="auto" href=') == 2
    assert '<li dir="auto">' in html
    # Nothing else changed: the text and the links are the stored ones.
    assert html.replace(' dir="auto"', "") == local_links(stored).replace(' dir="auto"', "")
    assert "dir=" not in stored


def test_phone_like_numbers_are_isolated_left_to_right_but_not_inside_links_or_attributes():
    html = local_links('<p>اتصل +966 55 123 4567 أو 2024 <a href="https://x.example/+1 2">+1 2</a></p>')
    assert '<span class="number" dir="ltr">+966 55 123 4567</span>' in html
    assert '<span class="number" dir="ltr">2024' not in html
    assert html.count('class="number"') == 1


def test_a_remote_post_cannot_bring_its_own_dir_or_break_out_of_an_attribute():
    html = local_links('<p dir="rtl" title="<a x>">a</p><a href="https://x.example/?q=<p>">b</a>')
    assert 'dir="rtl"' not in html
    assert html.count("dir=") == 2


@pytest.mark.django_db
def test_preferences_are_checked_and_stored(make_user):
    user = make_user("layla")
    update_preferences(user, digits="eastern", hijri_dates=True, time_zone="Asia/Riyadh")
    user.refresh_from_db()
    assert (user.digits, user.hijri_dates, user.time_zone) == ("eastern", True, "Asia/Riyadh")
    for bad in ("Mars/Olympus", "../../etc/passwd", "asia/riyadh"):
        with pytest.raises(DomainError) as raised:
            update_preferences(user, time_zone=bad)
        assert raised.value.field == "time_zone"
    with pytest.raises(DomainError):
        update_preferences(user, digits="roman")
    update_preferences(user, time_zone="")
    user.refresh_from_db()
    assert (user.digits, user.time_zone) == ("eastern", "")


@pytest.mark.django_db
def test_the_preferences_page_refuses_an_unknown_zone_with_a_message(signed_in):
    client, user = signed_in("samir")
    answer = client.post(
        "/settings/preferences",
        {"default_visibility": "public", "digits": "eastern", "time_zone": "Nowhere/Land"},
    )
    assert answer.status_code == 422
    assert "Unknown time zone" in answer.content.decode()
    user.refresh_from_db()
    assert (user.digits, user.time_zone) == ("western", "")
    answer = client.post(
        "/settings/preferences",
        {
            "default_visibility": "public",
            "digits": "eastern",
            "hijri_dates": "on",
            "time_zone": "Europe/London",
        },
    )
    assert answer.status_code == 302
    user.refresh_from_db()
    assert (user.digits, user.hijri_dates, user.time_zone) == ("eastern", True, "Europe/London")


@pytest.mark.django_db
def test_the_unread_badge_is_in_the_readers_digits(signed_in, make_account):
    from caravan.notifications.services import notify_many
    from caravan.publishing import create_post

    client, user = signed_in("nour")
    fans = [make_account(f"fan{n}") for n in range(3)]
    post = create_post(user.account, "hello")
    notify_many([(user.account, "favourite", fan, post) for fan in fans])
    update_preferences(user, digits="eastern")
    page = client.get("/settings/preferences").content.decode()
    assert '<span class="badge" aria-label="٣ unread">٣</span>' in page
    update_preferences(user, digits="western")
    assert (
        '<span class="badge" aria-label="3 unread">3</span>'
        in client.get("/settings/preferences").content.decode()
    )
