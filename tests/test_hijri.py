"""The tabular (Kuwaiti) Hijri calendar against known dates, and both ways round."""

from datetime import date, timedelta

import pytest

from caravan.hijri import HijriDate, from_hijri, to_hijri


@pytest.mark.parametrize(
    ("gregorian", "hijri"),
    [
        # 1 Muharram 1 AH: Friday 16 July 622 Julian, 19 July 622 in the proleptic Gregorian calendar.
        (date(622, 7, 19), HijriDate(1, 1, 1)),
        (date(2024, 3, 11), HijriDate(1445, 9, 1)),  # 1 Ramadan 1445, as announced too
        # 1 Muharram 1446: Umm al-Qura and most sightings said 7 July 2024; the tabular calendar (1445 is one of
        # its leap years, Dhu al-Hijjah has 30 days) says 8 July. Pages say the Hijri date is calculated.
        (date(2024, 7, 7), HijriDate(1445, 12, 30)),
        (date(2024, 7, 8), HijriDate(1446, 1, 1)),
        (date(2000, 1, 1), HijriDate(1420, 9, 24)),
        (date(2025, 3, 1), HijriDate(1446, 9, 1)),  # 1 Ramadan 1446
    ],
)
def test_known_days(gregorian, hijri):
    assert to_hijri(gregorian) == hijri
    assert from_hijri(hijri.year, hijri.month, hijri.day) == gregorian


def test_every_day_of_a_thirty_year_cycle_goes_there_and_back_with_months_of_29_or_30_days():
    day, last = date(2000, 1, 1), date(2031, 1, 1)
    previous = to_hijri(day - timedelta(days=1))
    while day < last:
        hijri = to_hijri(day)
        assert from_hijri(hijri.year, hijri.month, hijri.day) == day
        if hijri.day == 1:
            assert previous.day in (29, 30)
            assert (hijri.month, hijri.year) == (
                (previous.month % 12) + 1,
                previous.year + (previous.month == 12),
            )
        else:
            assert hijri.day == previous.day + 1
        previous, day = hijri, day + timedelta(days=1)


def test_days_before_the_epoch_are_refused():
    with pytest.raises(ValueError):
        to_hijri(date(622, 7, 18))
