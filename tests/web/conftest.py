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
    from tests.web.served import launched_chromium

    with launched_chromium() as browser:
        yield browser
