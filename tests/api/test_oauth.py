"""OAuth as apps do it: registering an app, signing in and approving in a real browser-like session,
tokens."""

import base64
import hashlib
import re
import secrets
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonUnauthorizedError

from tests.api.conftest import PASSWORD

REDIRECT = "https://app.example/callback"


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _form_action(html: str) -> str:
    """The page's own form: the first one in <main> (the navigation before it has forms of its own)."""
    main = html[html.index("<main") :]
    return re.search(r'<form method="post" action="([^"]+)"', main).group(1).replace("&amp;", "&")


def authorize(
    server: str,
    client_id: str,
    username: str,
    *,
    redirect_uri: str = REDIRECT,
    scope: str = "read write",
    extra: dict | None = None,
) -> requests.Response:
    """Open /oauth/authorize, sign in through the form, approve; returns the final (unfollowed) response."""
    session = requests.Session()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        **(extra or {}),
    }
    page = session.get(f"{server}/oauth/authorize?{urlencode(query)}", timeout=10)
    assert page.status_code == 200 and 'name="password"' in page.text
    signed_in = session.post(
        server + _form_action(page.text),
        timeout=10,
        allow_redirects=True,
        data={
            "csrfmiddlewaretoken": _csrf(page.text),
            "intent": "login",
            "username": username,
            "password": PASSWORD,
        },
    )
    assert signed_in.status_code == 200 and 'value="approve"' in signed_in.text, signed_in.text[:500]
    return session.post(
        server + _form_action(signed_in.text),
        allow_redirects=False,
        timeout=10,
        data={
            "csrfmiddlewaretoken": _csrf(signed_in.text),
            "intent": "approve",
        },
    )


