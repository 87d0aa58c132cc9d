"""Small pieces every web view uses: turning domain errors into pages, safe redirects, pagination links."""

import functools
import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caravan.errors import DomainError
from caravan.pagination import Page

# Domain messages that carry numbers: matched here so the reader gets them in their own language.
_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (
        re.compile(r"Your post is (\d+) characters long; the limit on this server is (\d+)\."),
        lambda m: (
            _("Your post is %(length)s characters long; the limit on this server is %(limit)s.")
            % {"length": m[1], "limit": m[2]}
        ),
    ),
    (
        re.compile(r"Images can be at most (\d+) MB\."),
        lambda m: _("Images can be at most %(size)s MB.") % {"size": m[1]},
    ),
    (
        re.compile(r"Images can be at most (\d+) megapixels\."),
        lambda m: _("Images can be at most %(count)s megapixels.") % {"count": m[1]},
    ),
    (
        # caravan/throttling.py: what was throttled (listed in error_messages), then when to try again.
        re.compile(r"(Too many [^.]+\.) Try again in (\d+) minutes?\."),
        lambda m: (
            _(m[1])  # noqa: INT001 - the sentences are listed in web/error_messages.py
            + " "
            + ngettext("Try again in %(count)s minute.", "Try again in %(count)s minutes.", int(m[2]))
            % {"count": m[2]}
        ),
    ),
    (
        re.compile(r"A post can have at most (\d+) images\."),
        lambda m: _("A post can have at most %(count)s images.") % {"count": m[1]},
    ),
    (
        re.compile(r"A poll needs 2 to (\d+) options\."),
        lambda m: _("A poll needs 2 to %(count)s options.") % {"count": m[1]},
    ),
    (
        re.compile(r"Poll options are at most (\d+) characters\."),
        lambda m: _("Poll options are at most %(count)s characters.") % {"count": m[1]},
    ),
    (
        re.compile(r"At most (\d+) profile fields\."),
        lambda m: _("At most %(count)s profile fields.") % {"count": m[1]},
    ),
]


def describe(error: DomainError) -> str:
    """The error's message in the page's language (the domain writes English; the catalog holds the rest)."""
    for pattern, translate in _PATTERNS:
        match = pattern.fullmatch(error.message)
        if match:
            return translate(match)
    # Password validators already speak the active language; other messages are looked up as written.
    return _(error.message)  # noqa: INT001 - messages come from the domain and are listed in the catalog


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "caravan/error.html", {"message": describe(error)}, status=error.status)


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
    """Signed-in pages: unknown visitors go to sign in and come back."""
    return login_required(handles_domain_errors(view))


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


def wants_activity_json(request: HttpRequest) -> bool:
    """A server fetching a profile or post by its web address is sent to the ActivityPub id instead."""
    accept = request.headers.get("Accept", "")
    return "application/activity+json" in accept or "application/ld+json" in accept
