"""Local and remote accounts on their own: username rules, invites, approval, keys, finding an account by
handle, preferences. What also touches other apps (signing up, profiles, leaving) is in `caravan.signup`,
`caravan.profiles` and `caravan.leaving`, above them."""

import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from caravan.accounts.models import Account, User
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


def local_actor_uri(username: str) -> str:
    return f"{settings.BASE_URL}/users/{username}"


def validate_username(username: str, *, allow_reserved: bool = False) -> str:
    username = (username or "").strip().lstrip("@")
    if not username:
        raise DomainError("Choose a username.", field="username", code="ERR_BLANK")
    if not USERNAME_RE.match(username):
        raise DomainError(
            "Usernames may only use letters a-z, digits and underscores, up to 30 characters.",
            field="username",
            code="ERR_INVALID",
        )
    if not allow_reserved and username.lower() in RESERVED_USERNAMES:
        raise DomainError("That username is reserved.", field="username", code="ERR_RESERVED")
    if Account.objects.filter(domain="", username__iexact=username).exists():
        raise DomainError("That username is taken.", field="username", code="ERR_TAKEN")
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
        raise DomainError(
            "This server is invite-only; that invite code is not valid.",
            field="invite_code",
            code="ERR_INVALID",
        )
    if invite.expires_at and invite.expires_at < timezone.now():
        raise DomainError("That invite has expired.", field="invite_code", code="ERR_EXPIRED")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise DomainError("That invite has been used up.", field="invite_code", code="ERR_EXPIRED")
    return invite


def approve_user(user: User) -> User:
    User.objects.filter(pk=user.pk).update(approved=True)
    user.refresh_from_db()
    return user


def reject_user(user: User) -> None:
    """Turn down a registration awaiting approval: the user and their (empty) account are removed."""
    if user.approved:
        raise DomainError("Only registrations awaiting approval can be rejected.")
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


def update_preferences(
    user: User,
    *,
    locale: str | None = None,
    default_visibility: str | None = None,
    default_language: str | None = None,
    default_sensitive: bool | None = None,
) -> User:
    """Change a user's own settings: interface language ("" follows the browser) and posting defaults."""
    if locale is not None:
        if locale and locale not in {code for code, _ in settings.LANGUAGES}:
            raise DomainError("That interface language is not available.", field="locale")
        user.locale = locale
    if default_visibility is not None:
        if default_visibility not in PREFERRED_VISIBILITIES:
            raise DomainError(
                "Visibility must be one of public, unlisted, private or direct.", field="default_visibility"
            )
        user.default_visibility = default_visibility
    if default_language is not None:
        if len(default_language) > 10:
            raise DomainError("That is not a language code.", field="default_language")
        user.default_language = default_language
    if default_sensitive is not None:
        user.default_sensitive = bool(default_sensitive)
    user.save(update_fields=["locale", "default_visibility", "default_language", "default_sensitive"])
    return user
