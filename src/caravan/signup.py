"""Signing up and the admin account: the User and its Account, the account's entry in the search index, and
(when sign-ups wait for approval) a notice to the staff.

The rules for usernames and invites are `caravan.accounts`'; this module sits above search and notifications
so that accounts imports neither.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account, Role, User
from caravan.accounts.services import create_local_account, usable_invite, validate_username
from caravan.errors import DomainError
from caravan.instance.models import Invite, RegistrationMode
from caravan.instance.services import get_instance_settings
from caravan.notifications.services import notify_many
from caravan.search.services import index_account


def register_user(
    *,
    username: str,
    password: str,
    email: str = "",
    agreement: bool = False,
    reason: str = "",
    invite_code: str = "",
    locale: str = "",
    address: str = "",
) -> User:
    """Sign a person up in one step, as the server's registration mode allows. Raises DomainError on bad input.
    `address` is where the request came from (`throttling.client_address`), kept as `User.sign_up_ip`."""
    instance = get_instance_settings()
    mode = instance.registration_mode
    if mode == RegistrationMode.CLOSED:
        raise DomainError(error_codes.REGISTRATIONS_CLOSED)
    if not agreement:
        raise DomainError(error_codes.RULES_NOT_ACCEPTED, field="agreement")
    username = validate_username(username)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(error_codes.EMAIL_INVALID, field="email") from None
    elif settings.CARAVAN["REQUIRE_EMAIL"]:
        raise DomainError(error_codes.EMAIL_REQUIRED, field="email")
    _check_password(password)
    invite = None
    if mode == RegistrationMode.INVITE:
        invite = usable_invite(invite_code)
    reason = (reason or "").strip()
    if mode == RegistrationMode.APPROVAL and not reason:
        raise DomainError(error_codes.JOIN_REASON_REQUIRED, field="reason")
    try:
        with transaction.atomic():
            account = create_local_account(username)
            user = User(
                username=username,
                email=email,
                account=account,
                approved=mode != RegistrationMode.APPROVAL,
                registration_reason=reason,
                locale=locale[:10],
                invite=invite,
                rules_accepted_at=timezone.now(),
                sign_up_ip=_ip_or_none(address),
            )
            user.set_password(password)
            user.save()
            if invite is not None:
                Invite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
            index_account(account)
            if not user.approved:
                _tell_staff_about_sign_up(account)
            events.emit("account.created", account=account)
    except IntegrityError:
        raise DomainError(error_codes.USERNAME_TAKEN, field="username") from None
    return user


def _ip_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address((address or "").split("%", 1)[0]))
    except ValueError:
        return None


def _tell_staff_about_sign_up(account: Account) -> None:
    staff = Account.objects.filter(user__is_staff=True, user__is_active=True)
    notify_many([(member, "admin.sign_up", account, None) for member in staff])


def _check_password(password: str) -> None:
    """Django's password validators; their reasons already speak the reader's language."""
    try:
        validate_password(password or "")
    except ValidationError as error:
        raise DomainError(
            error_codes.PASSWORD_REJECTED, field="password", reasons=" ".join(error.messages)
        ) from None


def create_admin(username: str, password: str, email: str = "") -> User:
    """An admin account, whatever the registration mode (used by `caravan createadmin`)."""
    username = validate_username(username, allow_reserved=True)
    _check_password(password)
    with transaction.atomic():
        account = create_local_account(username)
        user = User(
            username=username,
            email=email,
            account=account,
            is_staff=True,
            is_superuser=True,
            role=Role.ADMIN,
            rules_accepted_at=timezone.now(),
        )
        user.set_password(password)
        user.save()
        index_account(account)
        events.emit("account.created", account=account)
    return user
