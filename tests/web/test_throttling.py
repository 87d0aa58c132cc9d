"""Abuse limits on the web pages: repeated failed sign-ins per account and per address, sign-ups per address;
each answered with a 429 page that says when to try again, and a Retry-After header."""

import pytest
from django.test import Client

PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password


@pytest.fixture
def limits(settings):
    def set_limits(**values):
        settings.CARAVAN = {**settings.CARAVAN, **values}

    return set_limits


def sign_in(username: str, password: str, address: str = "198.51.100.7", **extra):
    return Client().post(
        "/auth/sign_in", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def sign_up(username: str, address: str = "198.51.100.7", **extra):
    return Client().post(
        "/auth/sign_up",
        {"username": username, "password": PASSWORD, "email": f"{username}@example.org", "agreement": "on"},
        REMOTE_ADDR=address,
        **extra,
    )


def _retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 0 < value <= 3600
    return value


def test_failed_sign_ins_to_one_account_lock_it_from_every_address(make_user, limits):
    limits(SIGN_IN_FAILURES_PER_ACCOUNT=3, SIGN_IN_FAILURES_PER_ADDRESS=100)
    make_user("victim", email="victim@example.org")
    make_user("bystander")
    for attempt in range(3):
        assert sign_in("victim", f"guess{attempt}", address=f"203.0.113.{attempt}").status_code == 403
    # Locked: even the right password, from a new address, by email, is refused without being checked.
    for name, address in (
        ("victim", "192.0.2.50"),
        ("VICTIM", "192.0.2.51"),
        ("victim@example.org", "192.0.2.52"),
    ):
        response = sign_in(name, PASSWORD, address=address)
        assert response.status_code == 429
        assert "Too many failed sign-ins to this account. Try again in" in response.content.decode()
        assert 0 < _retry_after(response) <= 3600
        assert "_auth_user_id" not in response.wsgi_request.session
    # Other accounts are not affected.
    assert sign_in("bystander", PASSWORD, address="203.0.113.0").status_code == 302


def test_failed_sign_ins_from_one_address_are_limited_and_own_sign_ins_do_not_reset_the_count(
    make_user, limits
):
    """A guesser who signs in to their own account between guesses gets no more guesses."""
    limits(SIGN_IN_FAILURES_PER_ACCOUNT=100, SIGN_IN_FAILURES_PER_ADDRESS=4)
    make_user("guesser")
    for n in range(4):
        make_user(f"target{n}")
    attacker = "203.0.113.66"
    for n in range(4):
        assert sign_in(f"target{n}", "wrong", address=attacker).status_code == 403
        if n < 3:
            assert sign_in("guesser", PASSWORD, address=attacker).status_code == 302
    refused = sign_in("target0", PASSWORD, address=attacker)
    assert refused.status_code == 429 and _retry_after(refused) <= 300
    assert "Too many failed sign-ins from your network." in refused.content.decode()
    assert sign_in("guesser", PASSWORD, address=attacker).status_code == 429
    # Someone elsewhere signs in to the same accounts as usual.
    assert sign_in("target0", PASSWORD, address="198.51.100.20").status_code == 302


def test_an_ipv6_guesser_is_counted_per_64_network(make_user, limits):
    limits(SIGN_IN_FAILURES_PER_ACCOUNT=100, SIGN_IN_FAILURES_PER_ADDRESS=2)
    make_user("target")
    assert sign_in("target", "wrong", address="2001:db8:1:2::1").status_code == 403
    assert sign_in("target", "wrong", address="2001:db8:1:2::ffff").status_code == 403
    assert sign_in("target", PASSWORD, address="2001:db8:1:2:abcd::9").status_code == 429
    assert sign_in("target", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_sign_ups_are_limited_per_address(db, limits):
    limits(SIGN_UPS_PER_ADDRESS=3)
    from caravan.accounts.models import User

    for n in range(3):
        assert sign_up(f"newcomer{n}").status_code == 302
    refused = sign_up("newcomer3")
    assert refused.status_code == 429 and 0 < _retry_after(refused) <= 300
    assert "Too many sign-ups from your network. Try again in" in refused.content.decode()
    assert not User.objects.filter(username="newcomer3").exists()
    assert sign_up("newcomer4", address="192.0.2.99").status_code == 302


def test_the_throttled_pages_speak_arabic(make_user, limits):
    limits(SIGN_IN_FAILURES_PER_ACCOUNT=1, SIGN_UPS_PER_ADDRESS=1)
    make_user("victim")
    sign_in("victim", "wrong")
    page = sign_in("victim", PASSWORD, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "محاولات دخول فاشلة كثيرة إلى هذا الحساب." in page and "حاول مجددًا بعد" in page
    sign_up("first")
    page = sign_up("second", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "محاولات تسجيل كثيرة من شبكتك." in page


def test_the_oauth_sign_in_page_shares_the_limits(make_user, limits):
    """An app's authorization page checks passwords too: it counts in the same counters."""
    limits(SIGN_IN_FAILURES_PER_ACCOUNT=2, SIGN_IN_FAILURES_PER_ADDRESS=100)
    make_user("victim")
    url = "/oauth/authorize?response_type=code&client_id=x&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read"

    def oauth_sign_in(password: str):
        return Client().post(
            url, {"intent": "login", "username": "victim", "password": password}, REMOTE_ADDR="203.0.113.8"
        )

    assert oauth_sign_in("wrong").status_code == 401
    assert sign_in("victim", "wrong again").status_code == 403  # the web page adds to the same count
    refused = oauth_sign_in(PASSWORD)
    assert refused.status_code == 429 and _retry_after(refused) > 0
    assert "Too many failed sign-ins to this account." in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_the_account_deletion_password_cannot_be_guessed_past_the_sign_in_limit(make_user, limits):
    from caravan.accounts.models import Account

    limits(SIGN_IN_FAILURES_PER_ACCOUNT=3, SIGN_IN_FAILURES_PER_ADDRESS=100)
    make_user("victim")
    session = Client()
    assert session.post("/auth/sign_in", {"username": "victim", "password": PASSWORD}).status_code == 302
    for attempt in range(3):
        answer = session.post("/settings/delete", {"password": f"guess{attempt}", "confirm": "on"})
        assert answer.status_code == 403
    # Someone holding the session has used up the guesses: even the right password is not checked now.
    answer = session.post("/settings/delete", {"password": PASSWORD, "confirm": "on"})
    assert answer.status_code == 429 and _retry_after(answer)
    assert Account.objects.get(username="victim").suspended_at is None
    # And the failures count against signing in, wherever it comes from.
    assert sign_in("victim", PASSWORD, address="192.0.2.60").status_code == 429
