"""The language switch in every page's footer: a signed-in person's choice is their `User.locale` (kept across
sign-out and sign-in, and read by the API too); a visitor's is a cookie. Either way the cookie is set, so the
pages after signing out stay in the chosen language."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.accounts.services import update_preferences
from caravan.errors import DomainError
from caravan.web.middleware import COOKIE, SUPPORTED
from caravan.web.shortcuts import back, handles_domain_errors

COOKIE_SECONDS = 365 * 86400


@require_POST
@handles_domain_errors
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in SUPPORTED:
        raise DomainError(error_codes.LOCALE_UNAVAILABLE, field="language")
    if request.user.is_authenticated:
        update_preferences(request.user, locale=language)
    response = back(request, "/")
    response.set_cookie(COOKIE, language, max_age=COOKIE_SECONDS, samesite="Lax")
    return response
