"""The server's own settings that an admin changes at run time, its published rules, and invites."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationMode(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVAL = "approval", _("Approval required")
    INVITE = "invite", _("Invite only")
    CLOSED = "closed", _("Closed")


class InstanceSettings(models.Model):
    """One row (pk=1): what an admin can change without a restart."""

    title = models.CharField(max_length=200, default="Caravan")
    short_description = models.CharField(max_length=500, blank=True, default="")
    description = models.TextField(blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    registration_mode = models.CharField(
        max_length=16, choices=RegistrationMode.choices, default=RegistrationMode.OPEN
    )
    # The server's VAPID key pair (RFC 8292) for Web Push, made once by `instance.vapid.key_pair`: apps bind
    # their push subscriptions to the public key, so it lives in the database that every process shares.
    vapid_private_key = models.TextField(blank=True, default="")  # PKCS#8 PEM
    vapid_public_key = models.CharField(
        max_length=100, blank=True, default=""
    )  # uncompressed point, base64url
    updated_at = models.DateTimeField(auto_now=True)
    # The server's published texts (plain text, paragraphs split by blank lines; `instance.texts` renders them).
    # Each keeps when it last changed, which Mastodon's PrivacyPolicy and TermsOfService report.
    privacy_policy = models.TextField(blank=True, default="")
    privacy_policy_updated_at = models.DateTimeField(null=True, blank=True)
    terms_of_service = models.TextField(blank=True, default="")
    terms_effective_date = models.DateField(null=True, blank=True)
    terms_updated_at = models.DateTimeField(null=True, blank=True)


class Rule(models.Model):
    text = models.CharField(max_length=500)
    hint = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


def _invite_code() -> str:
    return secrets.token_urlsafe(9)


class Invite(models.Model):
    code = models.CharField(max_length=32, unique=True, default=_invite_code)
    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="invites")
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class DomainPolicy(models.Model):
    """What this server does with another server (and its subdomains): Mastodon's domain block, with each
    effect a flag of its own. `reason` is shown to everyone; `note` only to moderators."""

    domain = models.CharField(max_length=260, unique=True)  # normalised: `instance.domains.normalise_domain`
    suspend = models.BooleanField(default=False)  # defederate: inbox refused, nothing sent, content hidden
    limit = models.BooleanField(default=False)  # its accounts limited: seen by their followers only
    reject_media = models.BooleanField(default=False)
    reject_reports = models.BooleanField(default=False)
    reason = models.TextField(blank=True, default="")
    note = models.TextField(blank=True, default="")
    # The stamp written into `Account.suspended_at` of the accounts this suspension suspended: lifting it
    # un-suspends exactly those, never accounts suspended for another reason (their stamps differ).
    suspended_since = models.DateTimeField(null=True, blank=True)
    # The same for a limit: the stamp in `Account.limited_at` of the accounts this limit limited.
    limited_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class CacheInvalidation(models.Model):
    """A message to every process: drop `key` of its per-process cache `cache` (see `caravan.invalidation`,
    which reads and writes this table by hand; used on SQLite, where commits come one at a time in id order)."""

    cache = models.CharField(max_length=32)
    key = models.CharField(max_length=100)
    at = models.FloatField()  # Unix time, for pruning

    class Meta:
        db_table = "caravan_invalidation"

    def __str__(self) -> str:
        return f"{self.cache}:{self.key}"
