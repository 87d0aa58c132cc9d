"""Account security's rules (caravan/accounts/security.py): TOTP against RFC 6238's vectors, its window and
replay rule, recovery codes, reset links, email confirmation, sessions ended by a password change, revoking an
app's tokens."""

import base64
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from caravan.accounts import security
from caravan.accounts.models import User, WebSession
from caravan.errors import DomainError

# RFC 6238 appendix B: the seeds are the ASCII digits, 20, 32 and 64 bytes long; 8-digit codes.
SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), VECTORS)
def test_totp_matches_rfc_6238_vectors(at, sha1, sha256, sha512):
    for algorithm, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert security.totp(SEEDS[algorithm], at, digits=8, algorithm=algorithm) == expected


def _enabled(make_user, name="ayla", at=None):
    user = make_user(name)
    factor = security.start_two_factor(user)
    at = time.time() if at is None else at
    codes = security.enable_two_factor(user, _code(factor.secret, at), at=at)
    return user, factor, codes


def _code(secret: str, at: float) -> str:
    return security.totp(security.secret_key(secret), at)


@pytest.mark.django_db
def test_enabling_needs_a_code_from_the_app(make_user):
    user = make_user("ayla")
    factor = security.start_two_factor(user)
    assert base64.b32decode(factor.secret + "=" * (-len(factor.secret) % 8))  # a secret an app can read
    uri = security.provisioning_uri(user, factor)
    assert uri.startswith("otpauth://totp/") and f"secret={factor.secret}" in uri
    at = time.time()
    with pytest.raises(DomainError) as refused:
        security.enable_two_factor(user, _code(factor.secret, at + 300), at=at)  # ten steps away
    assert refused.value.kind.code == "two_factor_code_wrong"
    assert not security.two_factor_enabled(user)
    codes = security.enable_two_factor(user, _code(factor.secret, at), at=at)
    assert security.two_factor_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert security.recovery_codes_left(user) == 10


@pytest.mark.django_db
def test_codes_are_accepted_within_one_step_and_never_twice(make_user):
    at = 1_800_000_015.0
    user, factor, _codes = _enabled(make_user, at=at - 600)
    assert not security.check_second_factor(user, _code(factor.secret, at - 60), at=at)  # two steps old
    assert not security.check_second_factor(user, _code(factor.secret, at + 60), at=at)  # two steps ahead
    assert security.check_second_factor(user, _code(factor.secret, at - 30), at=at)  # one step old
    assert security.check_second_factor(user, _code(factor.secret, at), at=at)
    assert not security.check_second_factor(user, _code(factor.secret, at), at=at)  # replayed
    # An older step than the last accepted one is refused too, though still inside the window.
    assert not security.check_second_factor(user, _code(factor.secret, at - 30), at=at)
    assert security.check_second_factor(user, _code(factor.secret, at + 30), at=at)
    assert not security.check_second_factor(user, "12345", at=at)
    assert not security.check_second_factor(user, "", at=at)


@pytest.mark.django_db
def test_recovery_codes_work_once_each_and_are_stored_hashed(make_user):
    user, _factor, codes = _enabled(make_user)
    stored = list(user.recovery_codes.values_list("code_hash", flat=True))
    assert not set(codes) & set(stored)
    assert security.check_second_factor(user, codes[0].upper())
    assert not security.check_second_factor(user, codes[0])
    assert security.recovery_codes_left(user) == 9
    other = make_user("other")
    assert not security.check_second_factor(other, codes[1])  # another person's code
    assert security.check_second_factor(user, codes[1].replace("-", " "))


@pytest.mark.django_db
def test_disabling_needs_password_and_code(make_user):
    at = time.time()
    user, factor, codes = _enabled(make_user, at=at - 300)
    with pytest.raises(DomainError) as wrong_password:
        security.disable_two_factor(user, "not it", _code(factor.secret, at), at=at)
    assert wrong_password.value.kind.code == "password_current_wrong"
    with pytest.raises(DomainError) as wrong_code:
        security.disable_two_factor(user, "correct horse battery", "000000", at=at)
    assert wrong_code.value.kind.code == "two_factor_code_wrong"
    security.disable_two_factor(user, "correct horse battery", _code(factor.secret, at), at=at)
    assert not security.two_factor_enabled(user)
    assert security.recovery_codes_left(user) == 0


