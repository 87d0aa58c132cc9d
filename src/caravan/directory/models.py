"""The X-id directory's rows: a person's claim to an old X account (private), the entries listed (their own
choice, or answered by another server), which servers were told about each entry, and which servers have a
directory at all.

A Claim is never shown to anyone but its owner. An Entry exists only while it is listed: withdrawing deletes it,
and with it every match made from it (moving.FollowCandidate points at it with CASCADE).
"""

from django.db import models

from caravan.ids import new_id


class Claim(models.Model):
    """The old X identity in a person's own archive (`account.js`), recorded at import; listed only by choice."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="+")
    x_id = models.BigIntegerField()
    handle = models.CharField(max_length=64, blank=True, default="")
    show_on_profile = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"x:{self.x_id} claimed by {self.account_id}"


class Entry(models.Model):
    """One listed old X id and the account it leads to: a local person's listing, or one another server
    answered with (then `local` is False and `uri` is that server's id for it)."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    uri = models.CharField(max_length=500, unique=True)
    x_id = models.BigIntegerField()
    handle = models.CharField(max_length=64, blank=True, default="")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    local = models.BooleanField(default=True)
    # Two local accounts list the same old id: neither is matched automatically until one withdraws.
    disputed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["x_id"], name="directory_entry_x_id")]
        constraints = [
            models.UniqueConstraint(
                "account", condition=models.Q(local=True), name="directory_one_local_entry_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"x:{self.x_id} -> {self.account_id}"


class EntryRecipient(models.Model):
    """A server that received this (local) entry in a lookup answer: told when it is withdrawn."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="recipients")
    inbox = models.CharField(max_length=2000)

    class Meta:
        constraints = [models.UniqueConstraint("entry", "inbox", name="directory_recipient_unique")]


class DirectoryServer(models.Model):
    """What a federated server said about its directory: the lookup endpoint, or "" for none (cached)."""

    domain = models.CharField(max_length=255, unique=True)
    endpoint = models.CharField(max_length=2000, blank=True, default="")
    checked_at = models.DateTimeField()
