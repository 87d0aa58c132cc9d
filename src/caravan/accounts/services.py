"""Local and remote accounts on their own: username rules, invites, approval, keys, finding an account by
handle, preferences. What also touches other apps (signing up, profiles, leaving) is in `caravan.signup`,
`caravan.profiles` and `caravan.leaving`, above them."""

import functools
import re
import zoneinfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from caravan import error_codes
from caravan.accounts.models import Account, Digits, Role, User
from caravan.bulk import select_rows
from caravan.errors import DomainError
from caravan.instance.models import Invite

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "support",
        "help",
        "about",
        "api",
        "auth",
        "settings",
        "static",
        "media",
        "users",
        "tags",
        "inbox",
        "outbox",
        "actor",
        "instance",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "security",
        "moderator",
        "caravan",
        "explore",
        "search",
        "notifications",
        "home",
        "oauth",
        "well-known",
    }
)


# Names the server gives its own actors (a campaign is `campaign_<id>`): nobody may sign up as one, so a handle
# of that shape on a Caravan server always leads to what it names.
RESERVED_PREFIXES = ("campaign_",)


def local_actor_uri(username: str) -> str:
    return f"{settings.BASE_URL}/users/{username}"


def validate_username(username: str, *, allow_reserved: bool = False) -> str:
    username = (username or "").strip().lstrip("@")
    if not username:
        raise DomainError(error_codes.USERNAME_BLANK, field="username")
    if not USERNAME_RE.match(username):
        raise DomainError(error_codes.USERNAME_INVALID, field="username")
    if not allow_reserved and (
        username.lower() in RESERVED_USERNAMES or username.lower().startswith(RESERVED_PREFIXES)
    ):
        raise DomainError(error_codes.USERNAME_RESERVED, field="username")
    if Account.objects.filter(domain="", username__iexact=username).exists():
        raise DomainError(error_codes.USERNAME_TAKEN, field="username")
    return username


def create_local_account(username: str) -> Account:
    """The Account row of a new local user (sign-up and the admin account, in `caravan.signup`)."""
    uri = local_actor_uri(username)
    return Account.objects.create(
        username=username,
        domain="",
        uri=uri,
        url=f"{settings.BASE_URL}/@{username}",
        inbox_url=f"{uri}/inbox",
        outbox_url=f"{uri}/outbox",
        shared_inbox_url=f"{settings.BASE_URL}/inbox",
        followers_url=f"{uri}/followers",
        following_url=f"{uri}/following",
        featured_url=f"{uri}/collections/featured",
        key_id=f"{uri}#main-key",
    )


def pending_registrations() -> list[User]:
    return list(User.objects.filter(approved=False).select_related("account").order_by("date_joined"))


def usable_invite(code: str) -> Invite:
    """The invite a sign-up names, if it can still be used; raises DomainError otherwise."""
    invite = Invite.objects.filter(code=(code or "").strip()).first()
    if invite is None:
        raise DomainError(error_codes.INVITE_INVALID, field="invite_code")
    if invite.expires_at and invite.expires_at < timezone.now():
        raise DomainError(error_codes.INVITE_EXPIRED, field="invite_code")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise DomainError(error_codes.INVITE_USED_UP, field="invite_code")
    return invite


def approve_user(user: User) -> User:
    User.objects.filter(pk=user.pk).update(approved=True)
    user.refresh_from_db()
    return user


def reject_user(user: User) -> None:
    """Turn down a registration awaiting approval: the user and their (empty) account are removed."""
    if user.approved:
        raise DomainError(error_codes.NOT_AWAITING_APPROVAL)
    with transaction.atomic():
        account = user.account
        user.delete()
        if account is not None:
            account.delete()


