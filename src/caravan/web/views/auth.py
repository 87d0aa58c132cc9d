"""Signing up (one step), signing in and out. Accounts awaiting a moderator's approval cannot sign in yet.
Sign-ins and sign-ups are throttled (caravan/throttling.py): past the limit, a 429 page with Retry-After.
"""

import contextlib

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caravan import throttling
from caravan.campaigns import selectors as campaign_selectors
from caravan.campaigns import services as campaign_services
from caravan.errors import DomainError, Throttled
from caravan.instance.models import RegistrationMode, Rule
from caravan.instance.services import get_instance_settings
from caravan.moderation.selectors import latest_suspension
from caravan.signup import register_user
from caravan.web.forms import SignInForm, SignUpForm
from caravan.web.shortcuts import safe_next


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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
    if throttled is not None:
        response["Retry-After"] = str(throttled.retry_after)
    return response


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
                elif user.account is not None and user.account.suspended_at is not None:
                    # The moderators suspended it: the person may sign in only to read why (every other
                    # signed-in page refuses a suspended account, web/shortcuts.member_view).
                    suspension = latest_suspension(user.account)
                    if suspension is None:
                        error = _("This account has been suspended.")
                    else:
                        login(request, user)
                        return redirect(f"/notices/{suspension.id}")
                else:
                    login(request, user)
                    return redirect(safe_next(request, "/home"))
        else:
            error = _("Enter your username and password.")
        status = 400 if not form.is_valid() else 429 if retry_after is not None else 403
    response = render(
        request,
        "caravan/auth/sign_in.html",
        {"form": form, "error": error, "next": safe_next(request, "")},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")
