"""Creating and changing accounts: registration, the admin account, profiles, keys, remote actors."""

import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.instance.models import Invite, RegistrationMode
from caravan.instance.services import get_instance_settings
from caravan.search.services import index_account
from caravan.untrusted import valid_remote_handle, without_bidi_controls

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
        raise DomainError(error_codes.USERNAME_BLANK, field="username")
    if not USERNAME_RE.match(username):
        raise DomainError(error_codes.USERNAME_INVALID, field="username")
    if not allow_reserved and username.lower() in RESERVED_USERNAMES:
        raise DomainError(error_codes.USERNAME_RESERVED, field="username")
    if Account.objects.filter(domain="", username__iexact=username).exists():
        raise DomainError(error_codes.USERNAME_TAKEN, field="username")
    return username


def _create_local_account(username: str) -> Account:
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


def register_user(
    *,
    username: str,
    password: str,
    email: str = "",
    agreement: bool = False,
    reason: str = "",
    invite_code: str = "",
    locale: str = "",
) -> User:
    """Sign a person up in one step, as the server's registration mode allows. Raises DomainError on bad input."""
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
    try:
        validate_password(password or "")
    except ValidationError as error:
        raise DomainError(
            error_codes.PASSWORD_REJECTED, field="password", reasons=" ".join(error.messages)
        ) from None
    invite = None
    if mode == RegistrationMode.INVITE:
        invite = _usable_invite(invite_code)
    reason = (reason or "").strip()
    if mode == RegistrationMode.APPROVAL and not reason:
        raise DomainError(error_codes.JOIN_REASON_REQUIRED, field="reason")
    try:
        with transaction.atomic():
            account = _create_local_account(username)
            user = User(
                username=username,
                email=email,
                account=account,
                approved=mode != RegistrationMode.APPROVAL,
                registration_reason=reason,
                locale=locale[:10],
                invite=invite,
                rules_accepted_at=timezone.now(),
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


def _tell_staff_about_sign_up(account: Account) -> None:
    from caravan.notifications.services import notify

    for staff in Account.objects.filter(user__is_staff=True, user__is_active=True):
        notify(staff, "admin.sign_up", account)


def pending_registrations() -> list[User]:
    return list(User.objects.filter(approved=False).select_related("account").order_by("date_joined"))


def _usable_invite(code: str) -> Invite:
    invite = Invite.objects.filter(code=(code or "").strip()).first()
    if invite is None:
        raise DomainError(error_codes.INVITE_INVALID, field="invite_code")
    if invite.expires_at and invite.expires_at < timezone.now():
        raise DomainError(error_codes.INVITE_EXPIRED, field="invite_code")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise DomainError(error_codes.INVITE_USED_UP, field="invite_code")
    return invite


def create_admin(username: str, password: str, email: str = "") -> User:
    """An admin account, whatever the registration mode (used by `caravan createadmin`)."""
    username = validate_username(username, allow_reserved=True)
    try:
        validate_password(password)
    except ValidationError as error:
        raise DomainError(
            error_codes.PASSWORD_REJECTED, field="password", reasons=" ".join(error.messages)
        ) from None
    with transaction.atomic():
        account = _create_local_account(username)
        user = User(
            username=username,
            email=email,
            account=account,
            is_staff=True,
            is_superuser=True,
            rules_accepted_at=timezone.now(),
        )
        user.set_password(password)
        user.save()
        index_account(account)
        events.emit("account.created", account=account)
    return user


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


def update_profile(
    account: Account,
    *,
    display_name: str | None = None,
    note: str | None = None,
    fields: list[dict] | None = None,
    locked: bool | None = None,
    bot: bool | None = None,
    discoverable: bool | None = None,
    avatar=None,
    header=None,
) -> Account:
    """Change a local profile. Images go through the media service (metadata stripped, resized)."""
    from caravan.media.services import store_profile_image
    from caravan.posts.rendering import render_text
    from caravan.posts.services import resolve_mention

    if display_name is not None:
        display_name = without_bidi_controls(display_name).strip()
        if len(display_name) > 30:
            raise DomainError(error_codes.DISPLAY_NAME_TOO_LONG, field="display_name")
        account.display_name = display_name
    if note is not None:
        if len(note) > 500:
            raise DomainError(error_codes.BIO_TOO_LONG, field="note")
        account.note = note
        account.note_html = render_text(note, resolve_mention).html
    if fields is not None:
        cleaned = []
        for item in fields:
            name, value = str(item.get("name", "")).strip(), str(item.get("value", "")).strip()
            if not name and not value:
                continue
            if len(name) > 255 or len(value) > 255:
                raise DomainError(error_codes.PROFILE_FIELD_TOO_LONG, field="fields")
            cleaned.append({"name": name, "value": value, "verified_at": None})
        if len(cleaned) > settings.CARAVAN["MAX_PROFILE_FIELDS"]:
            raise DomainError(
                error_codes.TOO_MANY_PROFILE_FIELDS,
                field="fields",
                limit=settings.CARAVAN["MAX_PROFILE_FIELDS"],
            )
        account.fields = cleaned
    for name, value in (("locked", locked), ("bot", bot), ("discoverable", discoverable)):
        if value is not None:
            setattr(account, name, bool(value))
    with transaction.atomic():
        if avatar is not None:
            store_profile_image(account, "avatar", avatar)
        if header is not None:
            store_profile_image(account, "header", header)
        account.save()
        index_account(account)
        events.emit("account.updated", account=account)
    return account


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


def upsert_remote_account(uri: str, **attributes) -> Account:
    """Create or refresh a remote actor by its ActivityPub id. Used by the federation face.

    Raises DomainError for a handle Mastodon would not store; the display name loses bidi controls."""
    if ("username" in attributes or "domain" in attributes) and not valid_remote_handle(
        attributes.get("username"), attributes.get("domain")
    ):
        raise DomainError(error_codes.REMOTE_HANDLE_REJECTED, field="username")
    if "display_name" in attributes:
        attributes["display_name"] = without_bidi_controls(attributes["display_name"])
    attributes["fetched_at"] = datetime.now(UTC)
    with transaction.atomic():
        account = Account.objects.filter(uri=uri).first()
        if account is None:
            account = Account.objects.create(uri=uri, **attributes)
            index_account(account)
            events.emit("account.created", account=account)
        else:
            for name, value in attributes.items():
                setattr(account, name, value)
            account.save()
            events.emit("account.updated", account=account)
    return account


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
    user.save(update_fields=["locale", "default_visibility", "default_language", "default_sensitive"])
    return user


def delete_account(user: User, password: str) -> None:
    """A person deletes their own account, for good, after giving their password.

    In one transaction: "account.deleted" is announced first (federation reads the follows and interactions
    still in place to address a signed Delete of the actor), then the account's content and relationships go,
    with other people's counters fixed. The Account row stays as a tombstone (suspended, profile emptied, keys
    kept to sign the Delete) so the username is never given to someone else and the actor answers 410 Gone.
    The User row goes, with its sign-in, sessions' owner and OAuth grants. Deleting an already deleted account
    does nothing. Raises DomainError for a wrong password or the last active admin.
    """
    if user.pk is None or not User.objects.filter(pk=user.pk).exists():
        return
    if not password or not user.check_password(password):
        raise DomainError(error_codes.PASSWORD_WRONG, field="password")
    if (user.is_staff or user.is_superuser) and not (
        User.objects.filter(is_active=True)
        .filter(models.Q(is_staff=True) | models.Q(is_superuser=True))
        .exclude(pk=user.pk)
        .exists()
    ):
        raise DomainError(error_codes.LAST_ADMIN)
    with transaction.atomic():
        # Two deletions at once (two tabs, web and API): the second finds no user and does nothing.
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return
        account = Account.objects.select_for_update().filter(pk=locked.account_id).first()
        if account is not None:
            events.emit("account.deleted", account=account)
            _erase_account_content(account)
            _make_tombstone(account)
        _revoke_oauth(locked)
        from caravan.moving.services import forget_imports

        forget_imports(locked)
        locked.delete()


def _erase_account_content(account: Account) -> None:
    from caravan.notifications.services import remove_all_for
    from caravan.posts.services import remove_all_posts_and_interactions
    from caravan.search.services import remove_account
    from caravan.social.services import remove_all_relationships
    from caravan.timelines.models import FeedEntry, List

    remove_all_relationships(account)
    remove_all_posts_and_interactions(account)
    remove_all_for(account)
    FeedEntry.objects.filter(owner=account).delete()
    List.objects.filter(owner=account).delete()
    remove_account(account.id)


def _make_tombstone(account: Account) -> None:
    from caravan.media.services import delete_files

    images = [image.name for image in (account.avatar, account.header) if image]
    Account.objects.filter(pk=account.pk).update(
        display_name="",
        note="",
        note_html="",
        fields=[],
        avatar=None,
        header=None,
        also_known_as=[],
        discoverable=False,
        locked=False,
        followers_count=0,
        following_count=0,
        statuses_count=0,
        last_status_at=None,
        suspended_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if images:
        transaction.on_commit(lambda: delete_files(images))


def _revoke_oauth(user: User) -> None:
    """Tokens die with the user row (cascade) too; removing them first keeps the order plain to read."""
    from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

    get_refresh_token_model().objects.filter(user=user).delete()
    get_access_token_model().objects.filter(user=user).delete()
    get_grant_model().objects.filter(user=user).delete()


def forget_remote_account(account: Account) -> None:
    """Another server says one of its accounts was deleted: its posts, follows both ways (counters fixed),
    interactions and notifications go here too, and it is hidden. Nothing is sent back."""
    if account.is_local:
        return
    with transaction.atomic():
        _erase_account_content(account)
        Account.objects.filter(pk=account.pk).update(suspended_at=timezone.now())
