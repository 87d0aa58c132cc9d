"""Account security's rules at the pages' edges, in process: OAuth's sign-in cannot skip the second step, the
optional email confirmation (CARAVAN_CONFIRM_EMAIL) on the web and the API, staff sent to set up two-factor
(CARAVAN_REQUIRE_TWO_FACTOR_FOR_STAFF), changing the password from the settings tab. The browser flows on
`caravan serve` are in test_security_browser.py."""

import re
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import AccessToken, Application

from caravan.accounts import security, tasks
from caravan.accounts.models import User
from caravan.accounts.services import set_role
from caravan.api.models import AppProfile
from caravan.api.oauth import issue_token
from tests.html_checks import BIDI_CONTROLS, unsafe_markup

PASSWORD = "correct horse battery"
REDIRECT = "https://app.example/callback"


def _two_factor_user(make_user, name="ayla"):
    user = make_user(name, email=f"{name}@example.org")
    factor = security.start_two_factor(user)
    security.enable_two_factor(user, security.totp(security.secret_key(factor.secret), time.time()))
    return user, security.secret_key(factor.secret)


def _app() -> Application:
    app = Application.objects.create(
        name="Phanpy",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
    )
    AppProfile.objects.create(application=app, scopes="read write")
    return app


@pytest.mark.django_db
def test_oauth_sign_in_asks_for_the_second_step(make_user):
    user, key = _two_factor_user(make_user)
    app = _app()
    url = "/oauth/authorize?" + urlencode(
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "scope": "read"}
    )
    client = Client()
    step = client.post(url, {"intent": "login", "username": user.username, "password": PASSWORD})
    assert step.status_code == 200 and 'name="code"' in step.content.decode()
    # The password alone signed nobody in: the consent page is not reachable, the sign-in form comes back.
    consent = client.get(url)
    assert 'name="password"' in consent.content.decode() and 'value="approve"' not in consent.content.decode()
    assert client.post(url, {"intent": "code", "code": "000000"}).status_code == 403
    done = client.post(url, {"intent": "code", "code": security.totp(key, time.time() + 30)})
    assert done.status_code == 302
    assert 'value="approve"' in client.get(url).content.decode()
    # The password grant stays refused, so a token never skips the code either.
    refused = Client().post(
        "/oauth/token", {"grant_type": "password", "username": user.username, "password": PASSWORD}
    )
    assert refused.status_code == 400


@pytest.mark.django_db
def test_the_web_second_step_expires_after_five_minutes(make_user, monkeypatch):
    user, key = _two_factor_user(make_user)
    client = Client()
    first = client.post("/auth/sign_in", {"username": user.username, "password": PASSWORD})
    assert first.status_code == 302 and first["Location"] == "/auth/two_factor"
    later = time.time() + security.PENDING_SECONDS + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    answer = client.post("/auth/two_factor", {"code": security.totp(key, later)})
    assert answer.status_code == 400
    assert client.get("/home").status_code == 302  # still signed out


