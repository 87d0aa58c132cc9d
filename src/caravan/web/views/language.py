"""The language switch in every page's footer: a signed-in person's choice is their `User.locale` (kept across
sign-out and sign-in, and read by the API too); a visitor's is a cookie. Either way the cookie is set, so the
pages after signing out stay in the chosen language."""

from urllib.parse import parse_qsl, urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.accounts.services import update_preferences
from caravan.errors import DomainError
from caravan.web.middleware import COOKIE, SUPPORTED
from caravan.web.shortcuts import handles_domain_errors, safe_next

COOKIE_SECONDS = 365 * 86400


def _without_lang(target: str) -> str:
    """The page to go back to, less any `?lang=` (it would win over the choice just made)."""
    parts = urlsplit(target)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return parts._replace(query=query).geturl()


@require_POST
@handles_domain_errors
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in SUPPORTED:
        raise DomainError(error_codes.LOCALE_UNAVAILABLE, field="language")
    if request.user.is_authenticated:
        update_preferences(request.user, locale=language)
    response = HttpResponseRedirect(_without_lang(safe_next(request, "/")))
    response.set_cookie(COOKIE, language, max_age=COOKIE_SECONDS, samesite="Lax")
    return response
