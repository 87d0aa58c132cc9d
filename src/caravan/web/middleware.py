"""Choosing the page language: the signed-in user's setting, then ?lang= or a cookie, then Accept-Language."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.utils import translation

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


class LanguageMiddleware:
    # Sync and async: under ASGI a sync-only middleware costs two thread hops on every request.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

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


class DisplayMiddleware:
    """The signed-in person's digits, Hijri dates and time zone (`web.display`) for this request; visitors get
    the defaults. It sits after `LanguageMiddleware`, which has already read the user when a session cookie came
    (`request._cached_user`), so it costs no query and no thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

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
