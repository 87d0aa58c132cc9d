"""The admin's page of incoming activities that failed too often (set aside from the inbox queue): list, retry,
discard. The federation face serves it because the queue is federation's; it uses the web pages' layout.
"""

import orjson
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravan.errors import DomainError
from caravan.federation.inbox import discard_set_aside_item, retry_set_aside_item, set_aside_items
from caravan.ids import parse_int64


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


def _activity_summary(body: bytes) -> tuple[str, str]:
    """(type, id) of a stored activity, for the list; whatever the body holds, nothing here may fail."""
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", ""
    if not isinstance(activity, dict):
        return "", ""
    kind, activity_id = activity.get("type"), activity.get("id")
    return (kind if isinstance(kind, str) else "")[:64], (
        activity_id if isinstance(activity_id, str) else ""
    )[:500]


@login_required
def set_aside(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    items = []
    for item in set_aside_items()[:200]:
        kind, activity_id = _activity_summary(bytes(item.body))
        items.append({"item": item, "type": kind, "activity_id": activity_id})
    return render(request, "caravan/admin/inbox.html", {"items": items})


@require_POST
@login_required
def act(request: HttpRequest, action: str) -> HttpResponse:
    _staff_only(request)
    item_id = parse_int64((request.POST.get("item_id") or "").strip()) or 0
    try:
        if action == "retry":
            retry_set_aside_item(item_id)
            messages.success(request, _("The activity is back in the queue."))
        elif action == "discard":
            discard_set_aside_item(item_id)
            messages.success(request, _("The activity has been discarded."))
        else:
            raise Http404
    except DomainError:
        raise Http404 from None
    return redirect("/admin/inbox")
