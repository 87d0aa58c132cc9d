"""Signing up (one step), signing in (a second step asks for a code when two-factor sign-in is on) and out,
resetting a forgotten password by email, confirming an email address (CARAVAN_CONFIRM_EMAIL). Accounts awaiting
a moderator's approval cannot sign in yet.
Sign-ins and sign-ups are throttled (caravan/throttling.py): past the limit, a 429 page with Retry-After.
"""

import contextlib

from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from caravan import error_codes, mail, throttling
from caravan.accounts import security
from caravan.campaigns import selectors as campaign_selectors
from caravan.campaigns import services as campaign_services
from caravan.errors import DomainError, Throttled
from caravan.instance.models import RegistrationMode, Rule
from caravan.instance.services import get_instance_settings
from caravan.moderation.selectors import latest_suspension
from caravan.signup import register_user
from caravan.web.forms import SetPasswordForm, SignInForm, SignUpForm
from caravan.web.shortcuts import safe_next, told_when_to_retry


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/home")
    instance = get_instance_settings()
    # An invite link (/auth/sign_up?invite=CODE) fills in the code.
    form = SignUpForm(request.POST or None, initial={"invite_code": request.GET.get("invite", "")})
    status = 200
    campaign = campaign_selectors.find(request.POST.get("campaign") or request.GET.get("campaign") or "")
    throttled = _sign_up_throttle(request)
    if throttled is not None:
        form.is_valid()  # keep what was typed on the page
        form.add_error(None, throttled.message)
        status = throttled.status
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_user(
                username=data["username"],
                password=data["password"],
                email=data["email"],
                agreement=data["agreement"],
                reason=data["reason"],
                invite_code=data["invite_code"],
                address=throttling.client_address(request),
            )
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            if campaign is not None:  # a campaign's join link: the new account joins it in the same step
                _join_campaign(campaign, user)
            if not user.approved:
                return render(request, "caravan/auth/awaiting_approval.html", {"new_user": user})
            if not security.email_confirmed(user):  # CARAVAN_CONFIRM_EMAIL: the mailed link comes first
                return render(request, "caravan/auth/confirm_again.html", {"sent": True, "new_user": user})
            _start_session(request, user)
            return redirect(campaign.path if campaign is not None else safe_next(request, "/home"))
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "caravan/auth/sign_up.html",
        {
            "form": form,
            "rules": Rule.objects.all(),
            "mode": instance.registration_mode,
            "closed": instance.registration_mode == RegistrationMode.CLOSED,
            "approval": instance.registration_mode == RegistrationMode.APPROVAL,
            "invite": instance.registration_mode == RegistrationMode.INVITE,
            "require_email": settings.CARAVAN["REQUIRE_EMAIL"],
            "next": safe_next(request, ""),
            "campaign": campaign,
        },
        status=status,
    )
    return told_when_to_retry(response, throttled.retry_after if throttled is not None else None)


def _join_campaign(campaign, user) -> None:
    """Join at "will move"; an account awaiting approval is counted as unverified until it is approved."""
    with contextlib.suppress(DomainError):  # the campaign closed meanwhile: the account is made all the same
        campaign_services.join(campaign, user.account, "will_move")


def _sign_up_throttle(request: HttpRequest) -> Throttled | None:
    if request.method != "POST":
        return None
    try:
        throttling.check_sign_up(throttling.client_address(request))
    except Throttled as error:
        return error
    return None


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    error = ""
    unconfirmed = False
    status = 200
    retry_after = None
    if request.method == "POST":
        if form.is_valid():
            # People type their username in any case, or their email address.
            try:
                user = throttling.check_password(
                    request, form.cleaned_data["username"], form.cleaned_data["password"]
                )
            except Throttled as throttled:
                error, retry_after = throttled.message, throttled.retry_after
            else:
                if user is None:
                    error = _("That username and password do not match.")
                elif not user.approved:
                    error = _(
                        "Your account is awaiting approval by the moderators. "
                        "You can sign in once it is approved."
                    )
                elif not security.email_confirmed(user):
                    error, unconfirmed = DomainError(error_codes.EMAIL_NOT_CONFIRMED).message, True
                elif security.two_factor_enabled(user):
                    # The password was right; the code from the app comes next. Until then the session only
                    # remembers who, for five minutes (accounts.security.PENDING_SECONDS).
                    security.begin_second_step(request.session, user, safe_next(request, "/home"))
                    return redirect("/auth/two_factor")
                else:
                    response = _signed_in(request, user, safe_next(request, "/home"))
                    if response is not None:
                        return response
                    error = _("This account has been suspended.")
        else:
            error = _("Enter your username and password.")
        status = 400 if not form.is_valid() else 429 if retry_after is not None else 403
    response = render(
        request,
        "caravan/auth/sign_in.html",
        {
            "form": form,
            "error": error,
            "unconfirmed": unconfirmed,
            "next": safe_next(request, ""),
            "reset_done": request.GET.get("reset") == "done",
        },
        status=status,
    )
    return told_when_to_retry(response, retry_after)


def _signed_in(request: HttpRequest, user, next_url: str) -> HttpResponse | None:
    """Sign the person in (both factors given) and send them on; None for a suspended account without a
    notice to read."""
    if user.account is not None and user.account.suspended_at is not None:
        # The moderators suspended it: the person may sign in only to read why (every other signed-in page
        # refuses a suspended account, web/shortcuts.member_view).
        suspension = latest_suspension(user.account)
        if suspension is None:
            return None
        _start_session(request, user)
        return redirect(f"/notices/{suspension.id}")
    _start_session(request, user)
    return redirect(next_url)


