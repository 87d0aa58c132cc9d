"""Notifications a person's policy held back: the senders waiting on the notifications page (accept or dismiss
each), and the policy itself under settings. Plain forms: nothing here needs JavaScript."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caravan.errors import DomainError
from caravan.ids import id_from_text
from caravan.notifications import services as notifications
from caravan.notifications.models import NotificationPolicy, NotificationRequest
from caravan.web.shortcuts import member_view

# The policy's questions, in the order the settings page asks them.
POLICY_QUESTIONS = (
    ("for_not_following", gettext_lazy("People you don't follow")),
    ("for_not_followers", gettext_lazy("People who don't follow you (or only since the last three days)")),
    ("for_new_accounts", gettext_lazy("New accounts (less than 30 days old)")),
    ("for_private_mentions", gettext_lazy("Private mentions you did not ask for")),
    ("for_limited_accounts", gettext_lazy("Accounts limited by the moderators")),
)
CHOICES = (
    ("accept", gettext_lazy("Show")),
    ("filter", gettext_lazy("Filter: keep them aside for me to review")),
    ("drop", gettext_lazy("Ignore: never notify me")),
)


@member_view
def notification_settings(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    status = 200
    if request.method == "POST":
        try:
            notifications.update_policy(
                account, **{name: request.POST.get(name) or None for name in NotificationPolicy.FIELDS}
            )
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, _("Your notification choices have been saved."))
            return redirect("/settings/notifications")
    policy = notifications.policy_for(account)
    questions = [(name, label, getattr(policy, name)) for name, label in POLICY_QUESTIONS]
    return render(
        request,
        "caravan/settings/notifications.html",
        {"questions": questions, "choices": CHOICES, "tab": "notifications"},
        status=status,
    )


def _own_request(request: HttpRequest, request_id: str) -> NotificationRequest:
    found = NotificationRequest.objects.filter(
        pk=id_from_text(request_id) or 0, recipient=request.user.account
    ).first()
    if found is None:
        raise Http404
    return found


@member_view
@require_POST
def accept_request(request: HttpRequest, request_id: str) -> HttpResponse:
    found = _own_request(request, request_id)
    notifications.accept_requests(request.user.account, [found.id])
    messages.success(request, _("Accepted: their notifications are in your list now."))
    return redirect("/notifications")


@member_view
@require_POST
def dismiss_request(request: HttpRequest, request_id: str) -> HttpResponse:
    found = _own_request(request, request_id)
    notifications.dismiss_requests(request.user.account, [found.id])
    messages.success(request, _("Dismissed: those notifications are gone."))
    return redirect("/notifications")
