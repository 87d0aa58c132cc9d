"""Account security on `caravan serve`, in English and Arabic at desktop and phone sizes: resetting a forgotten
password by email (read from the real SMTP server), turning on two-factor sign-in with a code computed here from
the secret the page shows and signing in with it (a recovery code works once), the sessions list signing another
session out, and revoking an app making its token answer 401."""

import re
import time
from urllib.parse import urlsplit

import pytest
from mastodon import MastodonUnauthorizedError
from playwright.sync_api import expect

from caravan.accounts.security import secret_key, totp
from tests.api.test_stream_access import _OpenStream
from tests.web.served import LOOK_IDS, LOOKS, body, unique

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase 42"
# An image's width once it has loaded (0 when it fails).
LOADED_WIDTH = """i => i.complete ? i.naturalWidth : new Promise(done => {
    i.onload = () => done(i.naturalWidth); i.onerror = () => done(0); })"""


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def _sign_in_form(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/auth/sign_in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_reset_a_forgotten_password_by_email(site, chromium, locale, viewport):
    person = site.person(unique("rana"), locale=locale)
    page = site.page(chromium, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/auth/sign_in")
    page.click("a[href='/auth/password/reset']")
    page.wait_for_url(f"{site.base}/auth/password/reset")  # the click navigates: measure the new page
    _fits(page, viewport)
    page.fill("input[name=identifier]", person.username.upper())  # any case, as at sign-in
    page.click("main button[type=submit]")
    expect(page.locator("main [role=status]")).to_have_count(1)
    sent = page.locator("main [role=status]").inner_text()
    # Nobody's account: the very same answer, and no mail.
    page.goto(f"{site.base}/auth/password/reset")
    page.fill("input[name=identifier]", unique("nobody"))
    page.click("main button[type=submit]")
    expect(page.locator("main [role=status]")).to_have_text(sent)

    (message,) = site.mail_to(person.email)
    text = body(message)
    if locale == "ar":
        assert "كلمة" in text  # written in the person's language
    link = re.search(r"https?://\S+/auth/password/reset/\S+", text).group(0)
    path = urlsplit(link).path
    page.goto(site.base + path)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD + "x")
    page.click("main button[type=submit]")
    expect(page.locator("main .error")).to_have_count(1)  # the two differ: told, nothing changed
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site.base}/auth/sign_in?reset=done")
    _fits(page, viewport)
    _sign_in_form(page, site.base, person.username, person.password)  # the old one no longer works
    assert "/auth/sign_in" in page.url
    _sign_in_form(page, site.base, person.username, NEW_PASSWORD)
    assert page.url == f"{site.base}/home"
    answer = page.goto(site.base + path)  # the link worked once
    assert answer.status == 400
    assert page.locator("main a[href='/auth/password/reset']").count() == 1
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_two_factor_sign_in_with_the_app_and_a_recovery_code(site, chromium, locale, viewport):
    person = site.person(unique("tariq"), locale=locale)
    page = site.page(chromium, person, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/settings/security")
    page.click("main a[href='/settings/security/two_factor']")
    qr = page.locator("main img[src='/settings/security/two_factor.svg']")
    assert qr.evaluate(LOADED_WIDTH) > 0  # the QR code is an image the browser could read
    _fits(page, viewport)
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    key = secret_key(secret)
    page.fill("input[name=code]", "000000" if totp(key, time.time()) != "000000" else "111111")
    page.click("main button[type=submit]")
    expect(page.locator("main .error")).to_have_count(1)  # a wrong code turns nothing on
    page.fill("input[name=code]", totp(key, time.time()))
    page.click("main button[type=submit]")
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    _fits(page, viewport)
    page.context.close()

    page = site.page(chromium, locale=locale, viewport=viewport)
    _sign_in_form(page, site.base, person.username, person.password)
    page.wait_for_url(f"{site.base}/auth/two_factor")  # the password alone is not enough
    page.goto(f"{site.base}/home")
    assert page.url.startswith(f"{site.base}/auth/sign_in")
    page.goto(f"{site.base}/auth/two_factor")
    page.fill("input[name=code]", codes[0])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site.base}/home")
    page.context.close()

    page = site.page(chromium, locale=locale, viewport=viewport)
    _sign_in_form(page, site.base, person.username, person.password)
    page.fill("input[name=code]", codes[0])  # each recovery code works once
    page.click("main button[type=submit]")
    assert page.url == f"{site.base}/auth/two_factor"
    expect(page.locator("main .errors[role=alert]")).to_have_count(1)
    _fits(page, viewport)
    # The code enabling used this step; the next one is inside the window and has not been used.
    page.fill("input[name=code]", totp(key, time.time() + 30))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site.base}/home")
    page.context.close()


@pytest.mark.parametrize(("locale", "viewport"), LOOKS, ids=LOOK_IDS)
def test_sign_out_another_session_and_revoke_an_app(site, chromium, locale, viewport):
    person = site.person(unique("huda"), locale=locale)
    person.api.account_verify_credentials()
    other = site.page(chromium, person, locale=locale)
    page = site.page(chromium, person, locale=locale, viewport=viewport)
    page.goto(f"{site.base}/settings/security")
    sessions = page.locator("[data-session]")
    assert sessions.count() == 2
    assert page.locator("[data-session] .badge").count() == 1  # "this session"
    _fits(page, viewport)
    sessions.locator("form button").click()  # only the other session has a sign-out button
    expect(page.locator("[data-session]")).to_have_count(1)
    other.goto(f"{site.base}/home")
    assert other.url.startswith(f"{site.base}/auth/sign_in")
    other.context.close()

    app = page.locator("[data-app]")
    assert app.count() == 1 and "Web tests" in app.inner_text()
    stream = _OpenStream(site, person.token)
    try:
        app.locator("button").click()
        expect(page.locator("[data-app]")).to_have_count(0)
        with pytest.raises(MastodonUnauthorizedError):
            person.api.account_verify_credentials()
        assert stream.ended.wait(10), "the revoked app's stream stayed open"
    finally:
        stream.close()
    page.context.close()