BACKEND = "django.contrib.auth.backends.ModelBackend"


def _start_session(request: HttpRequest, user) -> None:
    """Sign in, and list the session on the person's security tab at once (so "sign out all other sessions"
    reaches it even if it never makes another request)."""
    login(request, user, backend=BACKEND)
    security.record_session(
        user,
        request.session.session_key,
        throttling.client_address(request),
        request.META.get("HTTP_USER_AGENT", ""),
    )


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Sign-in's second step: a code from the authenticator app, or a recovery code (each works once)."""
    pending = security.pending_second_step(request.session)
    if pending is None:
        return render(
            request,
            "caravan/auth/two_factor.html",
            {"expired": DomainError(error_codes.TWO_FACTOR_STEP_EXPIRED).message},
            status=400 if request.method == "POST" else 200,
        )
    user, next_url = pending
    error, status, retry_after = "", 200, None
    if request.method == "POST":
        address = throttling.client_address(request)
        try:
            # Codes are guessed like passwords: the same counters as failed sign-ins to this account.
            throttling.check_sign_in(user.pk, user.username, address)
        except Throttled as throttled:
            error, status, retry_after = throttled.message, throttled.status, throttled.retry_after
        else:
            if security.check_second_factor(user, request.POST.get("code", "")[:64]):
                security.end_second_step(request.session)
                response = _signed_in(request, user, next_url or "/home")
                if response is not None:
                    return response
                error, status = _("This account has been suspended."), 403
            else:
                throttling.note_failed_sign_in(user.pk, user.username, address)
                error, status = DomainError(error_codes.TWO_FACTOR_CODE_WRONG).message, 403
    response = render(request, "caravan/auth/two_factor.html", {"error": error}, status=status)
    return told_when_to_retry(response, retry_after)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link by username or email. The answer is the same whether or not such an account
    exists (and whether or not its own limit was reached); only the address's limit is told (429)."""
    identifier = (request.POST.get("identifier") or "")[:254]
    if request.method == "POST":
        try:
            throttling.check_password_reset_address(throttling.client_address(request))
        except Throttled as throttled:
            return told_when_to_retry(
                render(
                    request,
                    "caravan/auth/password_reset.html",
                    {"error": throttled.message, "identifier": identifier},
                    status=throttled.status,
                ),
                throttled.retry_after,
            )
        if not identifier.strip():
            return render(
                request,
                "caravan/auth/password_reset.html",
                {"error": _("Enter your username or email address.")},
                status=400,
            )
        user = security.find_for_reset(identifier)
        if user is not None and throttling.may_send_password_reset(user.pk):
            with transaction.atomic():
                security.request_password_reset(user)
        return render(request, "caravan/auth/password_reset.html", {"sent": True})
    return render(request, "caravan/auth/password_reset.html", {"mail": mail.configured()})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """The mailed link: choose the new password. The link works once and expires (Django's reset tokens)."""
    form = SetPasswordForm(request.POST or None)
    try:
        user = security.user_for_reset_link(uid, token)
    except DomainError as error:
        response = render(
            request, "caravan/auth/password_reset_confirm.html", {"invalid": error.message}, status=400
        )
        response["Referrer-Policy"] = "same-origin"
        return response
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                security.reset_password(
                    uid, token, form.cleaned_data["new_password"], form.cleaned_data["new_password2"]
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status
            else:
                return redirect("/auth/sign_in?reset=done")
    response = render(
        request,
        "caravan/auth/password_reset_confirm.html",
        {"form": form, "reset_user": user},
        status=status,
    )
    response["Referrer-Policy"] = "same-origin"  # the token never leaves this site in a Referer
    return response


@require_safe
def confirm_email(request: HttpRequest, value: str) -> HttpResponse:
    """The link mailed to confirm an address (CARAVAN_CONFIRM_EMAIL)."""
    try:
        user = security.confirm_email(value)
    except DomainError as error:
        return render(
            request, "caravan/auth/confirm_email.html", {"error": error.message}, status=error.status
        )
    return render(request, "caravan/auth/confirm_email.html", {"confirmed": user.email})


@require_http_methods(["GET", "POST"])
def confirm_again(request: HttpRequest) -> HttpResponse:
    """Send the confirmation link again: the same answer whatever is typed, as for password resets."""
    if request.method == "POST":
        try:
            throttling.check_password_reset_address(throttling.client_address(request))
        except Throttled as throttled:
            return told_when_to_retry(
                render(
                    request,
                    "caravan/auth/confirm_again.html",
                    {"error": throttled.message},
                    status=throttled.status,
                ),
                throttled.retry_after,
            )
        user = security.find_for_reset(request.POST.get("identifier", "")[:254])
        if (
            user is not None
            and not security.email_confirmed(user)
            and throttling.may_send_password_reset(user.pk)
        ):
            with transaction.atomic():
                security.send_confirmation(user)
        return render(request, "caravan/auth/confirm_again.html", {"sent": True})
    return render(request, "caravan/auth/confirm_again.html", {})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.session.session_key:
        security.forget_session(request.session.session_key)  # gone from the person's sessions list too
    logout(request)
    return redirect("/")