def generate_keypair() -> tuple[str, str]:
    """A new RSA-2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def ensure_keypair(account: Account) -> Account:
    """Local accounts sign with RSA-2048; the key is made the first time it is needed (it costs ~50 ms)."""
    if account.private_key_pem or not account.is_local:
        return account
    private_pem, public_pem = generate_keypair()
    # Two processes may race to make a key: only the first write wins, everyone reads the stored one.
    Account.objects.filter(pk=account.pk, private_key_pem="").update(
        private_key_pem=private_pem, public_key_pem=public_pem
    )
    account.refresh_from_db(fields=["private_key_pem", "public_key_pem"])
    return account


def find_account(username: str, domain: str = "") -> Account | None:
    """An account by handle; `domain` "" (or this server's domain) for local accounts."""
    domain = (domain or "").lower()
    if domain == settings.DOMAIN.lower():
        domain = ""
    return Account.objects.filter(domain=domain, username__iexact=username).first()


PREFERRED_VISIBILITIES = ("public", "unlisted", "private", "direct")


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows ("Asia/Riyadh"); read once, as a set, so a name from a form is
    only ever compared, never opened as a path."""
    return frozenset(zoneinfo.available_timezones())


def update_preferences(
    user: User,
    *,
    locale: str | None = None,
    default_visibility: str | None = None,
    default_language: str | None = None,
    default_sensitive: bool | None = None,
    digits: str | None = None,
    hijri_dates: bool | None = None,
    time_zone: str | None = None,
) -> User:
    """Change a user's own settings: interface language ("" follows the browser), posting defaults, and how
    pages show numbers and times (digits, the Hijri date beside the Gregorian one, the time zone: "" is UTC)."""
    if locale is not None:
        if locale and locale not in {code for code, _ in settings.LANGUAGES}:
            raise DomainError(error_codes.LOCALE_UNAVAILABLE, field="locale")
        user.locale = locale
    if default_visibility is not None:
        if default_visibility not in PREFERRED_VISIBILITIES:
            raise DomainError(error_codes.VISIBILITY_INVALID, field="default_visibility")
        user.default_visibility = default_visibility
    if default_language is not None:
        if len(default_language) > 10:
            raise DomainError(error_codes.LANGUAGE_CODE_INVALID, field="default_language")
        user.default_language = default_language
    if default_sensitive is not None:
        user.default_sensitive = bool(default_sensitive)
    if digits is not None:
        if digits not in Digits.values:
            raise DomainError(error_codes.DIGITS_UNKNOWN, field="digits")
        user.digits = digits
    if hijri_dates is not None:
        user.hijri_dates = bool(hijri_dates)
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and time_zone not in known_time_zones():
            raise DomainError(error_codes.TIME_ZONE_UNKNOWN, field="time_zone")
        user.time_zone = time_zone
    user.save(
        update_fields=[
            "locale",
            "default_visibility",
            "default_language",
            "default_sensitive",
            "digits",
            "hijri_dates",
            "time_zone",
        ]
    )
    return user


def set_role(user: User, role: str) -> User:
    """Make `user` a plain user, a moderator or an admin. An admin is also staff (and a Django superuser, as
    `caravan createadmin` makes one); any other role is neither, so no older check lets a demoted admin in."""
    if role not in Role.values:
        raise DomainError(error_codes.ROLE_UNKNOWN, field="role", roles=", ".join(Role.values))
    admin = role == Role.ADMIN
    User.objects.filter(pk=user.pk).update(role=role, is_staff=admin, is_superuser=admin)
    user.role, user.is_staff, user.is_superuser = role, admin, admin
    return user


def load_accounts(ids) -> dict[int, Account]:
    """{id: account} for these ids, with the account each moved to (shown in entities), by plain reads by key:
    a page of notifications or statuses names dozens of accounts of 45 fields each."""
    found = {a.id: a for a in select_rows(Account, set(ids))}
    moved = {a.moved_to_id for a in found.values() if a.moved_to_id} - found.keys()
    targets = {**found, **{a.id: a for a in select_rows(Account, moved)}}
    for account in found.values():
        if account.moved_to_id in targets:
            account._state.fields_cache["moved_to"] = targets[account.moved_to_id]
    return found