@pytest.mark.django_db
def test_email_confirmation_gates_sign_in_and_tokens(make_user, caravan_settings):
    caravan_settings(CONFIRM_EMAIL=True)
    client = Client()
    signed_up = client.post(
        "/auth/sign_up",
        {"username": "noor", "password": PASSWORD, "email": "noor@example.org", "agreement": "on"},
    )
    assert signed_up.status_code == 200 and "/auth/sign_in" in signed_up.content.decode()
    assert client.get("/home").status_code == 302  # not signed in
    user = User.objects.get(username="noor")
    queued = DBTaskResult.objects.filter(task_path=tasks.email_confirmation.module_path)
    assert queued.count() == 1
    refused = client.post("/auth/sign_in", {"username": "noor", "password": PASSWORD})
    assert refused.status_code == 403 and "/auth/confirm/again" in refused.content.decode()
    app = _app()
    authorize = "/oauth/authorize?" + urlencode(
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "scope": "read"}
    )
    oauth = Client().post(authorize, {"intent": "login", "username": "noor", "password": PASSWORD})
    assert oauth.status_code == 403  # nor through an app's sign-in page
    token = issue_token(user, app.pk, "read").token
    api = Client().get("/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 403
    assert api.json() == {"error": "Your login is missing a confirmed e-mail address"}
    # Asking again for someone else, or for nobody, answers the same.
    again = client.post("/auth/confirm/again", {"identifier": "noor"})
    nobody = client.post("/auth/confirm/again", {"identifier": "nobody_here"})
    assert again.status_code == nobody.status_code == 200
    assert queued.count() == 2
    link = queued.order_by("-enqueued_at").first().args_kwargs["args"][2]
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path + "x").status_code == 400
    assert client.get(path).status_code == 200
    assert client.post("/auth/sign_in", {"username": "noor", "password": PASSWORD}).status_code == 302
    api = Client().get("/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200


@pytest.mark.django_db
def test_staff_must_turn_on_two_factor_when_required(make_user, caravan_settings):
    caravan_settings(REQUIRE_TWO_FACTOR_FOR_STAFF=True)
    moderator = make_user("mona")
    set_role(moderator, "moderator")
    client = Client()
    client.force_login(moderator)
    sent = client.get("/moderation/reports")
    assert sent.status_code == 302 and sent["Location"] == "/settings/security/two_factor?required=1"
    setup = client.get(sent["Location"])
    assert setup.status_code == 200 and 'name="code"' in setup.content.decode()
    member = make_user("sami")
    other = Client()
    other.force_login(member)
    assert other.get("/home").status_code == 200  # people without a role are not asked
    secret = moderator.two_factor.secret
    enabled = client.post(
        "/settings/security/two_factor", {"code": security.totp(security.secret_key(secret), time.time())}
    )
    assert enabled.status_code == 200 and "recovery-codes" in enabled.content.decode()
    assert client.get("/moderation/reports").status_code == 200


@pytest.mark.django_db
def test_changing_the_password_signs_out_other_sessions_and_tells_the_person(make_user):
    user = make_user("ayla", email="ayla@example.org")
    here, there = Client(), Client()
    for client in (here, there):
        assert client.post("/auth/sign_in", {"username": "ayla", "password": PASSWORD}).status_code == 302
    wrong = here.post(
        "/settings/security/password",
        {
            "current_password": "nope",
            "new_password": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert wrong.status_code == 403 and "current password is not right" in wrong.content.decode()
    changed = here.post(
        "/settings/security/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert changed.status_code == 302
    assert here.get("/settings/security").status_code == 200  # this session stays
    assert there.get("/home").status_code == 302  # the other one is gone
    assert DBTaskResult.objects.filter(task_path=tasks.email_password_changed.module_path).count() == 1
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


@pytest.mark.django_db
def test_revoking_an_app_from_the_page_ends_its_push_subscription(make_user):
    from caravan.push.models import PushSubscription

    user = make_user("ayla")
    app = _app()
    token = issue_token(user, app.pk, "read push")
    PushSubscription.objects.create(
        access_token=token,
        account=user.account,
        endpoint="https://push.example/1",
        key_p256dh="k",
        key_auth="a",
    )
    client = Client()
    client.force_login(user)
    Application.objects.filter(pk=app.pk).update(name="Phanpy<script>alert(1)</script>\u202e")
    page = client.get("/settings/security").content.decode()
    assert "<bdi>Phanpy&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in page  # an app names itself
    assert not unsafe_markup(page, allow_relative=True, allowed_tags=frozenset({"link"}))
    assert not set(page) & set(BIDI_CONTROLS)
    assert client.post(f"/settings/security/apps/{app.pk}/revoke").status_code == 302
    assert not AccessToken.objects.filter(user=user).exists()
    assert not PushSubscription.objects.exists()
    answer = Client().get("/api/v1/accounts/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token.token}")
    assert answer.status_code == 401
    assert client.post(f"/settings/security/apps/{app.pk}/revoke").status_code == 404


@pytest.mark.django_db
def test_email_change_and_turning_two_factor_off_from_the_tab(make_user, caravan_settings):
    user, key = _two_factor_user(make_user)
    client = Client()
    client.force_login(user)
    wrong = client.post("/settings/security/email", {"email": "new@example.org", "password": "nope"})
    assert wrong.status_code == 403
    assert (
        client.post("/settings/security/email", {"email": "not an address", "password": PASSWORD}).status_code
        == 422
    )
    changed = client.post("/settings/security/email", {"email": "new@example.org", "password": PASSWORD})
    assert changed["Location"] == "/settings/security?done=email"
    caravan_settings(CONFIRM_EMAIL=True)
    waiting = client.post("/settings/security/email", {"email": "newer@example.org", "password": PASSWORD})
    assert waiting["Location"] == "/settings/security?done=email_sent"
    user.refresh_from_db()
    assert (user.email, user.unconfirmed_email) == ("new@example.org", "newer@example.org")
    assert "newer@example.org" in client.get("/settings/security").content.decode()

    kept = client.post("/settings/security/two_factor", {"password": PASSWORD, "code": "000000"})
    assert kept.status_code == 403 and security.two_factor_enabled(user)
    off = client.post(
        "/settings/security/two_factor", {"password": PASSWORD, "code": security.totp(key, time.time() + 30)}
    )
    assert off["Location"] == "/settings/security?done=two_factor_off"
    assert not security.two_factor_enabled(user)


@pytest.mark.django_db
def test_hostile_links_and_ids_get_a_clear_4xx(make_user):
    client = Client()
    assert client.get("/auth/password/reset/%00%ff/not-a-token").status_code == 400
    assert client.get("/auth/password/reset/MQ/1-2").status_code == 400
    too_big = "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"  # 24 nines: no database holds such an id
    assert client.get(f"/auth/password/reset/{too_big}/1-2").status_code == 400
    assert client.get("/auth/confirm/garbage").status_code == 400
    assert client.post("/auth/two_factor", {"code": "123456"}).status_code == 400  # no password step first
    assert client.post("/auth/password/reset", {"identifier": ""}).status_code == 400
    client.force_login(make_user("ayla"))
    assert client.post("/settings/security/sessions/99999/end").status_code == 404
    assert client.post("/settings/security/apps/99999/revoke").status_code == 404
    assert client.post(f"/settings/security/sessions/{10**20}/end").status_code == 404
    assert client.post(f"/settings/security/apps/{10**20}/revoke").status_code == 404


@pytest.mark.django_db
def test_codes_are_throttled_like_passwords(make_user, caravan_settings):
    caravan_settings(SIGN_IN_FAILURES_PER_ACCOUNT=3)
    user, key = _two_factor_user(make_user)
    client = Client()
    assert client.post("/auth/sign_in", {"username": user.username, "password": PASSWORD}).status_code == 302
    for wrong in ("000001", "000002", "000003"):
        assert client.post("/auth/two_factor", {"code": wrong}).status_code == 403
    # Past the limit even the right code waits: guessing cannot go faster than the limit.
    refused = client.post("/auth/two_factor", {"code": security.totp(key, time.time() + 30)})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/home").status_code == 302