@pytest.mark.django_db
def test_a_reset_link_works_once_and_expires(make_user, settings):
    user = make_user("ayla", email="ayla@example.org")
    uid = base64.urlsafe_b64encode(str(user.pk).encode()).decode().rstrip("=")
    token = security.reset_tokens.make_token(user)
    assert security.user_for_reset_link(uid, token) == user
    security.reset_password(uid, token, "a new long passphrase", "a new long passphrase")
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")
    with pytest.raises(DomainError) as spent:
        security.reset_password(uid, token, "another long passphrase", "another long passphrase")
    assert spent.value.kind.code == "reset_link_invalid"
    fresh = security.reset_tokens.make_token(user)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is already too old
    with pytest.raises(DomainError):
        security.user_for_reset_link(uid, fresh)
    with pytest.raises(DomainError):
        security.user_for_reset_link("!!", fresh)


@pytest.mark.django_db
def test_a_password_change_ends_other_sessions_and_mails_the_person(make_user, run_tasks):
    user = make_user("ayla", email="ayla@example.org")
    keys = []
    for _ in range(3):
        store = SessionStore()
        store.create()
        keys.append(store.session_key)
        security.record_session(user, store.session_key, "127.0.0.1", "Mozilla/5.0 (X11; Linux) Firefox/130")
    with pytest.raises(DomainError):
        security.change_password(user, "wrong", "a new long passphrase", "a new long passphrase")
    with pytest.raises(DomainError) as differ:
        security.change_password(user, "correct horse battery", "a new long passphrase", "another one")
    assert differ.value.kind.code == "passwords_differ"
    security.change_password(
        user, "correct horse battery", "a new long passphrase", "a new long passphrase", keep_session=keys[0]
    )
    assert set(Session.objects.values_list("session_key", flat=True)) == {keys[0]}
    assert [s.session_key for s in security.active_sessions(user)] == [keys[0]]
    assert security.describe_user_agent(WebSession.objects.get().user_agent) == security.Device(
        "Firefox", "Linux"
    )


@pytest.mark.django_db
def test_email_confirmation_when_the_setting_is_on(make_user, caravan_settings):
    caravan_settings(CONFIRM_EMAIL=True)
    user = make_user("ayla", email="ayla@example.org")
    assert user.email_confirmed_at is None and not security.email_confirmed(user)
    link = security.confirmation_link(user, user.email)
    value = link.rsplit("/", 1)[1]
    with pytest.raises(DomainError):
        security.confirm_email(value + "x")
    assert security.email_confirmed(security.confirm_email(value))
    # A new address is used only once confirmed; a link for an address since replaced no longer works.
    assert security.change_email(user, "new@example.org", "correct horse battery")
    user.refresh_from_db()
    assert (user.email, user.unconfirmed_email) == ("ayla@example.org", "new@example.org")
    new_link = security.confirmation_link(user, "new@example.org").rsplit("/", 1)[1]
    assert security.confirm_email(new_link).email == "new@example.org"
    with pytest.raises(DomainError):
        security.confirm_email(value)
    caravan_settings(CONFIRM_EMAIL=False)
    assert make_user("bilal", email="bilal@example.org").email_confirmed_at is not None


@pytest.mark.django_db
def test_revoking_an_app_deletes_only_its_tokens(make_user):
    user = make_user("ayla")
    apps = [
        Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        )
        for name in ("Phanpy", "Ivory")
    ]
    later = timezone.now() + timedelta(days=1)
    for app, token in ((apps[0], "t1"), (apps[0], "t2"), (apps[1], "t3")):
        AccessToken.objects.create(user=user, application=app, token=token, expires=later, scope="read write")
    listed = security.authorised_apps(user)
    assert {(a.name, a.tokens) for a in listed} == {("Phanpy", 2), ("Ivory", 1)}
    assert security.revoke_app(user, apps[0].pk) == 2
    assert list(AccessToken.objects.values_list("token", flat=True)) == ["t3"]
    with pytest.raises(DomainError):
        security.revoke_app(make_user("bilal"), apps[1].pk)  # not bilal's token
    assert User.objects.get(pk=user.pk).email_confirmed_at is not None
