"""The scheduled posts page `/scheduled`: one's posts waiting for their time (change the time, cancel) and those
that could not be published then, with the reason (clear them). Scheduling itself is on the compose form."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.errors import DomainError
from caravan.posts.models import ScheduledPost
from caravan.publishing import scheduling
from caravan.web.forms import VISIBILITY_CHOICES
from caravan.web.shortcuts import back, member_view

FAILED_SHOWN = 50


def _page(request: HttpRequest, *, error: DomainError | None = None, error_for: int | None = None):
    account = request.user.account
    with_counts = ScheduledPost.objects.filter(account=account).annotate(media_count=Count("media"))
    waiting = list(with_counts.filter(failed_code="").order_by("scheduled_at", "id"))
    failed = list(with_counts.exclude(failed_code="").order_by("-scheduled_at")[:FAILED_SHOWN])
    for item in failed:
        kind = error_codes.BY_CODE.get(item.failed_code)
        item.reason = kind.message if kind is not None else item.failed_code
    labels = dict(VISIBILITY_CHOICES)
    for item in waiting + failed:
        item.visibility_label = labels.get(item.visibility, item.visibility)
    return render(
        request,
        "caravan/scheduled.html",
        {
            "waiting": waiting,
            "failed": failed,
            "error": error.message if error is not None else "",
            "error_for": error_for,
        },
        status=error.status if error is not None else 200,
    )


@member_view
def page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@member_view
@require_POST
def change_time(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    try:
        moment = scheduling.parse_time(request.POST.get("scheduled_at", "")[:64])
        scheduling.reschedule(request.user.account, scheduled_id, moment)
    except DomainError as error:
        return _page(request, error=error, error_for=scheduled_id)
    return back(request, "/scheduled")


@member_view
@require_POST
def cancel(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    try:
        scheduling.cancel(request.user.account, scheduled_id)
    except DomainError as error:
        return _page(request, error=error, error_for=scheduled_id)
    return back(request, "/scheduled")
