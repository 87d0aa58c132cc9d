"""Limits count the last window's length, not fixed windows: attempts just before a window's boundary still count
just after it (fixed windows let twice the limit through around each boundary)."""

import pytest

from caravan import throttling
from caravan.errors import Throttled


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 0.0}
    monkeypatch.setattr(throttling.time, "time", lambda: now["t"])
    return now


def test_sign_ups_just_before_a_boundary_still_count_just_after_it(caravan_settings, clock):
    caravan_settings(SIGN_UPS_PER_ADDRESS=2, SIGN_UPS_PER_NETWORK=0)
    seconds = throttling.SIGN_UPS_PER_ADDRESS.seconds
    clock["t"] = 1000 * seconds - 2  # two seconds before a window ends
    throttling.check_sign_up("198.51.100.7")
    throttling.check_sign_up("198.51.100.7")
    clock["t"] = 1000 * seconds + 2  # two seconds into the next window
    with pytest.raises(Throttled) as refused:
        throttling.check_sign_up("198.51.100.7")
    assert 0 < refused.value.retry_after <= seconds
    clock["t"] = 1001 * seconds + 1  # a whole window later: the earlier attempts no longer count
    throttling.check_sign_up("198.51.100.7")
