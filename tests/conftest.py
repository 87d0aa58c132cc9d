"""Shared fixtures: real database (SQLite by default, PostgreSQL when DATABASE_URL says so), real task worker."""

import os

os.environ.setdefault("CARAVAN_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("CARAVAN_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", ".test-data"))

import pytest  # noqa: E402

from tests.s3 import media_in_bucket, s3_bucket, s3_server  # noqa: E402, F401  (a real S3 server on loopback)


@pytest.fixture
def make_user(db):
    """Sign up a local user through the real registration service."""
    from caravan.signup import register_user

    def make(username: str, password: str = "correct horse battery", **kwargs):
        return register_user(username=username, password=password, agreement=True, **kwargs)

    return make


@pytest.fixture
def make_account(make_user):
    def make(username: str, **kwargs):
        return make_user(username, **kwargs).account

    return make


@pytest.fixture
def run_tasks(db):
    """Run every background task that is due, as the worker would."""
    from caravan.worker import run_pending_tasks

    return run_pending_tasks


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters kept in the cache (API rate limits, sign-in and sign-up throttling) start at zero in each test."""
    from django.core.cache import cache

    from caravan import invalidation

    cache.clear()
    # Per-process caches start empty (the first read drops them), and a rolled-back test's message ids, used
    # again by the next test, are not taken for ones already seen.
    invalidation.forget_cursor()


@pytest.fixture
def caravan_settings(settings):
    """Change deploy-time values (settings.CARAVAN, which caravan/config.py fills from CARAVAN_* variables) for
    one test, e.g. caravan_settings(AUTHORIZED_FETCH=True); restored afterwards like any pytest-django setting."""

    def change(**values):
        settings.CARAVAN = {**settings.CARAVAN, **values}

    return change


class _Gate:
    """Counts the live server's requests in flight and, while shut, answers new ones with 503 without touching the
    database. pytest-django hands the live server thread the test's own in-memory SQLite connection, so a request
    Chromium sends late (its /favicon.ico after the page) must not run while the test's teardown flushes the tables."""

    def __init__(self, app):
        import threading

        self.app = app
        self.open = True
        self.in_flight = 0
        self.lock = threading.Condition()

    def __call__(self, environ, start_response):
        with self.lock:
            if not self.open:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"the test is over"]
            self.in_flight += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Finishing(result, self._done)

    def _done(self):
        with self.lock:
            self.in_flight -= 1
            self.lock.notify_all()

    def shut(self, seconds=10.0):
        with self.lock:
            self.open = False
            self.lock.wait_for(lambda: self.in_flight == 0, timeout=seconds)


class _Finishing:
    """A response body that reports when the server has closed it (Django sends request_finished from close())."""

    def __init__(self, result, done):
        self.result, self.done = result, done

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


@pytest.fixture
def live_server(live_server):
    """pytest-django's live server, quiet before the test's data is flushed: see `_Gate`."""
    httpd = live_server.thread.httpd
    gate = httpd.get_app()
    if not isinstance(gate, _Gate):
        gate = _Gate(gate)
        httpd.set_app(gate)
    with gate.lock:
        gate.open = True
    yield live_server
    gate.shut()