def _register_app(server: str, **data) -> dict:
    response = requests.post(f"{server}/api/v1/apps", json=data, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_app_registration_accepts_form_json_and_query_with_mastodon_shape(server):
    as_json = _register_app(
        server, client_name="J", redirect_uris=[REDIRECT, "myapp://cb"], scopes="read write"
    )
    as_form = requests.post(
        f"{server}/api/v1/apps", data={"client_name": "F", "redirect_uris": REDIRECT}, timeout=10
    ).json()
    as_query = requests.post(
        f"{server}/api/v1/apps?client_name=Q&redirect_uris={REDIRECT}", timeout=10
    ).json()
    assert as_json["redirect_uris"] == [REDIRECT, "myapp://cb"]
    assert as_json["redirect_uri"] == f"{REDIRECT}\nmyapp://cb"
    assert as_json["scopes"] == ["read", "write"] and as_form["scopes"] == ["read"]
    assert as_query["name"] == "Q"
    for app in (as_json, as_form, as_query):
        assert set(app) >= {
            "id",
            "name",
            "website",
            "scopes",
            "redirect_uri",
            "redirect_uris",
            "client_id",
            "client_secret",
            "client_secret_expires_at",
            "vapid_key",
        }
        assert app["client_secret_expires_at"] == 0 and isinstance(app["id"], str)
    bad = requests.post(
        f"{server}/api/v1/apps",
        data={"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read bogus"},
        timeout=10,
    )
    assert bad.status_code == 422 and "error" in bad.json()
    assert (
        requests.post(f"{server}/api/v1/apps", data={"redirect_uris": REDIRECT}, timeout=10).status_code
        == 422
    )


def test_authorization_code_flow_with_pkce_and_state(server, signup):
    username = f"o{uuid.uuid4().hex[:8]}"
    signup(username)
    app = _register_app(server, client_name="PKCE app", redirect_uris=REDIRECT, scopes="read write follow")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    approved = authorize(
        server,
        app["client_id"],
        username,
        scope="read write",
        extra={"state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"},
    )
    assert approved.status_code == 302
    location = urlsplit(approved.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]

    wrong = requests.post(
        f"{server}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code_verifier": "not-the-verifier",
        },
        timeout=10,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    # A fresh code (the failed attempt may have used up the first one), exchanged with Basic auth.
    approved = authorize(
        server,
        app["client_id"],
        username,
        scope="read write",
        extra={"code_challenge": challenge, "code_challenge_method": "S256"},
    )
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{server}/oauth/token",
        auth=(app["client_id"], app["client_secret"]),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"  # noqa: S105
    assert isinstance(body["created_at"], int) and "expires_in" not in body
    me = requests.get(
        f"{server}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["username"] == username

    # The code is single use.
    again = requests.post(
        f"{server}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert again.status_code == 400


def test_out_of_band_flow_shows_the_code_and_mastodon_py_logs_in(server, signup, app_credentials):
    username = f"o{uuid.uuid4().hex[:8]}"
    signup(username)
    client_id, client_secret = app_credentials
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    url = client.auth_request_url(scopes=["read", "write", "follow", "push"], allow_http=True)
    parsed = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    page = authorize(
        server,
        client_id,
        username,
        redirect_uri=query["redirect_uri"],
        scope=query["scope"],
        extra={
            k: v for k, v in query.items() if k not in ("client_id", "redirect_uri", "scope", "response_type")
        },
    )
    assert page.status_code == 200
    code = re.search(r'class="oauth-code" readonly value="([^"]+)"', page.text).group(1)
    token = client.log_in(code=code, scopes=["read", "write", "follow", "push"], allow_http=True)
    me = Mastodon(access_token=token, api_base_url=server).account_verify_credentials()
    assert me["username"] == username


def test_client_credentials_token_and_revocation(server, app_credentials):
    client_id, client_secret = app_credentials
    response = requests.post(
        f"{server}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": "read",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    app = requests.get(f"{server}/api/v1/apps/verify_credentials", headers=headers, timeout=10)
    assert app.status_code == 200 and app.json()["name"] == "Caravan tests"
    # An app token is not a user: user methods answer 422.
    assert (
        requests.get(f"{server}/api/v1/accounts/verify_credentials", headers=headers, timeout=10).status_code
        == 422
    )
    bad = requests.post(
        f"{server}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "wrong"},
        timeout=10,
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    revoked = requests.post(
        f"{server}/oauth/revoke",
        data={"token": token, "client_id": client_id, "client_secret": client_secret},
        timeout=10,
    )
    assert revoked.status_code == 200 and revoked.json() == {}
    # The server caches token look-ups for a few seconds; the revoking process forgets at once.
    after = requests.get(f"{server}/api/v1/apps/verify_credentials", headers=headers, timeout=10)
    assert after.status_code == 401 and "error" in after.json()


def test_well_known_metadata(server):
    data = requests.get(f"{server}/.well-known/oauth-authorization-server", timeout=10).json()
    assert data["token_endpoint"] == f"{server}/oauth/token"
    assert data["app_registration_endpoint"] == f"{server}/api/v1/apps"
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert {"read", "write", "follow", "push", "read:statuses"} <= set(data["scopes_supported"])
    assert "password" not in data["grant_types_supported"]


def test_registration_errors_carry_details(server, app_credentials, signup):
    taken = f"t{uuid.uuid4().hex[:8]}"
    signup(taken)
    client_id, client_secret = app_credentials
    token = requests.post(
        f"{server}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": "read write",
        },
        timeout=10,
    ).json()["access_token"]
    response = requests.post(
        f"{server}/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        data={"username": taken, "email": "x@example.org", "password": "short", "agreement": "true"},
        timeout=10,
    )
    assert response.status_code == 422
    details = response.json()["details"]  # every field's problem at once, as Mastodon answers
    assert details["username"][0]["error"] == "ERR_TAKEN"
    assert (
        details["password"][0]["error"] == "ERR_INVALID" and "short" in details["password"][0]["description"]
    )
    no_token = requests.post(f"{server}/api/v1/accounts", data={"username": "zz"}, timeout=10)
    assert no_token.status_code == 401


def test_scopes_are_enforced(server, signup):
    username = f"s{uuid.uuid4().hex[:8]}"
    signup(username)
    app = _register_app(server, client_name="reader", redirect_uris=REDIRECT, scopes="read")
    approved = authorize(server, app["client_id"], username, scope="read")
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{server}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=10,
    ).json()["access_token"]
    reader = Mastodon(access_token=token, api_base_url=server)
    assert reader.account_verify_credentials()["username"] == username
    try:
        reader.status_post("should not be allowed")
    except MastodonAPIError as error:
        assert error.args[1] == 403
    else:
        raise AssertionError("a read-only token posted")
    try:
        Mastodon(access_token="nonsense", api_base_url=server).account_verify_credentials()  # noqa: S106
    except MastodonUnauthorizedError:
        pass
    else:
        raise AssertionError("a made-up token was accepted")


GOOD_REDIRECTS = [
    "https://app.example/callback",
    "http://127.0.0.1:8080/callback",
    "http://127.7.7.7/cb",
    "http://[::1]:4000/cb",
    "http://localhost/cb",
    "urn:ietf:wg:oauth:2.0:oob",
    "com.example.app:/oauth2redirect",
    "myapp://callback",
]
BAD_REDIRECTS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "http://app.example/callback",  # plain http off this computer: the code could be read on the way
    "http://127.0.0.1.evil.example/cb",
    "http://localhost.evil.example/cb",
    "https:/no-host",
    "https://app.example/cb#fragment",
]


def test_redirect_uris_must_be_https_loopback_oob_or_a_private_use_scheme(server):
    for uri in GOOD_REDIRECTS:
        response = requests.post(
            f"{server}/api/v1/apps", json={"client_name": "good", "redirect_uris": uri}, timeout=10
        )
        assert response.status_code == 200, (uri, response.text)
        assert response.json()["redirect_uris"] == [uri]
    for uri in BAD_REDIRECTS:
        for body in (
            {"client_name": "bad", "redirect_uris": uri},
            {"client_name": "bad", "redirect_uris": [REDIRECT, uri]},
        ):
            response = requests.post(f"{server}/api/v1/apps", json=body, timeout=10)
            assert response.status_code == 422, (uri, response.text)
            assert response.json()["error"].startswith("Validation failed: Redirect URI must be https"), uri


def test_app_website_must_be_http_or_https(server):
    bad = requests.post(
        f"{server}/api/v1/apps",
        json={"client_name": "x", "redirect_uris": REDIRECT, "website": "javascript:alert(1)"},
        timeout=10,
    )
    assert bad.status_code == 422 and "Website" in bad.json()["error"]
    good = _register_app(server, client_name="x", redirect_uris=REDIRECT, website="https://app.example/")
    assert good["website"] == "https://app.example/"


def _legacy_app(redirect_uri: str, website: str):
    """An app stored before these rules (straight into the database, as an old row would be)."""
    from oauth2_provider.models import Application

    from caravan.api.models import AppProfile

    app = Application.objects.create(
        name="Old app",
        redirect_uris=redirect_uri,
        client_type="confidential",
        authorization_grant_type="authorization-code",
    )
    AppProfile.objects.create(application=app, website=website, scopes="read")
    return app


def test_stored_script_redirect_and_website_are_never_used(client, make_user):
    """In-process: the apps here are rows written as an older Caravan could have stored them."""
    user = make_user(f"l{uuid.uuid4().hex[:8]}")
    client.force_login(user)
    scripted = _legacy_app("javascript:alert(document.domain)", "https://fine.example")
    page = client.get(
        "/oauth/authorize",
        {"response_type": "code", "client_id": scripted.client_id, "redirect_uri": scripted.redirect_uris},
    )
    assert page.status_code == 400 and "Location" not in page
    assert "not allowed" in page.content.decode() and 'value="approve"' not in page.content.decode()
    approve = client.post(
        "/oauth/authorize?"
        + urlencode(
            {"response_type": "code", "client_id": scripted.client_id, "redirect_uri": scripted.redirect_uris}
        ),
        {"intent": "approve"},
    )
    assert approve.status_code == 400 and "Location" not in approve

    linked = _legacy_app(REDIRECT, "javascript:alert(document.domain)")
    consent = client.get(
        "/oauth/authorize", {"response_type": "code", "client_id": linked.client_id, "redirect_uri": REDIRECT}
    )
    html = consent.content.decode()
    assert consent.status_code == 200 and 'value="approve"' in html
    assert "javascript:" not in html  # not as a link, not as text either

    from caravan.api.oauth import issue_token

    token = issue_token(user, linked.pk, "read").token
    described = client.get("/api/v1/apps/verify_credentials", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert described.status_code == 200 and described.json()["website"] is None


def test_refusal_of_a_stored_script_redirect_is_explained_in_arabic(client, make_user):
    """Needs the Arabic catalog regenerated with this page's new message (docs/decisions/0005)."""
    client.force_login(make_user(f"l{uuid.uuid4().hex[:8]}"))
    scripted = _legacy_app("javascript:alert(document.domain)", "")
    arabic = client.get(
        "/oauth/authorize",
        {
            "response_type": "code",
            "client_id": scripted.client_id,
            "redirect_uri": scripted.redirect_uris,
            "lang": "ar",
        },
    )
    assert (
        arabic.status_code == 400
        and "يريد هذا التطبيق إعادتك إلى عنوان غير مسموح به" in arabic.content.decode()
    )


def test_consent_page_in_arabic(server, app_credentials):
    """The whole authorization page in Arabic (right to left) for someone who reads Arabic, and approving
    still returns a code."""
    username = f"ar{uuid.uuid4().hex[:8]}"
    client_id, client_secret = app_credentials
    app_token = requests.post(
        f"{server}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        timeout=10,
    ).json()["access_token"]
    created = requests.post(
        f"{server}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={
            "username": username,
            "email": f"{username}@example.org",
            "password": PASSWORD,
            "agreement": True,
            "locale": "ar",
        },
        timeout=10,
    )
    assert created.status_code == 200, created.text
    app = _register_app(
        server, client_name="تطبيق القافلة", redirect_uris=REDIRECT, website="https://app.example/ar"
    )
    session = requests.Session()
    session.headers["Accept-Language"] = "ar"
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "read",
    }
    login_page = session.get(f"{server}/oauth/authorize?{urlencode(query)}", timeout=10)
    assert 'lang="ar" dir="rtl"' in login_page.text and "سجّل الدخول للسماح لتطبيق" in login_page.text
    consent = session.post(
        server + _form_action(login_page.text),
        data={
            "csrfmiddlewaretoken": _csrf(login_page.text),
            "intent": "login",
            "username": username,
            "password": PASSWORD,
        },
        timeout=10,
    )
    assert consent.status_code == 200 and 'dir="rtl"' in consent.text
    assert "هل تسمح لـ <bdi>تطبيق القافلة</bdi> باستخدام حسابك؟" in consent.text
    assert "يطلب هذه الصلاحيات:" in consent.text and ">السماح<" in consent.text
    assert '<a href="https://app.example/ar"' in consent.text
    approved = session.post(
        server + _form_action(consent.text),
        data={"csrfmiddlewaretoken": _csrf(consent.text), "intent": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 302 and parse_qs(urlsplit(approved.headers["Location"]).query)["code"]
