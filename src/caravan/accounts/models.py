"""Accounts are actors, local or remote; a User is a person who signs in and owns exactly one local Account."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from caravan.ids import new_id
from caravan.untrusted import without_bidi_controls


class Account(models.Model):
    """A local or remote actor. `domain` is "" for local accounts, so (username, domain) can be unique."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    username = models.CharField(max_length=64)
    domain = models.CharField(max_length=255, blank=True, default="", db_index=True)
    display_name = models.CharField(max_length=100, blank=True, default="")
    note = models.TextField(blank=True, default="")  # the bio as written (local) or sanitized HTML (remote)
    note_html = models.TextField(blank=True, default="")
    fields = models.JSONField(default=list, blank=True)  # [{"name": ..., "value": ..., "verified_at": ...}]
    avatar = models.ImageField(upload_to="avatars/", null=True, blank=True)
    header = models.ImageField(upload_to="headers/", null=True, blank=True)
    avatar_remote_url = models.URLField(max_length=2000, blank=True, default="")
    header_remote_url = models.URLField(max_length=2000, blank=True, default="")
    locked = models.BooleanField(default=False)
    bot = models.BooleanField(default=False)
    group = models.BooleanField(default=False)
    discoverable = models.BooleanField(default=True)
    # ActivityPub identity; for local accounts these are derived from BASE_URL when the account is created.
    uri = models.CharField(max_length=2000, unique=True)
    url = models.CharField(max_length=2000, blank=True, default="")
    inbox_url = models.CharField(max_length=2000, blank=True, default="")
    outbox_url = models.CharField(max_length=2000, blank=True, default="")
    shared_inbox_url = models.CharField(max_length=2000, blank=True, default="")
    followers_url = models.CharField(max_length=2000, blank=True, default="")
    following_url = models.CharField(max_length=2000, blank=True, default="")
    featured_url = models.CharField(max_length=2000, blank=True, default="")
    public_key_pem = models.TextField(blank=True, default="")
    private_key_pem = models.TextField(blank=True, default="")
    key_id = models.CharField(max_length=2000, blank=True, default="")
    also_known_as = models.JSONField(default=list, blank=True)
    moved_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moved_at = models.DateTimeField(null=True, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    statuses_count = models.PositiveIntegerField(default=0)
    last_status_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Set by moderation (caravan.moderation.services): a limited account's posts reach only its followers and
    # the people they mention (posts.visibility); a sensitized account's media are shown behind a warning.
    limited_at = models.DateTimeField(null=True, blank=True)
    sensitized_at = models.DateTimeField(null=True, blank=True)
    # When the account was deleted for good: by its owner, after a suspension's appeal period (caravan.leaving),
    # or by its own server (an actor Delete). It stays a suspended tombstone: lifting a suspension never
    # shows it again.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When a remote account's own server said it suspended it (its actor's `suspended: true`; Mastodon's
    # suspension of origin remote). It is hidden here too, with this stamp in `suspended_at`, and shown again
    # when its server stops saying so, unless it is suspended here for another reason
    # (caravan.moderation.remote_suspensions).
    remote_suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), "domain", name="account_unique_handle"),
        ]
        # Every signed request names a key id; without this each uncached look-up scans all accounts.
        indexes = [models.Index(fields=["key_id"], name="account_key_id")]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_local(self) -> bool:
        return self.domain == ""

    @property
    def acct(self) -> str:
        """The Mastodon `acct`: bare username for local accounts, user@domain for remote ones."""
        return self.username if self.is_local else f"{self.username}@{self.domain}"

    @property
    def handle(self) -> str:
        # Rows stored before handles were checked may hold bidi controls; none reach a page.
        return without_bidi_controls(f"@{self.username}@{self.domain or settings.DOMAIN}")

    @property
    def name(self) -> str:
        """What pages show: the display name without bidi controls (so it cannot flip the sentence around
        it), else the username."""
        return without_bidi_controls(self.display_name).strip() or self.username

    @property
    def profile_path(self) -> str:
        return f"/@{self.acct}"


