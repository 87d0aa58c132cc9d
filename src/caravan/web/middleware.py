"""Choosing the page language: the signed-in user's setting, then ?lang= or a cookie, then Accept-Language."""

from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.utils import translation

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
    if user is not None and user.is_authenticated and user.locale in SUPPORTED:
        return user.locale
    chosen = request.GET.get("lang") or request.COOKIES.get(COOKIE)
    if chosen in SUPPORTED:
        return chosen
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if request.GET.get("lang") in SUPPORTED:
            response.set_cookie(COOKIE, request.GET["lang"], max_age=365 * 86400, samesite="Lax")
        return response
