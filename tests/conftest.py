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
