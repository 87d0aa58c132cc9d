"""Account security: changing and resetting one's password, confirming an email address, two-factor sign-in
with an authenticator app (TOTP, RFC 6238) and one-time recovery codes, the web sessions a person has open and
the apps holding tokens for them. Every face changes these only through this module; mail goes out from durable
tasks (`accounts/tasks.py`) enqueued in the caller's transaction.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from caravan import error_codes, events
from caravan.accounts import tasks
from caravan.accounts.models import RecoveryCode, TwoFactor, User, WebSession
from caravan.errors import DomainError
from caravan.ids import id_from_text

# --- Passwords ---------------------------------------------------------------------------------------------


def check_new_password(user: User, new: str, again: str) -> None:
    if new != again:
        raise DomainError(error_codes.PASSWORDS_DIFFER, field="new_password2")
    try:
        validate_password(new or "", user)
    except ValidationError as error:
        raise DomainError(
            error_codes.PASSWORD_REJECTED, field="new_password", reasons=" ".join(error.messages)
        ) from None


@transaction.atomic
def change_password(user: User, current: str, new: str, again: str, *, keep_session: str = "") -> User:
    """Change the password knowing the current one. Every other web session ends (`keep_session` is the one
    the change was made in: the face keeps it signed in); the person is told by email."""
    if not user.check_password(current or ""):
        raise DomainError(error_codes.PASSWORD_CURRENT_WRONG, field="current_password")
    check_new_password(user, new, again)
    _set_password(user, new, keep_session=keep_session)
    return user


def _set_password(user: User, new: str, *, keep_session: str = "") -> None:
    user.set_password(new)
    user.save(update_fields=["password"])
    end_sessions(user, except_key=keep_session)
    if user.email:
        tasks.email_password_changed.enqueue(user.pk)


# Django's reset tokens: they name the password hash and the last sign-in, so a token stops working once used
# (the password changes) or once the person signs in; they expire after PASSWORD_RESET_TIMEOUT.
reset_tokens = PasswordResetTokenGenerator()


def find_for_reset(identifier: str) -> User | None:
    name = (identifier or "").strip().lstrip("@")
    if not name:
        return None
    user = User.objects.filter(username__iexact=name).first() or (
        User.objects.filter(email__iexact=name).exclude(email="").first()
    )
    if user is None or not user.is_active or not user.email or not user.has_usable_password():
        return None
    return user


def request_password_reset(user: User) -> None:
    """Queue the email with a one-time link to set a new password (in the person's language)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = reset_tokens.make_token(user)
    tasks.email_password_reset.enqueue(user.pk, f"{settings.BASE_URL}/auth/password/reset/{uid}/{token}")


def user_for_reset_link(uid: str, token: str) -> User:
    try:
        user_id = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        user_id = None
    user = User.objects.filter(pk=user_id).first() if id_from_text(user_id) else None
    if user is None or not reset_tokens.check_token(user, token):
        raise DomainError(error_codes.RESET_LINK_INVALID)
    return user


@transaction.atomic
def reset_password(uid: str, token: str, new: str, again: str) -> User:
    """Set a new password through a reset link; the link is spent, every session ends."""
    user = user_for_reset_link(uid, token)
    check_new_password(user, new, again)
    _set_password(user, new)
    if settings.CARAVAN["CONFIRM_EMAIL"] and user.email_confirmed_at is None:
        # The link reached their inbox: that confirms the address as well.
        User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
    return user


# --- Email confirmation (CARAVAN_CONFIRM_EMAIL) ------------------------------------------------------------

CONFIRMATION_SALT = "caravan.accounts.confirm-email"
CONFIRMATION_DAYS = 3


def email_confirmed(user: User) -> bool:
    """Whether the person may sign in and use tokens as far as their address goes."""
    return not settings.CARAVAN["CONFIRM_EMAIL"] or user.email_confirmed_at is not None or not user.email


def confirmation_link(user: User, email: str) -> str:
    value = signing.dumps({"u": user.pk, "e": email}, salt=CONFIRMATION_SALT, compress=True)
    return f"{settings.BASE_URL}/auth/confirm/{value}"


def send_confirmation(user: User) -> bool:
    """Queue the confirmation link for the address waiting to be confirmed (a new one, else the account's)."""
    email = user.unconfirmed_email or (user.email if user.email_confirmed_at is None else "")
    if not email:
        return False
    tasks.email_confirmation.enqueue(user.pk, email, confirmation_link(user, email))
    return True


def on_sign_up(user: User) -> None:
    """A new account: with CARAVAN_CONFIRM_EMAIL its address waits for the mailed link, otherwise it counts
    as confirmed now."""
    if settings.CARAVAN["CONFIRM_EMAIL"] and user.email:
        send_confirmation(user)
    else:
        User.objects.filter(pk=user.pk).update(email_confirmed_at=timezone.now())
        user.email_confirmed_at = timezone.now()


@transaction.atomic
def confirm_email(value: str) -> User:
    try:
        data = signing.loads(value, salt=CONFIRMATION_SALT, max_age=timedelta(days=CONFIRMATION_DAYS))
    except signing.BadSignature:
        raise DomainError(error_codes.CONFIRMATION_LINK_INVALID) from None
    user = User.objects.select_for_update().filter(pk=data.get("u")).first()
    email = data.get("e") or ""
    if user is None:
        raise DomainError(error_codes.CONFIRMATION_LINK_INVALID)
    if user.unconfirmed_email and user.unconfirmed_email.lower() == email.lower():
        user.email, user.unconfirmed_email = user.unconfirmed_email, ""
    elif user.email.lower() != email.lower():
        raise DomainError(error_codes.CONFIRMATION_LINK_INVALID)  # the address changed since
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email", "unconfirmed_email", "email_confirmed_at"])
    return user


@transaction.atomic
def change_email(user: User, email: str, password: str) -> bool:
    """Change the address (the password confirms it is the person). With CARAVAN_CONFIRM_EMAIL the new address
    is used only once its link is followed; returns whether a confirmation was sent."""
    if not user.check_password(password or ""):
        raise DomainError(error_codes.PASSWORD_CURRENT_WRONG, field="password")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(error_codes.EMAIL_INVALID, field="email") from None
    if settings.CARAVAN["CONFIRM_EMAIL"]:
        user.unconfirmed_email = email
        user.save(update_fields=["unconfirmed_email"])
        send_confirmation(user)
        return True
    user.email, user.unconfirmed_email, user.email_confirmed_at = email, "", timezone.now()
    user.save(update_fields=["email", "unconfirmed_email", "email_confirmed_at"])
    return False


# --- TOTP (RFC 6238) ---------------------------------------------------------------------------------------

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps accepted before and after the current one (clocks drift; people type slowly)


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    """RFC 4226: the HMAC of the counter, dynamically truncated to `digits` decimal digits."""
    digest = hmac.new(key, struct.pack(">Q", counter), algorithm).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(at: float) -> int:
    return int(at // STEP_SECONDS)


def totp(key: bytes, at: float, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    return hotp(key, time_step(at), digits, algorithm)


def secret_key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def matching_step(secret: str, code: str, at: float, after_step: int) -> int | None:
    """The time step within the window whose code this is, when it is later than `after_step`."""
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = secret_key(secret)
    now = time_step(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def two_factor_enabled(user: User) -> bool:
    return TwoFactor.objects.filter(user=user, enabled_at__isnull=False).exists()


def start_two_factor(user: User) -> TwoFactor:
    """The secret to show while setting up (kept until enabled, replaced if set-up starts again later)."""
    factor = TwoFactor.objects.filter(user=user).first()
    if factor is not None and factor.enabled_at is not None:
        raise DomainError(error_codes.TWO_FACTOR_ALREADY_ON)
    if factor is None:
        factor = TwoFactor.objects.create(user=user, secret=new_secret())
    return factor


def provisioning_uri(user: User, factor: TwoFactor) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{settings.DOMAIN}:{user.username}")
    issuer = quote(settings.DOMAIN)
    return (
        f"otpauth://totp/{label}?secret={factor.secret}&issuer={issuer}&digits={DIGITS}&period={STEP_SECONDS}"
    )


@transaction.atomic
def enable_two_factor(user: User, code: str, *, at: float | None = None) -> list[str]:
    """Turn two-factor sign-in on with a code from the app (proving it holds the secret); returns the ten
    recovery codes, shown once."""
    factor = TwoFactor.objects.select_for_update().filter(user=user).first()
    if factor is None:
        raise DomainError(error_codes.TWO_FACTOR_NOT_ON)
    if factor.enabled_at is not None:
        raise DomainError(error_codes.TWO_FACTOR_ALREADY_ON)
    step = matching_step(factor.secret, code, time.time() if at is None else at, factor.last_time_step)
    if step is None:
        raise DomainError(error_codes.TWO_FACTOR_CODE_WRONG, field="code")
    factor.enabled_at, factor.last_time_step = timezone.now(), step
    factor.save(update_fields=["enabled_at", "last_time_step"])
    return new_recovery_codes(user)


@transaction.atomic
def disable_two_factor(user: User, password: str, code: str, *, at: float | None = None) -> None:
    """Turn it off: the password and a current code (or a recovery code) are both needed."""
    if not user.check_password(password or ""):
        raise DomainError(error_codes.PASSWORD_CURRENT_WRONG, field="password")
    if not two_factor_enabled(user):
        raise DomainError(error_codes.TWO_FACTOR_NOT_ON)
    if not check_second_factor(user, code, at=at):
        raise DomainError(error_codes.TWO_FACTOR_CODE_WRONG, field="code")
    TwoFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def remove_two_factor(user: User) -> bool:
    """The operator's way out (`caravan two-factor-off`) for someone who lost the app and every recovery code;
    False when the person had none."""
    removed, _ = TwoFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return removed > 0


RECOVERY_CODES = 10


def _code_hash(code: str) -> str:
    normalized = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes (the old ones stop working); only their hashes are kept."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code; True when it was one of the person's and not used before."""
    if not "".join(ch for ch in (code or "") if ch.isalnum()):
        return False
    spent = RecoveryCode.objects.filter(user=user, code_hash=_code_hash(code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return spent == 1


def check_second_factor(user: User, code: str, *, at: float | None = None) -> bool:
    """A sign-in's second step: a current app code never accepted before, or an unused recovery code."""
    digits = "".join((code or "").split())
    if len(digits) == DIGITS and digits.isdigit():
        with transaction.atomic():
            factor = TwoFactor.objects.select_for_update().filter(user=user, enabled_at__isnull=False).first()
            if factor is None:
                return False
            step = matching_step(
                factor.secret, digits, time.time() if at is None else at, factor.last_time_step
            )
            if step is None:
                return False
            # Conditional, so two requests racing with the same code cannot both pass.
            return (
                TwoFactor.objects.filter(pk=factor.pk, last_time_step__lt=step).update(last_time_step=step)
                == 1
            )
    return two_factor_enabled(user) and use_recovery_code(user, code)


# --- Sign-in's second step, kept in the session only -------------------------------------------------------

PENDING_KEY = "caravan_two_factor_pending"
PENDING_SECONDS = 300


def begin_second_step(session, user: User, next_url: str = "") -> None:
    """The password was right; the session remembers who, for five minutes, until a code is given."""
    session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}


def pending_second_step(session) -> tuple[User, str] | None:
    """The person waiting for their code and where they were going; None when nobody or expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = User.objects.select_related("account").filter(pk=pending.get("user"), is_active=True).first()
    return (user, str(pending.get("next") or "")) if user is not None else None


def end_second_step(session) -> None:
    session.pop(PENDING_KEY, None)


# --- Web sessions -----------------------------------------------------------------------------------------

SEEN_EVERY = 60  # seconds: last_seen_at is written at most this often


def record_session(user: User, session_key: str, address: str, user_agent: str) -> None:
    now = timezone.now()
    WebSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "last_seen_at": now, "address": address[:64], "user_agent": user_agent[:300]},
    )


def touch_session(user: User, session_key: str, address: str, user_agent: str) -> None:
    """A request in a signed-in session: its row says when it was last seen (written once a minute)."""
    now = timezone.now()
    updated = WebSession.objects.filter(
        session_key=session_key, user=user, last_seen_at__lt=now - timedelta(seconds=SEEN_EVERY)
    ).update(last_seen_at=now, address=address[:64])
    if not updated and not WebSession.objects.filter(session_key=session_key).exists():
        record_session(user, session_key, address, user_agent)


def forget_session(session_key: str) -> None:
    WebSession.objects.filter(session_key=session_key).delete()


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def active_sessions(user: User) -> list[WebSession]:
    """The person's web sessions, newest first; rows whose Django session ended (expired, cleared) go."""
    rows = list(WebSession.objects.filter(user=user).order_by("-last_seen_at"))
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        alive = set(
            Session.objects.filter(
                session_key__in=[r.session_key for r in rows], expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
    else:
        store = _session_store()
        alive = {r.session_key for r in rows if store().exists(r.session_key)}
    gone = [r.pk for r in rows if r.session_key not in alive]
    if gone:
        WebSession.objects.filter(pk__in=gone).delete()
    return [r for r in rows if r.session_key in alive]


def end_session(user: User, session_id: int) -> None:
    row = WebSession.objects.filter(user=user, pk=session_id).first() if id_from_text(session_id) else None
    if row is None:
        raise DomainError(error_codes.SESSION_NOT_FOUND)
    _session_store()(session_key=row.session_key).delete()
    row.delete()


def end_sessions(user: User, *, except_key: str = "") -> int:
    """Sign out every web session of the person but `except_key`."""
    rows = list(WebSession.objects.filter(user=user).exclude(session_key=except_key or None))
    store = _session_store()
    for row in rows:
        store(session_key=row.session_key).delete()
    WebSession.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)


@dataclass(frozen=True)
class Device:
    browser: str
    system: str


def describe_user_agent(user_agent: str) -> Device:
    """A browser and system name read from a User-Agent, for people to recognise their sessions."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for marker, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if marker in ua
        ),
        "",
    )
    system = next(
        (
            name
            for marker, name in (
                ("Android", "Android"),
                ("iPhone", "iOS"),
                ("iPad", "iPadOS"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )
            if marker in ua
        ),
        "",
    )
    return Device(browser, system)


# --- Authorised apps ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorisedApp:
    application_id: int
    name: str
    scopes: list[str]
    authorised_at: datetime
    tokens: int


def authorised_apps(user: User) -> list[AuthorisedApp]:
    """The apps holding live tokens for the person: name, the scopes granted, when first authorised."""
    apps: dict[int, dict] = {}
    now = timezone.now()
    rows = (
        AccessToken.objects.filter(user=user, application__isnull=False)
        .exclude(expires__lte=now)
        .values_list("application_id", "application__name", "scope", "created")
        .order_by("created")
    )
    for app_id, name, scope, created in rows:
        entry = apps.setdefault(app_id, {"name": name, "scopes": set(), "at": created, "tokens": 0})
        entry["scopes"].update(scope.split())
        entry["tokens"] += 1
    return sorted(
        (
            AuthorisedApp(app_id, e["name"], sorted(e["scopes"]), e["at"], e["tokens"])
            for app_id, e in apps.items()
        ),
        key=lambda a: a.authorised_at,
        reverse=True,
    )


@transaction.atomic
def revoke_app(user: User, application_id: int) -> int:
    """Revoke every token the app holds for the person (and its refresh tokens and pending grants): its API
    calls answer 401, its streams close and its push subscriptions go (the `tokens.revoked` event)."""
    if id_from_text(application_id) is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    tokens = list(
        AccessToken.objects.filter(user=user, application_id=application_id).values_list(
            "id", "token_checksum"
        )
    )
    if not tokens:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    RefreshToken.objects.filter(user=user, application_id=application_id).delete()
    Grant.objects.filter(user=user, application_id=application_id).delete()
    AccessToken.objects.filter(pk__in=[t[0] for t in tokens]).delete()
    events.emit(
        "tokens.revoked",
        account_id=user.account_id,
        token_ids=[t[0] for t in tokens],
        checksums=[t[1] for t in tokens],
    )
    return len(tokens)
