"""OAuth 2 the way Mastodon apps expect it, on django-oauth-toolkit: app registration, the authorization page
(sign in, then approve), the token and revoke endpoints, RFC 8414 metadata, and sign-up through the API.
"""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import orjson
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauthlib.common import generate_token

from caravan import error_codes, throttling
from caravan.accounts import security
from caravan.accounts.models import User
from caravan.api import entities
from caravan.api.app_links import OOB, is_allowed_redirect_uri, website_link
from caravan.api.http import (
    ApiError,
    _lookup_token,
    api,
    forget_token,
    json_errors,
    json_response,
    params,
    refusal,
)
from caravan.api.models import AppProfile
from caravan.api.params import read_params
from caravan.api.scopes import all_scopes, expand
from caravan.api.scopes import parse as parse_scopes
from caravan.api.streaming.publishing import end_streams
from caravan.errors import DomainError, Throttled, each_error
from caravan.signup import register_user


class _Core(OAuthLibCore):
    """oauthlib's view of a request, reading the body as the rest of the API does (JSON too)."""

    def extract_body(self, request: HttpRequest) -> list[tuple[str, str]]:
        if request.content_type == "application/json":
            try:
                data = orjson.loads(request.body or b"{}")
            except orjson.JSONDecodeError:
                return []
            return (
                [(k, str(v)) for k, v in data.items() if isinstance(v, str | int)]
                if isinstance(data, dict)
                else []
            )
        return list(request.POST.items())


_core: _Core | None = None


def core() -> _Core:
    global _core
    if _core is None:
        _core = _Core()
    return _core


def _redirect(location: str) -> HttpResponse:
    # Apps register custom schemes (myapp://callback); Django's HttpResponseRedirect refuses those.
    response = HttpResponse(status=302)
    response["Location"] = location
    return response


def _app_scopes(app: Application) -> str:
    profile = getattr(app, "profile", None)
    return profile.scopes if profile is not None else "read"


@api(auth="none")
def create_app(request: HttpRequest):
    p = params(request)
    name = (p.str("client_name") or "").strip()
    if not name:
        raise ApiError(error_codes.APP_NAME_BLANK)
    given = (
        p.strs("redirect_uris") if isinstance(p.get("redirect_uris"), list) else [p.str("redirect_uris", "")]
    )
    uris = [u.strip() for text in given for u in text.split("\n") if u.strip()]
    if not uris:
        raise ApiError(error_codes.REDIRECT_URI_BLANK)
    for uri in uris:
        if not is_allowed_redirect_uri(uri):
            raise ApiError(error_codes.REDIRECT_URI_NOT_ALLOWED, oob=OOB)
    scopes = parse_scopes(p.strs("scopes") if isinstance(p.get("scopes"), list) else p.str("scopes", "read"))
    unknown = [s for s in scopes if s not in all_scopes()]
    if unknown:
        raise ApiError(error_codes.SCOPES_INVALID, scopes=" ".join(unknown))
    website = (p.str("website") or "").strip()
    if website and (len(website) > 2000 or website_link(website) is None):
        raise ApiError(error_codes.WEBSITE_INVALID)
    secret = generate_token()
    with transaction.atomic():
        app = Application(
            name=name[:255],
            redirect_uris=" ".join(uris),
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            client_secret=secret,
            hash_client_secret=True,
            algorithm="",
        )
        app.save()
        AppProfile.objects.create(application=app, website=website, scopes=" ".join(scopes))
    data = entities.application(app, website, " ".join(scopes))
    data.update(client_id=app.client_id, client_secret=secret, client_secret_expires_at=0)
    return data


@api(auth="app")
def verify_app(request: HttpRequest):
    app = Application.objects.select_related("profile").get(pk=request.token.application_id)
    profile = getattr(app, "profile", None)
    return entities.application(app, profile.website if profile else "", _app_scopes(app))


def _authorize_context(request: HttpRequest) -> dict:
    query = request.GET.copy()
    query.pop("force_login", None)
    return {"action": f"{request.path}?{query.urlencode()}"}


