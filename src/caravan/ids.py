"""64-bit, time-sortable ids, Mastodon style: milliseconds since the Unix epoch shifted left 16 bits, plus a sequence.

Ordering by id is ordering by time, so pagination by id works and a backdated import (whose id is made from its
original date) sorts into its place.
"""

import itertools
import random
import threading
from datetime import UTC, datetime

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
