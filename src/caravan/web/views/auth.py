"""Signing up (one step), signing in and out. Accounts awaiting a moderator's approval cannot sign in yet."""

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caravan.accounts.models import User
from caravan.accounts.services import register_user
from caravan.errors import DomainError
from caravan.instance.models import RegistrationMode, Rule
from caravan.instance.services import get_instance_settings
from caravan.web.forms import SignInForm, SignUpForm
from caravan.web.shortcuts import describe, safe_next


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/home")
    instance = get_instance_settings()
    # An invite link (/auth/sign_up?invite=CODE) fills in the code.
    form = SignUpForm(request.POST or None, initial={"invite_code": request.GET.get("invite", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_user(
                username=data["username"],
                password=data["password"],
                email=data["email"],
                agreement=data["agreement"],
                reason=data["reason"],
                invite_code=data["invite_code"],
            )
        except DomainError as error:
            form.add_domain_error(error, describe(error))
            status = error.status
        else:
            if not user.approved:
                return render(request, "caravan/auth/awaiting_approval.html", {"new_user": user})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(safe_next(request, "/home"))
    elif request.method == "POST":
        status = 400
    return render(
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
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            name = form.cleaned_data["username"].strip().lstrip("@")
            # People type their username in any case, or their email address.
            found = (
                User.objects.filter(username__iexact=name).first()
                or User.objects.filter(email__iexact=name).exclude(email="").first()
            )
            user = (
                authenticate(request, username=found.username, password=form.cleaned_data["password"])
                if found
                else None
            )
            if user is None:
                error = _("That username and password do not match.")
            elif not user.approved:
                error = _(
                    "Your account is awaiting approval by the moderators. "
                    "You can sign in once it is approved."
                )
            elif user.account is not None and user.account.suspended_at is not None:
                error = _("This account has been suspended.")
            else:
                login(request, user)
                return redirect(safe_next(request, "/home"))
        else:
            error = _("Enter your username and password.")
        status = 400 if not form.is_valid() else 403
    return render(
        request,
        "caravan/auth/sign_in.html",
        {"form": form, "error": error, "next": safe_next(request, "")},
        status=status,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")
