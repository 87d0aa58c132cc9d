"""Appeal pages: the person appeals a decision from its notice (`/notices/<id>/appeal`, POST), the appeal's
page where the person and the moderators exchange messages and a moderator decides (`/notices/<id>/appeal`),
and the moderators' list of open appeals (`/moderation/appeals`). The person reads only their own appeal (404
for anyone else); the services check every change again.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravan.errors import DomainError
from caravan.moderation import appeals
from caravan.moderation.models import AppealState
from caravan.moderation.selectors import notice_for
from caravan.web.shortcuts import member_view, moderators_only, open_to_suspended
from caravan.web.views.moderation import APPEAL_STATE_LABELS, KIND_LABELS, _stored_id


def _page(action_id: int) -> str:
    return f"/notices/{action_id}/appeal"


@member_view
@open_to_suspended
def appeal(request: HttpRequest, action_id: int) -> HttpResponse:
    """GET: the appeal's page. POST: the person appeals the action (from its notice)."""
    action_id = _stored_id(action_id)
    if request.method == "POST":
        action = notice_for(request.user, action_id)
        if action is None:
            raise Http404
        try:
            appeals.create_appeal(request.user, action, request.POST.get("text", ""))
            messages.success(request, _("Your appeal was sent to the moderators."))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(f"/notices/{action_id}")
        return redirect(_page(action_id))
    file = appeals.appeal_file_for(request.user, action_id)
    if file is None:
        raise Http404
    account_id = request.user.account_id
    moderator = request.user.may_moderate and account_id != file.appeal.account_id
    acting = file.action.moderator_id is not None and file.action.moderator_id == account_id
    return render(
        request,
        "caravan/appeals/appeal.html",
        {
            "file": file,
            "appeal": file.appeal,
            "action": file.action,
            "label": KIND_LABELS[file.action.kind],
            "state": APPEAL_STATE_LABELS[file.appeal.state],
            "pending": file.appeal.state == AppealState.PENDING,
            "as_moderator": moderator,
            "may_decide": moderator and not acting,
            "acting": moderator and acting,
        },
    )


@require_POST
@member_view
@open_to_suspended
def message(request: HttpRequest, action_id: int) -> HttpResponse:
    file = appeals.appeal_file_for(request.user, _stored_id(action_id))
    if file is None:
        raise Http404
    try:
        appeals.add_appeal_message(request.user, file.appeal, request.POST.get("text", ""))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_page(file.action.id) + "#conversation")


@require_POST
@member_view
def decide(request: HttpRequest, action_id: int) -> HttpResponse:
    moderators_only(request)
    file = appeals.appeal_file_for(request.user, _stored_id(action_id))
    if file is None:
        raise Http404
    try:
        appeals.decide_appeal(
            request.user, file.appeal, request.POST.get("decision", ""), request.POST.get("reason", "")
        )
        messages.success(request, _("The appeal was decided and the person has been told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_page(file.action.id))


@member_view
def open_list(request: HttpRequest) -> HttpResponse:
    moderators_only(request)
    rows = [(a, KIND_LABELS[a.action.kind]) for a in appeals.open_appeals()]
    return render(request, "caravan/appeals/list.html", {"rows": rows})
