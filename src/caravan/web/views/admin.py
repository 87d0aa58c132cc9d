"""The admin's pages: server name and registration mode, rules, sign-ups awaiting approval, invites, and
and a link to the incoming activities set aside from the inbox queue (`federation/queue_pages.py`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from caravan import error_codes
from caravan.accounts.models import User
from caravan.accounts.services import approve_user, pending_registrations, reject_user
from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.instance.models import Invite, RegistrationMode, Rule
from caravan.instance.services import (
    add_rule,
    create_invite,
    get_instance_settings,
    remove_rule,
    update_instance_settings,
    update_published_texts,
)
from caravan.signup import describe_hold
from caravan.web.confirm import ask_first
from caravan.web.shortcuts import member_view

MODE_LABELS = {
    RegistrationMode.OPEN: gettext_lazy("Anyone can sign up"),
    RegistrationMode.APPROVAL: gettext_lazy("Sign-ups need a moderator's approval"),
    RegistrationMode.INVITE: gettext_lazy("Only people with an invite"),
    RegistrationMode.CLOSED: gettext_lazy("Nobody (registration closed)"),
}


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


def _optional_int(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    number = parse_int64(value)
    if number is None:
        raise DomainError(error_codes.NOT_A_WHOLE_NUMBER)
    return number


@member_view
def dashboard(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return render(
        request,
        "caravan/admin/dashboard.html",
        {
            "settings_": get_instance_settings(),
            "modes": list(MODE_LABELS.items()),
            "rules": Rule.objects.all(),
            # Each with why it was held, when registration alone did not ask for approval (signup.hold_reasons).
            "pending": [
                (user, [describe_hold(reason) for reason in user.sign_up_holds])
                for user in pending_registrations()
            ],
            "invites": Invite.objects.filter(created_by=request.user).order_by("-created_at")[:50],
            "base_url": request.build_absolute_uri("/auth/sign_up"),
        },
    )


@require_http_methods(["GET", "POST"])
@member_view
def remove_rule_page(request: HttpRequest) -> HttpResponse:
    """GET asks first, naming the rule; POST removes it (through `act`)."""
    _staff_only(request)
    if request.method == "POST":
        return act(request, "remove_rule")
    rule = get_object_or_404(Rule, pk=_optional_int(request.GET.get("rule_id", "")) or 0)
    return ask_first(
        request,
        title=_("Remove this rule?"),
        question=_(
            "“%(rule)s” is removed from the server's rules. Reports and decisions that cited it keep their text."
        )
        % {"rule": rule.text},
        button=_("Remove the rule"),
        cancel="/admin",
        hidden={"rule_id": str(rule.pk)},
    )


@require_POST
@member_view
def act(request: HttpRequest, action: str) -> HttpResponse:
    _staff_only(request)
    form = request.POST
    try:
        if action == "settings":
            update_instance_settings(
                title=form.get("title", ""),
                short_description=form.get("short_description", ""),
                description=form.get("description", ""),
                contact_email=form.get("contact_email", ""),
                registration_mode=form.get("registration_mode", ""),
            )
            messages.success(request, _("The server settings have been saved."))
        elif action == "texts":
            update_published_texts(
                privacy_policy=form.get("privacy_policy", ""),
                terms_of_service=form.get("terms_of_service", ""),
                terms_effective_date=form.get("terms_effective_date", ""),
            )
            messages.success(request, _("The privacy policy and terms have been saved."))
        elif action == "add_rule":
            add_rule(form.get("text", ""), form.get("hint", ""))
        elif action == "remove_rule":
            remove_rule(get_object_or_404(Rule, pk=_optional_int(form.get("rule_id", "")) or 0).pk)
        elif action in ("approve", "reject"):
            user = get_object_or_404(User, pk=_optional_int(form.get("user_id", "")) or 0, approved=False)
            (approve_user if action == "approve" else reject_user)(user)
        elif action == "invite":
            create_invite(
                request.user,
                max_uses=_optional_int(form.get("max_uses", "")),
                expires_in_days=_optional_int(form.get("expires_in_days", "")),
            )
        else:
            raise DomainError(error_codes.RECORD_NOT_FOUND)
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
    return redirect("/admin")
