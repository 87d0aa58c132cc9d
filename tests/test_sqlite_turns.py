"""The SQLite backend's write turns: one writer at a time in a process, requests before the embedded worker,
and a waiting writer woken as soon as the turn is free (caravan/sqlite/base.py)."""

import threading
import time

from caravan.sqlite.base import WriteTurns


def test_a_waiting_request_goes_before_the_waiting_worker():
    turns = WriteTurns()
    order: list[str] = []
    turns.acquire(background=False)  # a request is writing

    def take(name: str, background: bool) -> None:
        turns.acquire(background=background)
        order.append(name)
        time.sleep(0.01)
        turns.release()

    worker = threading.Thread(target=take, args=("worker", True))
    worker.start()
    time.sleep(0.05)  # the worker waits first...
    request = threading.Thread(target=take, args=("request", False))
    request.start()
    time.sleep(0.05)  # ...then a request
    assert order == []
    started = time.monotonic()
    turns.release()
    for thread in (worker, request):
        thread.join(timeout=5)
    assert order == ["request", "worker"]
    assert time.monotonic() - started < 1.0  # woken at once, not after a busy handler's pauses


def test_writers_never_overlap():
    turns = WriteTurns()
    inside, overlaps = [0], [0]

    def write(background: bool) -> None:
        for _ in range(50):
            turns.acquire(background=background)
            inside[0] += 1
            if inside[0] > 1:
                overlaps[0] += 1
            time.sleep(0.0005)  # room for another writer to come in, were the turns not kept
            inside[0] -= 1
            turns.release()

    threads = [threading.Thread(target=write, args=(i % 3 == 0,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert overlaps == [0] and all(not t.is_alive() for t in threads)