class Role(models.TextChoices):
    USER = "user"
    MODERATOR = "moderator"  # reports, accounts, domain policies
    ADMIN = "admin"  # everything, server settings included


class Digits(models.TextChoices):
    WESTERN = "western", "0123456789"
    EASTERN = "eastern", "٠١٢٣٤٥٦٧٨٩"


class User(AbstractUser):
    """A person who signs in. Username uniqueness is enforced on the Account, case-insensitively."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="user", null=True)
    approved = models.BooleanField(default=True)
    registration_reason = models.TextField(blank=True, default="")
    locale = models.CharField(max_length=10, blank=True, default="")
    default_visibility = models.CharField(max_length=10, default="public")
    default_sensitive = models.BooleanField(default=False)
    default_language = models.CharField(max_length=10, blank=True, default="")
    invite = models.ForeignKey("instance.Invite", null=True, blank=True, on_delete=models.SET_NULL)
    rules_accepted_at = models.DateTimeField(null=True, blank=True)
    # The address the sign-up came from (as `throttling.client_address` saw it): moderators' clusters and the
    # admin API's `ip` read it. None for accounts made by `createadmin` and those older than this field.
    sign_up_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    # Its network as `throttling.network_key` names it ("198.51.100.0/24", "2001:db8:1::/48"), kept so that
    # counting a network's sign-ups (holds, the moderators' clusters) is one indexed look-up on either database.
    sign_up_network = models.CharField(max_length=50, blank=True, default="", db_index=True)
    # Why the sign-up was held for approval although the registration mode did not ask for it: a list of
    # {"code": ..., and the figures its message needs} (`signup.hold_reasons`), shown translated to the admins.
    sign_up_holds = models.JSONField(default=list, blank=True)
    # An admin is also `is_staff` (the admin pages ask that); `accounts.services.set_role` keeps them in step.
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    # How the web pages show numbers and times to this person (visitors get the defaults): Western or Eastern
    # Arabic digits, the Hijri date beside the Gregorian one, and an IANA time zone ("" is UTC).
    digits = models.CharField(max_length=8, choices=Digits.choices, default=Digits.WESTERN)
    hijri_dates = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # When the person followed the link mailed to their address (CARAVAN_CONFIRM_EMAIL): with that setting on,
    # an account whose address is unconfirmed cannot sign in or use its tokens. Accounts made before the
    # setting existed, or while it was off, count as confirmed (accounts.security.email_confirmed).
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # A new address waiting for its confirmation link to be followed (the old one stays until then).
    unconfirmed_email = models.EmailField(blank=True, default="")

    # The one answer to "may this person moderate / administer": every face asks these two.
    @property
    def may_moderate(self) -> bool:
        return self.is_active and (self.role in (Role.MODERATOR, Role.ADMIN) or self.is_superuser)

    @property
    def may_administer(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    @property
    def interface_language(self) -> str:
        """The interface language this user chose, when the server offers it; "" follows the request
        (Accept-Language). The web pages and the client API both start from it."""
        return self.locale if self.locale in {code for code, _ in settings.LANGUAGES} else ""


class TwoFactor(models.Model):
    """A person's authenticator app (TOTP, RFC 6238) (caravan.accounts.security). The row exists from the
    moment set-up starts (the secret shown); sign-in asks for a code only once `enabled_at` is set."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)  # base32, as the app is given it
    enabled_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code was accepted: a code is never accepted twice, nor an older one.
    last_time_step = models.BigIntegerField(default=0)


class RecoveryCode(models.Model):
    """One of ten one-time codes for when the app is lost; only a hash is kept (shown once, at enabling)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)


class WebSession(models.Model):
    """A signed-in web session as the person sees it on their security page (device, address, last seen);
    Django's session row is the authority, this one describes it and goes when it ends."""

    session_key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="web_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    address = models.CharField(max_length=64, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")
