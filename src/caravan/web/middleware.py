"""Choosing the page language: the signed-in user's setting, then ?lang= or a cookie, then Accept-Language."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils import translation

from caravan.accounts import security
from caravan.throttling import client_address
from caravan.web import display

SUPPORTED = {code for code, _ in settings.LANGUAGES}
COOKIE = "caravan_language"


def _user(request):
    """The signed-in user, if any. This runs before AuthenticationMiddleware, so it reads the session itself;
    `get_user` caches the user on the request, so the later `request.user` costs nothing more."""
    user = getattr(request, "user", None)
    if user is None and hasattr(request, "session"):
        user = get_user(request)
    return user


def language_for(request) -> str:
    user = _user(request)
    if user is not None and user.is_authenticated and user.interface_language:
        return user.interface_language
    return language_for_anonymous(request)


def language_for_anonymous(request) -> str:
    chosen = request.GET.get("lang") or request.COOKIES.get(COOKIE)
    if chosen in SUPPORTED:
        return chosen
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


class SyncAndAsync:
    """A middleware that runs in whichever mode the handler it wraps runs (the ASGI app's is async)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)


class LanguageMiddleware(SyncAndAsync):
    # Sync and async: under ASGI a sync-only middleware costs two thread hops on every request.

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        self._activate(request, language_for(request))
        return self._finish(request, self.get_response(request))

    async def _acall(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            chosen = await sync_to_async(language_for)(request)  # reads the session: the database
        else:
            chosen = language_for_anonymous(request)  # API clients: no session, no query
        self._activate(request, chosen)
        return self._finish(request, await self.get_response(request))

    @staticmethod
    def _activate(request, language: str) -> str:
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return language

    @staticmethod
    def _finish(request, response):
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if request.GET.get("lang") in SUPPORTED:
            response.set_cookie(COOKIE, request.GET["lang"], max_age=365 * 86400, samesite="Lax")
        return response


# --- Account security: the sessions a person sees on /settings/security, and staff who must use two-factor ---

TWO_FACTOR_SETUP = "/settings/security/two_factor"
# What staff without two-factor may still open under CARAVAN_REQUIRE_TWO_FACTOR_FOR_STAFF: the set-up page,
# signing out, the client API and OAuth's token endpoints (tokens, not this session: authorizing an app is not
# open, or a token would stand in for the missing second factor), static files and federation's documents.
OPEN_TO_STAFF_WITHOUT_TWO_FACTOR = (
    TWO_FACTOR_SETUP,  # and its QR code
    "/auth/sign_out",
    "/static/",
    "/api/",
    "/oauth/token",
    "/oauth/revoke",
    "/.well-known/",
    "/nodeinfo",
    "/users/",
    "/inbox",
)


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _check_session(request):
    """A signed-in request: note when its session was last seen (at most once a minute, counted in the
    cache; the first request after signing in records it), and send staff without two-factor to set it up when
    the server requires it."""
    user = _user(request)
    if user is None or not user.is_authenticated:
        return None
    key = request.session.session_key
    if key and cache.add(f"websession-seen:{key}", 1, security.SEEN_EVERY):
        security.touch_session(user, key, client_address(request), _user_agent(request))
    if (
        settings.CARAVAN["REQUIRE_TWO_FACTOR_FOR_STAFF"]
        and user.may_moderate
        and not request.path.startswith(OPEN_TO_STAFF_WITHOUT_TWO_FACTOR)
        and not security.two_factor_enabled(user)
    ):
        return redirect(f"{TWO_FACTOR_SETUP}?required=1")
    return None


class AccountSecurityMiddleware(SyncAndAsync):
    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            refused = _check_session(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    async def _acall(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:  # API clients: no session, nothing to do
            refused = await sync_to_async(_check_session)(request)
            if refused is not None:
                return refused
        return await self.get_response(request)


class DisplayMiddleware(SyncAndAsync):
    """The signed-in person's digits, Hijri dates and time zone (`web.display`) for this request; visitors get
    the defaults. It sits after `LanguageMiddleware`, which has already read the user when a session cookie came
    (`request._cached_user`), so it costs no query and no thread hop."""

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        display.activate(display.display_for(getattr(request, "_cached_user", None)))
        try:
            return self.get_response(request)
        finally:
            display.deactivate()

    async def _acall(self, request):
        display.activate(display.display_for(getattr(request, "_cached_user", None)))
        try:
            return await self.get_response(request)
        finally:
            display.deactivate()
