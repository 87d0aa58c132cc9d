"""Signing up and the admin account: the User and its Account, the account's entry in the search index, and
(when sign-ups wait for approval) a notice to the staff.

Suspicious sign-ups wait for approval even when registration is open (`hold_reasons`): the signals are counted
from the stored users (`User.sign_up_ip`, `sign_up_network`, email, suspensions), not from the cache, so they
hold across restarts and across processes. Each is a setting (0 or off turns it off):
- HOLD_SIGN_UPS_PER_NETWORK: the address's network (IPv4 /24, IPv6 /48) already made that many accounts in the
  last 24 hours;
- HOLD_SIGN_UPS_PER_EMAIL_DOMAIN: that many accounts used the email domain in the last hour;
- HOLD_AFTER_SUSPENSIONS: the address (IPv6: its /64) signed up an account, within 30 days, that is suspended
  now; or two or more accounts of the email domain that signed up within 7 days are suspended now (a wave
  the moderators have started on).
An invite made by a moderator or admin skips the hold, in any registration mode: they vouch for the person. A
member's invite does not (a wave may come in on one; the waves page groups sign-ups by invite). The counts are read before the new row
is written, so two sign-ups racing in two processes may both pass one count; the next one is held.

The rules for usernames and invites are `caravan.accounts`'; this module sits above search and notifications
so that accounts imports neither.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from caravan import error_codes, events
from caravan.accounts import security
from caravan.accounts.models import Account, Role, User
from caravan.accounts.services import create_local_account, usable_invite, validate_username
from caravan.errors import Collected, DomainError
from caravan.ids import lowest_id_at
from caravan.instance.models import Invite, RegistrationMode
from caravan.instance.services import get_instance_settings
from caravan.notifications.services import notify_many
from caravan.search.services import index_account
from caravan.throttling import address_key, network_key
from caravan.untrusted import without_bidi_controls


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
    """Sign a person up in one step, as the server's registration mode allows. Raises DomainError on bad input
    (DomainErrors when several fields are wrong).
    `address` is where the request came from (`throttling.client_address`), kept as `User.sign_up_ip`."""
    instance = get_instance_settings()
    mode = instance.registration_mode
    if mode == RegistrationMode.CLOSED:
        raise DomainError(error_codes.REGISTRATIONS_CLOSED)
    # Every field is checked, so the person sees all that is wrong at once (errors.DomainErrors).
    problems = Collected()
    with problems:
        if not agreement:
            raise DomainError(error_codes.RULES_NOT_ACCEPTED, field="agreement")
    with problems:
        username = validate_username(username)
    email = (email or "").strip()
    with problems:
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise DomainError(error_codes.EMAIL_INVALID, field="email") from None
        elif settings.CARAVAN["REQUIRE_EMAIL"]:
            raise DomainError(error_codes.EMAIL_REQUIRED, field="email")
    with problems:
        _check_password(password)
    invite = None
    with problems:
        if mode == RegistrationMode.INVITE:
            invite = usable_invite(invite_code)
        elif (invite_code or "").strip():
            # Not needed in this mode, but kept when it is good: a staff invite still vouches (no hold), and
            # the waves page still groups sign-ups by invite. One that is not usable is simply not needed.
            try:
                invite = usable_invite(invite_code)
            except DomainError:
                invite = None
    reason = (reason or "").strip()
    with problems:
        if mode == RegistrationMode.APPROVAL and not reason:
            raise DomainError(error_codes.JOIN_REASON_REQUIRED, field="reason")
    problems.raise_any()
    ip = _ip_or_none(address)
    vouched = invite is not None and invite.created_by.may_moderate
    holds = [] if vouched else hold_reasons(ip or "", email)
    try:
        with transaction.atomic():
            account = create_local_account(username)
            user = User(
                username=username,
                email=email,
                account=account,
                approved=mode != RegistrationMode.APPROVAL and not holds,
                registration_reason=reason,
                locale=locale[:10],
                invite=invite,
                rules_accepted_at=timezone.now(),
                sign_up_ip=ip,
                sign_up_network=network_key(ip or ""),
                sign_up_holds=holds,
            )
            user.set_password(password)
            user.save()
            security.on_sign_up(user)  # confirmed now, or a confirmation link mailed (CARAVAN_CONFIRM_EMAIL)
            if invite is not None:
                Invite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
            index_account(account)
            if not user.approved:
                _tell_staff_about_sign_up(account)
            events.emit("account.created", account=account)
    except IntegrityError:
        raise DomainError(error_codes.USERNAME_TAKEN, field="username") from None
    return user


NETWORK_HOURS = 24
EMAIL_DOMAIN_HOURS = 1
SUSPENDED_ADDRESS_DAYS = 30
SUSPENDED_EMAIL_DOMAIN_DAYS = 7
SUSPENDED_EMAIL_DOMAIN_ACCOUNTS = 2
MAX_SAME_ADDRESS_READ = 500  # suspended accounts of the network read to find those of the same address


def hold_reasons(address: str, email: str, *, now=None) -> list[dict]:
    """Why a sign-up from `address` with `email` should wait for a moderator's approval (module docstring);
    empty when nothing is suspicious. Each reason is {"code": ..., and the figures `describe_hold` shows}."""
    now = now or timezone.now()
    limits = settings.CARAVAN
    reasons: list[dict] = []
    network = network_key(address)
    domain = email.rsplit("@", 1)[1].strip().lower() if "@" in (email or "") else ""
    users = User.objects.order_by()
    if network and limits["HOLD_SIGN_UPS_PER_NETWORK"]:
        wanted = limits["HOLD_SIGN_UPS_PER_NETWORK"]
        since = now - timedelta(hours=NETWORK_HOURS)
        count = users.filter(sign_up_network=network, date_joined__gte=since).count()
        if count >= wanted:
            reasons.append({"code": "network", "network": network, "count": count, "hours": NETWORK_HOURS})
    if domain and limits["HOLD_SIGN_UPS_PER_EMAIL_DOMAIN"]:
        count = _of_domain(users, domain, now - timedelta(hours=EMAIL_DOMAIN_HOURS)).count()
        if count >= limits["HOLD_SIGN_UPS_PER_EMAIL_DOMAIN"]:
            reasons.append({"code": "email_domain", "domain": domain, "count": count})
    if limits["HOLD_AFTER_SUSPENSIONS"]:
        if network:
            since = now - timedelta(days=SUSPENDED_ADDRESS_DAYS)
            others = users.filter(
                sign_up_network=network, date_joined__gte=since, account__suspended_at__isnull=False
            ).values_list("sign_up_ip", flat=True)[:MAX_SAME_ADDRESS_READ]
            mine = address_key(address)
            count = sum(1 for other in others if other and address_key(other) == mine)
            if count:
                reasons.append({"code": "suspended_address", "count": count})
        if domain:
            since = now - timedelta(days=SUSPENDED_EMAIL_DOMAIN_DAYS)
            count = _of_domain(users, domain, since).filter(account__suspended_at__isnull=False).count()
            if count >= SUSPENDED_EMAIL_DOMAIN_ACCOUNTS:
                reasons.append({"code": "suspended_email_domain", "domain": domain, "count": count})
    return reasons


def _of_domain(users, domain: str, since):
    # The account id bound lets the index find the window (ids are time-sortable); date_joined keeps it exact.
    return users.filter(
        account_id__gte=lowest_id_at(since), date_joined__gte=since, email__iendswith=f"@{domain}"
    )


def describe_hold(reason: dict) -> str:
    """One stored hold reason in the reader's language (for the admins' approval list). Addresses and domains
    are isolated (U+2068...U+2069), so they read left to right inside an Arabic sentence."""
    code, count = reason.get("code", ""), int(reason.get("count") or 0)
    network, domain = _isolated(reason.get("network", "")), _isolated(reason.get("domain", ""))
    if code == "network":
        return ngettext(
            "%(count)s sign-up from the network %(network)s in the %(hours)s hours before this one.",
            "%(count)s sign-ups from the network %(network)s in the %(hours)s hours before this one.",
            count,
        ) % {"count": count, "network": network, "hours": reason.get("hours", NETWORK_HOURS)}
    if code == "email_domain":
        return ngettext(
            "%(count)s sign-up with the email domain %(domain)s in the hour before this one.",
            "%(count)s sign-ups with the email domain %(domain)s in the hour before this one.",
            count,
        ) % {"count": count, "domain": domain}
    if code == "suspended_address":
        return ngettext(
            "%(count)s account signed up from the same address is suspended.",
            "%(count)s accounts signed up from the same address are suspended.",
            count,
        ) % {"count": count}
    if code == "suspended_email_domain":
        return ngettext(
            "%(count)s recent account with the email domain %(domain)s is suspended.",
            "%(count)s recent accounts with the email domain %(domain)s are suspended.",
            count,
        ) % {"count": count, "domain": domain}
    return code


def _isolated(text: str) -> str:
    return f"\u2068{without_bidi_controls(str(text))}\u2069"


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
            email_confirmed_at=timezone.now(),  # the operator made it
        )
        user.set_password(password)
        user.save()
        index_account(account)
        events.emit("account.created", account=account)
    return user
