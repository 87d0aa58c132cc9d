"""Django's SQLite backend, with writers taking turns fairly inside a process.

SQLite lets one transaction write at a time; a writer that finds the database locked sleeps in SQLite's busy
handler and tries again, pausing up to 100 ms between tries. Under load (8 request threads and the embedded
worker posting and fanning out) a writer could lose that race again and again: posting ran at 115 requests/s
with a p99 of 1.5 s (bench/http_mix.py). Here a transaction of a request thread or of the embedded worker
first waits its turn on a lock in the process, woken the moment the writer before it commits, and the embedded
worker's transactions wait while any request waits (background work yields to people). Other threads (tests,
commands) and other processes still meet only SQLite's own lock.
"""

import threading

from django.db.backends.sqlite3 import base


class WriteTurns:
    """One write transaction at a time in this process; requests before the embedded worker."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._held = False
        self._requests_waiting = 0

    def acquire(self, *, background: bool) -> None:
        with self._changed:
            if not background:
                self._requests_waiting += 1
            try:
                while self._held or (background and self._requests_waiting):
                    self._changed.wait()
            finally:
                if not background:
                    self._requests_waiting -= 1
            self._held = True

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


TURNS = WriteTurns()
REQUEST_THREADS = "caravan-request-"  # caravan.asgi.RequestThreads names its threads so
WORKER_THREAD = "caravan-embedded-worker"  # caravan.worker.EmbeddedWorker's name


class DatabaseWrapper(base.DatabaseWrapper):
    _taking_turns = False

    def _start_transaction_under_autocommit(self) -> None:
        name = threading.current_thread().name
        if name.startswith(REQUEST_THREADS) or name == WORKER_THREAD:
            TURNS.acquire(background=name == WORKER_THREAD)
            self._taking_turns = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _end_turn(self) -> None:
        if self._taking_turns:
            self._taking_turns = False
            TURNS.release()

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._end_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._end_turn()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._end_turn()
