"""Who follows, blocks and mutes whom. Remote follows wait as FollowRequests until the remote server Accepts."""

from django.db import models

from caravan.ids import new_id


class Follow(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="following_set")
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="followers_set"
    )
    show_reblogs = models.BooleanField(default=True)
    notify = models.BooleanField(default=False)
    languages = models.JSONField(null=True, blank=True)
    uri = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="follow_unique")]
        indexes = [models.Index(fields=["target_account", "account"])]


class FollowRequest(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="follow_requests_sent"
    )
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="follow_requests_received"
    )
    show_reblogs = models.BooleanField(default=True)
    notify = models.BooleanField(default=False)
    languages = models.JSONField(null=True, blank=True)
    uri = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="follow_request_unique")]


class Block(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="blocking_set")
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="blocked_by_set"
    )
    uri = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="block_unique")]
        indexes = [models.Index(fields=["target_account", "account"])]


class Mute(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="muting_set")
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="muted_by_set"
    )
    hide_notifications = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="mute_unique")]


class Endorsement(models.Model):
    """An account pinned to another's profile (Mastodon's endorsements): only while it is followed."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="endorsements")
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="endorsed_by_set"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="endorsement_unique")]


class DismissedSuggestion(models.Model):
    """An account someone asked not to be suggested again (`DELETE /api/v1/suggestions/:id`): kept for good."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    target_account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("account", "target_account", name="dismissed_suggestion_unique")
        ]


class DomainBlock(models.Model):
    """A user hiding a whole remote server from their own view."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="domain_blocks")
    domain = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "domain", name="domain_block_unique")]


class AccountNote(models.Model):
    """A private note a user keeps about another account."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    target_account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    comment = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint("account", "target_account", name="account_note_unique")]
