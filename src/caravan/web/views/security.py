"""The "Account security" settings tab (`/settings/security`): the password, the email address, two-factor
sign-in (its own page, `/settings/security/two_factor`), the web sessions open and the apps holding tokens.
Every change goes through `caravan.accounts.security`; password checks here count as sign-in attempts, so a
borrowed session cannot guess on these forms."""

import io

import segno
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from caravan import error_codes, throttling
from caravan.accounts import security
from caravan.errors import DomainError, Throttled
from caravan.web.forms import ChangeEmailForm, ChangePasswordForm, TwoFactorForm
from caravan.web.shortcuts import member_view, told_when_to_retry

TEMPLATE = "caravan/settings/security.html"


def _guarded(request: HttpRequest, form, change) -> int | HttpResponse:
    """Run `change()` under the sign-in limits; a wrong password or code counts as a failed sign-in. Returns
    the status to show the form with (200 when it worked)."""
    user, address = request.user, throttling.client_address(request)
    try:
        throttling.check_sign_in(user.pk, user.username, address)
        change()
    except DomainError as error:
        if error.kind in (error_codes.PASSWORD_CURRENT_WRONG, error_codes.TWO_FACTOR_CODE_WRONG):
            throttling.note_failed_sign_in(user.pk, user.username, address)
        form.add_domain_error(error)
        if isinstance(error, Throttled):
            request.retry_after = error.retry_after
        return error.status
    return 200


def _overview(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    sessions = [
        {
            "row": row,
            "device": security.describe_user_agent(row.user_agent),
            "current": row.session_key == request.session.session_key,
        }
        for row in security.active_sessions(user)
    ]
    context = {
        "tab": "security",
        "password_form": forms.get("password_form") or ChangePasswordForm(),
        "email_form": forms.get("email_form") or ChangeEmailForm(),
        "two_factor_on": security.two_factor_enabled(user),
        "recovery_left": security.recovery_codes_left(user),
        "sessions": sessions,
        "apps": security.authorised_apps(user),
        "done": request.GET.get("done", ""),
    }
    return told_when_to_retry(
        render(request, TEMPLATE, context, status=status), getattr(request, "retry_after", None)
    )


@member_view
def overview(request: HttpRequest) -> HttpResponse:
    return _overview(request)


@member_view
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    user = request.user

    def change():
        security.change_password(
            user,
            data.get("current_password", ""),
            data.get("new_password", ""),
            data.get("new_password2", ""),
            keep_session=request.session.session_key or "",
        )
        update_session_auth_hash(request, user)  # this session stays signed in; the others are gone

    status = _guarded(request, form, change)
    if status == 200:
        return redirect("/settings/security?done=password")
    return _overview(request, status, password_form=form)


@member_view
@require_POST
def change_email(request: HttpRequest) -> HttpResponse:
    form = ChangeEmailForm(request.POST)
    form.is_valid()
    sent = []

    def change():
        sent.append(
            security.change_email(
                request.user, form.cleaned_data.get("email", ""), form.cleaned_data.get("password", "")
            )
        )

    status = _guarded(request, form, change)
    if status == 200:
        return redirect("/settings/security?done=" + ("email_sent" if sent[0] else "email"))
    return _overview(request, status, email_form=form)


@member_view
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    security.end_session(request.user, session_id)
    return redirect("/settings/security?done=session")


@member_view
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    security.end_sessions(request.user, except_key=request.session.session_key or "")
    return redirect("/settings/security?done=sessions")


@member_view
@require_POST
def revoke_app(request: HttpRequest, application_id: int) -> HttpResponse:
    security.revoke_app(request.user, application_id)
    return redirect("/settings/security?done=app")


@member_view
@require_safe
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The otpauth:// address of the secret being set up, as a QR code (SVG) for the app to scan."""
    factor = security.start_two_factor(request.user)
    out = io.BytesIO()
    segno.make(security.provisioning_uri(request.user, factor), error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "no-store"
    return response


@member_view
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (the secret and its QR code, then a code from the app to prove it), or turn off (password and a
    code). The recovery codes are shown once, right after enabling."""
    user = request.user
    form = TwoFactorForm(request.POST or None)
    status = 200
    if security.two_factor_enabled(user):
        if request.method == "POST":
            form.is_valid()

            def disable():
                security.disable_two_factor(
                    user, form.cleaned_data.get("password", ""), form.cleaned_data.get("code", "")
                )

            status = _guarded(request, form, disable)
            if status == 200:
                return redirect("/settings/security?done=two_factor_off")
        context = {
            "tab": "security",
            "enabled": True,
            "form": form,
            "recovery_left": security.recovery_codes_left(user),
        }
        return told_when_to_retry(
            render(request, "caravan/settings/two_factor.html", context, status=status),
            getattr(request, "retry_after", None),
        )
    factor = security.start_two_factor(user)
    if request.method == "POST":
        form.is_valid()
        codes = []

        def enable():
            codes.extend(security.enable_two_factor(user, form.cleaned_data.get("code", "")))

        status = _guarded(request, form, enable)
        if status == 200:
            response = render(
                request, "caravan/settings/recovery_codes.html", {"tab": "security", "codes": codes}
            )
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "tab": "security",
        "enabled": False,
        "form": form,
        "secret": " ".join(factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4)),
        "required": request.GET.get("required") == "1",
    }
    response = told_when_to_retry(
        render(request, "caravan/settings/two_factor.html", context, status=status),
        getattr(request, "retry_after", None),
    )
    response["Cache-Control"] = "no-store"
    return response
