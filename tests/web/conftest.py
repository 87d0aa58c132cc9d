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
