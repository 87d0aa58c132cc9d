"""A web page's stream reads with its session only when the handshake comes from this server's own origin."""

import pytest
from django.conf import settings
from django.test import Client

from caravan.api.streaming.endpoints import StreamError, account_for_session, own_origin

# The check closes stale connections as the async handshake does; inside a test transaction that would close it.
pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_the_session_streams_from_our_origin_only(make_user):
    user = make_user("streamer")
    cookie = _session_cookie(user)
    account_id, scopes, access_keys = account_for_session({"origin": own_origin(), "cookie": cookie})
    assert account_id == user.account.id
    assert "read:notifications" in scopes and not any(s.startswith("write") for s in scopes)
    assert access_keys == [f"access:{user.account.id}"]
    for headers in (
        {"origin": "http://evil.example", "cookie": cookie},
        {"cookie": cookie},
        {"origin": "null", "cookie": cookie},
        {"origin": own_origin(), "cookie": f"{settings.SESSION_COOKIE_NAME}=forged"},
        {"origin": own_origin(), "cookie": '"unbalanced'},
    ):
        with pytest.raises(StreamError):
            account_for_session(headers)


def test_a_session_from_before_a_password_change_no_longer_streams(make_user):
    user = make_user("rotator")
    cookie = _session_cookie(user)
    user.set_password("a different long passphrase")
    user.save()
    with pytest.raises(StreamError):
        account_for_session({"origin": own_origin(), "cookie": cookie})
