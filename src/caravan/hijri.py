"""The Hijri date of a Gregorian day, by the tabular (arithmetical) Islamic calendar: the "Kuwaiti" algorithm
(30-year cycle, leap years 2, 5, 7, 10, 13, 16, 18, 21, 24, 26, 29; civil epoch, 1 Muharram 1 AH = Friday
16 July 622 Julian). It can differ by a day or two from a calendar fixed by sighting the moon or by Umm al-Qura;
pages show it beside the Gregorian date, never instead of it. Pure arithmetic, no tables, no dependencies.
"""

from dataclasses import dataclass
from datetime import date

# 1 Muharram 1 AH as a proleptic Gregorian ordinal (`date.toordinal()`, 1 January 1 AD = 1): Julian 16 July 622.
EPOCH = 227015


@dataclass(frozen=True)
class HijriDate:
    year: int
    month: int  # 1 (Muharram) to 12 (Dhu al-Hijjah)
    day: int


def _first_day_of(year: int, month: int) -> int:
    """The ordinal of the first day of a Hijri month: 354 days a year, one more in the cycle's 11 leap years,
    and months of 30 and 29 days in turn."""
    return EPOCH - 1 + (year - 1) * 354 + (3 + 11 * year) // 30 + 29 * (month - 1) + month // 2 + 1


def to_hijri(day: date) -> HijriDate:
    """The tabular Hijri date of a Gregorian day (days before 1 AH are not asked for: they raise ValueError)."""
    ordinal = day.toordinal()
    if ordinal < EPOCH:
        raise ValueError("dates before 1 Muharram 1 AH have no Hijri date")
    year = (30 * (ordinal - EPOCH) + 10646) // 10631
    month = min(12, (11 * (ordinal - _first_day_of(year, 1)) + 330) // 325)
    return HijriDate(year, month, ordinal - _first_day_of(year, month) + 1)


def from_hijri(year: int, month: int, day: int) -> date:
    """The Gregorian day of a tabular Hijri date (the inverse of `to_hijri`)."""
    return date.fromordinal(_first_day_of(year, month) + day - 1)
