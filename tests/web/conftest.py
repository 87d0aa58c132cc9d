"""Web fixtures: a signed-in test client for a fresh local user."""

import pytest
from django.test import Client


@pytest.fixture
def signed_in(make_user):
    """A Client signed in as a new user; returns (client, user)."""

    def make(username: str, **kwargs):
        user = make_user(username, **kwargs)
        client = Client()
        client.force_login(user)
        return client, user

    return make


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """One `caravan serve` (with an SMTP server beside it) for the browser tests of the session: see served.py."""
    from tests.web.served import running_site

    with running_site(tmp_path_factory.mktemp("caravan-web-site")) as running:
        yield running


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; each test opens its own contexts (`site.page`)."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.web.served import CHROMIUM_ARGS

    # Playwright's sync API keeps an event loop in this thread; tests that also use the ORM stay synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