def authorize(request: HttpRequest) -> HttpResponse:
    """Sign in (when needed), then show what the app asks for; approving redirects back with a code.

    Every answer here (sign-in page, consent page, the redirects between them and back to the app) keeps the
    window's opener: web apps (Phanpy, Elk) open this page in a popup and wait for the code from it through
    `window.opener`, which Django's default `Cross-Origin-Opener-Policy: same-origin` would sever
    (docs/decisions/0037)."""
    response = _authorize(request)
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def _authorize(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("intent") == "login":
        return _login(request)
    if request.method == "POST" and request.POST.get("intent") == "code":
        return _second_step(request)
    if request.GET.get("force_login") not in (None, "", "false", "0") and request.method == "GET":
        return render(request, "api/login.html", _authorize_context(request))
    if not request.user.is_authenticated:
        return render(request, "api/login.html", _authorize_context(request))
    try:
        scopes, credentials = core().validate_authorization_request(request)
    except OAuthToolkitError as error:
        return render(
            request,
            "api/oauth_error.html",
            {"error": error.oauthlib_error.description or error.oauthlib_error.error},
            status=400,
        )
    if not is_allowed_redirect_uri(credentials.get("redirect_uri") or ""):
        # Registered before redirect addresses were checked: never send anyone (or a code) there.
        message = _(
            "This app wants to send you back to an address that is not allowed: only https addresses, "
            "addresses on this computer and the app's own links are allowed."
        )
        return render(request, "api/oauth_error.html", {"error": message}, status=400)
    app = Application.objects.select_related("profile").get(client_id=credentials["client_id"])
    allowed = expand(_app_scopes(app).split())
    if not set(scopes) <= allowed:
        return render(
            request,
            "api/oauth_error.html",
            {"error": "The requested scope is invalid, unknown, or malformed."},
            status=400,
        )
    if request.method != "POST":
        website = website_link(app.profile.website if hasattr(app, "profile") else "")
        context = {"app": app, "website": website, "scopes": scopes, **_authorize_context(request)}
        return render(request, "api/authorize.html", context)
    allow = request.POST.get("intent") == "approve"
    try:
        location, _headers, _body, _status = core().create_authorization_response(
            request, scopes=scopes, credentials=credentials, allow=allow
        )
    except OAuthToolkitError as error:
        redirect_uri = getattr(error, "redirect_uri", None) or credentials.get("redirect_uri")
        if redirect_uri and redirect_uri != OOB:
            return _redirect(error.oauthlib_error.in_uri(redirect_uri))
        return render(
            request, "api/oauth_error.html", {"error": error.oauthlib_error.description}, status=400
        )
    if location.startswith(OOB):
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        return render(request, "api/oob.html", {"code": code, "app": app})
    return _redirect(location)


def _login(request: HttpRequest) -> HttpResponse:
    identifier = (request.POST.get("username") or "").strip().lstrip("@")
    password = request.POST.get("password") or ""
    context = {**_authorize_context(request), "username": identifier}
    # The same check and limits as the web sign-in page, counted in the same counters.
    try:
        user = throttling.check_password(request, identifier, password)
    except Throttled as throttled:
        response = render(request, "api/login.html", {**context, "error": throttled.message}, status=429)
        response["Retry-After"] = str(throttled.retry_after)
        return response
    if user is None:
        return render(request, "api/login.html", {**context, "failed": True}, status=401)
    if not security.email_confirmed(user):
        error = DomainError(error_codes.EMAIL_NOT_CONFIRMED).message
        return render(request, "api/login.html", {**context, "error": error}, status=403)
    if security.two_factor_enabled(user):
        # The password alone signs nobody in: the session only remembers who, for five minutes, until the
        # code from their app (or a recovery code) is given on the next step.
        security.begin_second_step(request.session, user)
        return render(request, "api/two_factor.html", context)
    _start_session(request, user)
    return _redirect(_authorize_context(request)["action"])


def _second_step(request: HttpRequest) -> HttpResponse:
    context = _authorize_context(request)
    pending = security.pending_second_step(request.session)
    if pending is None:
        error = DomainError(error_codes.TWO_FACTOR_STEP_EXPIRED).message
        return render(request, "api/login.html", {**context, "error": error}, status=400)
    user, _next = pending
    address = throttling.client_address(request)
    try:
        throttling.check_sign_in(user.pk, user.username, address)
    except Throttled as throttled:
        response = render(request, "api/two_factor.html", {**context, "error": throttled.message}, status=429)
        response["Retry-After"] = str(throttled.retry_after)
        return response
    if not security.check_second_factor(user, request.POST.get("code") or ""):
        throttling.note_failed_sign_in(user.pk, user.username, address)
        error = DomainError(error_codes.TWO_FACTOR_CODE_WRONG).message
        return render(request, "api/two_factor.html", {**context, "error": error}, status=403)
    security.end_second_step(request.session)
    _start_session(request, user)
    return _redirect(context["action"])


def _start_session(request: HttpRequest, user: User) -> None:
    """A web session like the web pages' own, listed on the person's security tab."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    security.record_session(
        user,
        request.session.session_key,
        throttling.client_address(request),
        request.META.get("HTTP_USER_AGENT", ""),
    )


def _unreadable(request: HttpRequest) -> HttpResponse | None:
    """RFC 6749's invalid_request for a body or query that cannot be read (bad JSON, NUL characters...)."""
    try:
        read_params(request)
    except DomainError as error:
        return json_response({"error": "invalid_request", "error_description": error.message}, status=400)
    return None


@csrf_exempt
@json_errors
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return refusal(DomainError(error_codes.METHOD_NOT_ALLOWED))
    refused = _unreadable(request)
    if refused is not None:
        return refused
    if request.POST.get("grant_type") == "password":
        return json_response(
            {"error": "unsupported_grant_type", "error_description": "The password grant is not supported."},
            status=400,
        )
    _uri, headers, body, status = core().create_token_response(request)
    data = orjson.loads(body) if body else {}
    if status == 200:
        data = {
            "access_token": data["access_token"],
            "token_type": "Bearer",
            "scope": data.get("scope", ""),
            "created_at": int(time.time()),
        }
    response = json_response(data, status=status)
    for name in ("WWW-Authenticate",):
        if name in headers:
            response[name] = headers[name]
    return response


@csrf_exempt
@json_errors
def revoke(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return refusal(DomainError(error_codes.METHOD_NOT_ALLOWED))
    refused = _unreadable(request)
    if refused is not None:
        return refused
    token_value = str(read_params(request).get("token") or "")
    revoked = _lookup_token(token_value) if token_value else None
    _uri, _headers, body, status = core().create_revocation_response(request)
    if token_value:
        forget_token(token_value)
    if status == 200 and revoked is not None and _lookup_token(token_value) is None:
        end_streams([f"access:token:{revoked.token_id}"])  # its open streams close too
    if status != 200:
        return json_response(orjson.loads(body) if body else {"error": "unauthorized_client"}, status=status)
    return json_response({})


def server_metadata(request: HttpRequest) -> HttpResponse:
    base = settings.BASE_URL
    return json_response(
        {
            "issuer": f"{base}/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "scopes_supported": sorted(all_scopes()),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }
    )


def issue_token(user: User, application_id: int, scopes: str) -> AccessToken:
    return AccessToken.objects.create(
        user=user,
        application_id=application_id,
        token=generate_token(),
        expires=timezone.now() + timedelta(seconds=settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]),
        scope=scopes,
    )


# Mastodon names the kind of each registration problem with an ERR_* word (clients show their own text for
# some); every other problem is ERR_INVALID.
# Mastodon's `details` codes for the sign-up errors that have their own; every other one (a username or email in
# the wrong form, a rejected password, an unknown invite) is a value Mastodon calls ERR_INVALID.
MASTODON_DETAIL_CODES = {
    error_codes.USERNAME_BLANK: "ERR_BLANK",
    error_codes.EMAIL_REQUIRED: "ERR_BLANK",
    error_codes.JOIN_REASON_REQUIRED: "ERR_BLANK",
    error_codes.USERNAME_RESERVED: "ERR_RESERVED",
    error_codes.USERNAME_TAKEN: "ERR_TAKEN",
    error_codes.RULES_NOT_ACCEPTED: "ERR_ACCEPTED",
    error_codes.INVITE_EXPIRED: "ERR_EXPIRED",
    error_codes.INVITE_USED_UP: "ERR_EXPIRED",
}


@api(auth="app", scope="write:accounts")
def register(request: HttpRequest):
    """Sign up through an app (`POST /api/v1/accounts`): the new user's token comes back at once."""
    p = params(request)
    address = throttling.client_address(request)
    throttling.check_sign_up(address)
    try:
        user = register_user(
            username=p.str("username") or "",
            password=p.str("password") or "",
            email=p.str("email") or "",
            agreement=bool(p.bool("agreement", False)),
            reason=p.str("reason") or "",
            locale=p.str("locale") or "",
            invite_code=p.str("invite_code") or "",
            address=address,
        )
    except DomainError as error:
        if error.status != 422:
            raise
        details: dict[str, list] = {}
        for each in each_error(error):  # every field's problem at once, as Mastodon answers
            details.setdefault(each.field or "base", []).append(
                {"error": MASTODON_DETAIL_CODES.get(each.kind, "ERR_INVALID"), "description": each.message}
            )
        raise ApiError(error_codes.VALIDATION_FAILED, reason=error, details=details) from None
    app = Application.objects.select_related("profile").get(pk=request.token.application_id)
    issued = issue_token(user, app.pk, _app_scopes(app))
    return {
        "access_token": issued.token,
        "token_type": "Bearer",
        "scope": issued.scope,
        "created_at": int(issued.created.timestamp()),
    }


def default_image(kind: str) -> HttpResponse:
    """The image shown for accounts without an avatar or header (a real URL, as apps expect)."""
    return HttpResponse(
        _default_images()[kind], content_type="image/png", headers={"Cache-Control": "public, max-age=86400"}
    )


_images: dict[str, bytes] = {}


def _default_images() -> dict[str, bytes]:
    if not _images:
        import io

        from PIL import Image

        for kind, size, colour in (
            ("avatar", (400, 400), (180, 160, 140)),
            ("header", (1500, 500), (220, 210, 200)),
        ):
            out = io.BytesIO()
            Image.new("RGB", size, colour).save(out, "PNG", optimize=True)
            _images[kind] = out.getvalue()
    return _images
