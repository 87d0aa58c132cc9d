"""Small pieces every web view uses: turning domain errors into pages, safe redirects, pagination links."""

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from caravan import error_codes
from caravan.errors import DomainError
from caravan.pagination import Page


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The error in the page's language (the middleware has activated the reader's)."""
    return render(request, "caravan/error.html", {"message": error.message}, status=error.status)


def handles_domain_errors(view: Callable) -> Callable:
    """A DomainError no form catches becomes a readable page with the error's 4xx status, never a 500."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_page(request, error)

    return wrapped


def member_view(view: Callable) -> Callable:
    """Signed-in pages: unknown visitors go to sign in and come back. A suspended account uses none of them,
    except those marked `open_to_suspended` (the notices that explain the decision)."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        account = request.user.account
        if (
            account is not None
            and account.suspended_at is not None
            and not getattr(view, "open_to_suspended", False)
        ):
            return error_page(request, DomainError(error_codes.ACCOUNT_SUSPENDED))
        return view(request, *args, **kwargs)

    return login_required(handles_domain_errors(checked))


def open_to_suspended(view: Callable) -> Callable:
    """Mark a signed-in page a suspended account may still read."""
    view.open_to_suspended = True
    return view


def safe_next(request: HttpRequest, fallback: str = "/home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def back(request: HttpRequest, fallback: str = "/home") -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, fallback))


def page_links(request: HttpRequest, ids: list[int], page: Page) -> dict:
    """Links to the older and newer pages of a newest-first list of ids, keeping other query parameters."""
    params = {k: v for k, v in request.GET.items() if k not in {"max_id", "min_id", "since_id", "lang"}}
    links = {"older": "", "newer": ""}
    if ids and len(ids) >= page.limit:
        links["older"] = "?" + urlencode({**params, "max_id": ids[-1]})
    if ids and (page.max_id is not None or page.min_id is not None):
        links["newer"] = "?" + urlencode({**params, "min_id": ids[0]})
    return links


def moderators_only(request: HttpRequest) -> None:
    """Moderators' pages answer 403 to anyone else (`User.may_moderate`); the services check it again."""
    if not getattr(request.user, "may_moderate", False):
        raise PermissionDenied


def told_when_to_retry(response: HttpResponse, retry_after: int | None) -> HttpResponse:
    """The answer, with Retry-After when a limit refused the request: every 429 of the pages says when to come
    back, as the API's do."""
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
