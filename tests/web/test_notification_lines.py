"""What a notification row says, made in Python (`web.notification_html`): names escaped and isolated, the group's
count in the reader's digits and plural forms, and a name shaped like a format string stays text."""

from django.utils import translation

from caravan.accounts.models import Account
from caravan.notifications.models import Notification
from caravan.web import display
from caravan.web.notification_html import notification_line

HOSTILE = "<img src=x onerror=alert(1)> %(counter)s %s 100%"


def _line(kind: str, others: int = 0, name: str = HOSTILE) -> str:
    sender = Account(username="layla", domain="", display_name=name)
    return str(notification_line(Notification(type=kind, from_account=sender), others))


def test_a_hostile_name_is_text_in_every_sentence():
    for kind in ("mention", "reblog", "favourite", "follow", "follow_request", "update", "status", "unknown"):
        for others in (0, 1, 3):
            line = _line(kind, others)
            assert "<img" not in line and "&lt;img src=x onerror=alert(1)&gt; %(counter)s %s 100%" in line
            assert 'href="/@layla"' in line


def test_a_group_counts_the_others_in_the_readers_language_and_digits():
    assert _line("favourite", 1, "Layla") == (
        '<a href="/@layla"><bdi>Layla</bdi></a> and 1 other favourited your post'
    )
    assert _line("reblog", 3, "Layla").endswith("and 3 others boosted your post")
    with translation.override("ar"):
        display.activate(display.Display(eastern_digits=True))
        try:
            arabic = _line("follow", 3, "ليلى")
        finally:
            display.deactivate()
    assert "<bdi>ليلى</bdi>" in arabic and "٣" in arabic and "3" not in arabic.replace('href="/@layla"', "")
    assert "followed you" not in arabic
