"""64-bit, time-sortable ids, Mastodon style: milliseconds since the Unix epoch shifted left 16 bits, plus a sequence.

Ordering by id is ordering by time, so pagination by id works and a backdated import (whose id is made from its
original date) sorts into its place. Text from clients and URLs becomes an id (or any 64-bit number) here only.
"""

import itertools
import random
import re
import threading
from datetime import UTC, datetime
from typing import Any

MAX_INT64 = (1 << 63) - 1  # databases store ids and counts as signed 64-bit integers
# ASCII only: str.isdigit() and int() also accept Arabic-Indic, superscript and other Unicode digits.
_DECIMAL = re.compile(r"[+-]?[0-9]{1,19}")

_lock = threading.Lock()
_sequence = itertools.count(random.randrange(1 << 16))


def id_from_time(moment: datetime) -> int:
    """An id for something that happened at `moment`; unique within this process for the same millisecond."""
    ms = int(moment.timestamp() * 1000)
    with _lock:
        seq = next(_sequence) & 0xFFFF
    return (ms << 16) | seq


def new_id() -> int:
    return id_from_time(datetime.now(UTC))


def lowest_id_at(moment: datetime) -> int:
    """The smallest id any object made at `moment` can have: for range queries by time."""
    return int(moment.timestamp() * 1000) << 16


def parse_int64(value: Any) -> int | None:
    """A whole number written in ASCII decimal (or given as a JSON integer) that fits in signed 64 bits;
    None for anything else: other digits, fractions, exponents, booleans, lists, numbers too big to store."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if -MAX_INT64 - 1 <= number <= MAX_INT64 else None


def id_from_text(value: Any) -> int | None:
    """The id a URL or a parameter names: a positive 64-bit number in ASCII digits, or None."""
    number = parse_int64(value)
    if number is None or number <= 0 or isinstance(value, str) and value.strip()[:1] in "+-":
        return None
    return number
