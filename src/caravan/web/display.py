"""How the pages show numbers and times to the person reading them: Western (0-9) or Eastern Arabic (٠-٩) digits,
the Hijri date beside the Gregorian one, and times in their own time zone, as chosen on /settings/preferences.
Visitors get Western digits, no Hijri date and UTC. `DisplayMiddleware` activates the choice for a request;
the template tags in `caravan_text` (`digits`, `when`) read it, so the conversion is written once, here.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from asgiref.local import Local
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravan.accounts.models import Digits
from caravan.hijri import to_hijri

EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

HIJRI_MONTHS = (
    gettext_lazy("Muharram"),
    gettext_lazy("Safar"),
    gettext_lazy("Rabi al-Awwal"),
    gettext_lazy("Rabi al-Thani"),
    gettext_lazy("Jumada al-Ula"),
    gettext_lazy("Jumada al-Akhirah"),
    gettext_lazy("Rajab"),
    gettext_lazy("Shaban"),
    gettext_lazy("Ramadan"),
    gettext_lazy("Shawwal"),
    gettext_lazy("Dhu al-Qadah"),
    gettext_lazy("Dhu al-Hijjah"),
)


@dataclass(frozen=True)
class Display:
    eastern_digits: bool = False
    hijri: bool = False
    zone: tzinfo = UTC


VISITOR = Display()
_active = Local()


def display_for(user) -> Display:
    """The signed-in user's choices; anyone else (or a zone this machine no longer knows) gets the defaults."""
    if user is None or not getattr(user, "is_authenticated", False):
        return VISITOR
    zone: tzinfo = UTC
    if user.time_zone:
        try:
            zone = zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = UTC
    return Display(eastern_digits=user.digits == Digits.EASTERN, hijri=user.hijri_dates, zone=zone)


def activate(display: Display) -> None:
    _active.value = display


def deactivate() -> None:
    _active.value = VISITOR


def current() -> Display:
    return getattr(_active, "value", VISITOR)


class ShownNumber(int):
    """A count that prints in the reader's digits but still chooses plural forms as a number: pass it to
    `blocktranslate count counter=...|digits` and the sentence keeps its msgid and its Arabic plural."""

    def __str__(self) -> str:
        return int.__repr__(self).translate(EASTERN_DIGITS)

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return int.__format__(self, spec).translate(EASTERN_DIGITS)


def shown_digits(value: object) -> object:
    """A number or text the interface wrote (a count, a date) in the reader's digits. Never give it text a
    person wrote: digits inside posts and names stay as their author typed them."""
    if not current().eastern_digits or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return ShownNumber(value)
    return str(value).translate(EASTERN_DIGITS)


def hijri_text(moment: datetime) -> str:
    """ "1 Ramadan 1445 AH" in the page's language (the tabular calendar: see `caravan.hijri`)."""
    day = to_hijri(moment.date())
    return _("%(day)s %(month)s %(year)s AH") % {
        "day": day.day,
        "month": HIJRI_MONTHS[day.month - 1],
        "year": day.year,
    }


def local(moment: datetime) -> datetime:
    """A stored time in the reader's zone (a naive one is taken as UTC, as stored)."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(current().zone)


def _day(shown: datetime, month: object, *, with_year: bool) -> str:
    """Django's "j F Y" / "j M Y" (the month's name from Django's own catalogue), written out: a page formats
    two dates a post, and `formats.date_format` parsed the format string each time."""
    return f"{shown.day} {month} {shown.year:04d}" if with_year else f"{shown.day} {month}"


def exact_text(moment: datetime) -> str:
    """The full local date and time, with the zone's name and, when chosen, the Hijri date: a time's title."""
    shown = local(moment)
    text = _("%(date)s, %(time)s (%(zone)s)") % {
        "date": _day(shown, MONTHS[shown.month], with_year=True),
        "time": f"{shown.hour:02d}:{shown.minute:02d}",
        "zone": getattr(current().zone, "key", None) or shown.tzname(),
    }
    if current().hijri:
        text = f"{text} · {hijri_text(shown)}"
    return shown_digits(text)


def date_text(moment: datetime, *, with_year: bool = True) -> str:
    """A day as pages show it ("11 Mar 2024"), with the Hijri date beside it when chosen."""
    shown = local(moment)
    text = _day(shown, str(MONTHS_3[shown.month]).title(), with_year=with_year)
    if current().hijri:
        text = f"{text} ({hijri_text(shown)})"
    return shown_digits(text)


def relative_text(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, shortly: "now", "3 min", "2 h", "5 d"; a week or more ago (or in the future), the date."""
    now = now or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    seconds = (now - moment).total_seconds()
    if seconds < -60 or seconds >= 7 * 86400:
        return date_text(moment, with_year=local(moment).year != local(now).year)
    if seconds < 60:
        return _("now")
    minutes = int(seconds // 60)
    if minutes < 60:
        text = ngettext("%(count)s min", "%(count)s min", minutes) % {"count": minutes}
    elif minutes < 24 * 60:
        hours = minutes // 60
        text = ngettext("%(count)s h", "%(count)s h", hours) % {"count": hours}
    else:
        days = minutes // (24 * 60)
        text = ngettext("%(count)s d", "%(count)s d", days) % {"count": days}
    return shown_digits(text)
