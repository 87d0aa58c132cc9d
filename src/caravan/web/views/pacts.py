"""The pact pages: make a pact, the pacts I made and the ones I count for, one pact with commit / withdraw and,
once met, "follow everyone". Plain forms; each view parses, calls `pacts.services`, renders."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from caravan.errors import DomainError
from caravan.ids import id_from_text, parse_int64
from caravan.pacts import selectors, services
from caravan.pacts.models import MAX_MEMBERS, PactPeople
from caravan.pagination import Page
from caravan.web.confirm import ask_first
from caravan.web.shortcuts import member_view


@member_view
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.user.account
    return render(
        request,
        "caravan/pacts/index.html",
        {
            "made": selectors.pacts_made_by(viewer, Page(limit=40)),
            "counting": selectors.pacts_counting(viewer, Page(limit=40)),
        },
    )


@member_view
def new(request: HttpRequest) -> HttpResponse:
    viewer = request.user.account
    form = {
        "people": request.POST.get("people") or request.GET.get("people") or PactPeople.MATCHED,
        "list": request.POST.get("list") or request.GET.get("list") or "",
        "threshold": request.POST.get("threshold", ""),
        "deadline": request.POST.get("deadline", ""),
        "auto_follow": request.POST.get("auto_follow") == "on",
    }
    errors, status = [], 200
    if request.method == "POST":
        try:
            pact = services.create_pact(
                viewer,
                threshold=parse_int64(form["threshold"][:20]),
                deadline=services.parse_deadline(form["deadline"][:40]),
                people=form["people"][:20],
                list_id=id_from_text(form["list"][:20]),
                auto_follow=form["auto_follow"],
            )
        except DomainError as error:
            errors, status = [error.message], error.status
        else:
            messages.success(request, _("Your pact is made: the people it counts have been told."))
            return redirect(f"/pacts/{pact.id}")
    return render(
        request,
        "caravan/pacts/new.html",
        {"form": form, "errors": errors, "lists": selectors.lists_of(viewer), "max": MAX_MEMBERS},
        status=status,
    )


@member_view
def detail(request: HttpRequest, pact_id: str) -> HttpResponse:
    view = selectors.pact_for(request.user.account, id_from_text(pact_id))
    return render(request, "caravan/pacts/detail.html", {"view": view, "pact": view.pact})


def _act(request: HttpRequest, pact_id: int, action) -> HttpResponse:
    view = selectors.pact_for(request.user.account, id_from_text(pact_id))
    try:
        done = action(view)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if done:
            messages.success(request, done)
    return redirect(f"/pacts/{view.pact.id}")


@require_POST
@member_view
def commit(request: HttpRequest, pact_id: str) -> HttpResponse:
    def act(view):
        services.commit(view.viewer, view.pact, auto_follow=request.POST.get("auto_follow") == "on")
        return _("You committed. You can withdraw until the pact is met.")

    return _act(request, pact_id, act)


@require_http_methods(["GET", "POST"])
@member_view
def withdraw(request: HttpRequest, pact_id: str) -> HttpResponse:
    """GET asks first; POST withdraws."""
    if request.method == "GET":
        view = selectors.pact_for(request.user.account, id_from_text(pact_id))
        return ask_first(
            request,
            title=_("Withdraw your commitment?"),
            question=_(
                "You will no longer count towards this pact, and you will not follow its people when it is met."
            ),
            button=_("Withdraw my commitment"),
            cancel=f"/pacts/{view.pact.id}",
        )

    def act(view):
        services.withdraw(view.viewer, view.pact)
        return _("You withdrew your commitment.")

    return _act(request, pact_id, act)


@require_POST
@member_view
def follow_everyone(request: HttpRequest, pact_id: str) -> HttpResponse:
    def act(view):
        made = services.follow_everyone(view.viewer, view.pact)
        return ngettext(
            "You now follow %(count)s more person from this pact.",
            "You now follow %(count)s more people from this pact.",
            made,
        ) % {"count": made}

    return _act(request, pact_id, act)
