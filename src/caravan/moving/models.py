"""Import jobs and the record of what each import has already brought in.

An ImportJob is one archive or CSV being brought in (progress, problems, a resume cursor). An ImportedItem
says "this source item is already here", so running an import again, or resuming after a crash, adds
nothing twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravan.errors import shown


class ImportKind(models.TextChoices):
    X_ARCHIVE = "x_archive", _("X / Twitter archive")
    MASTODON_ARCHIVE = "mastodon_archive", _("Mastodon archive")
    FOLLOWING = "following", _("Follows (CSV)")
    BLOCKS = "blocks", _("Blocks (CSV)")
    MUTES = "mutes", _("Mutes (CSV)")
    DOMAIN_BLOCKS = "domain_blocks", _("Blocked domains (CSV)")
    BOOKMARKS = "bookmarks", _("Bookmarks (CSV)")
    LISTS = "lists", _("Lists (CSV)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Stopped")


class ImportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=32, choices=ImportKind.choices)
    source_path = models.CharField(max_length=2000)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Problems a person should read, capped in length: [{"item": source id or file name, "code", "params",
    # "reason": the English text}] (caravan.errors.stored; reports written before codes have "reason" only).
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")  # why it stopped, in English (the CLI, the logs)
    # The same by code and parameters (caravan.errors.stored), so the page shows it in the reader's language.
    error_detail = models.JSONField(default=dict, blank=True)
    # Where a resumed run starts: importer-specific, committed with each batch.
    cursor = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"ImportJob {self.pk} ({self.kind}, {self.status})"

    @property
    def error_message(self) -> str:
        """Why the job stopped, in the active language."""
        return shown({**self.error_detail, "reason": self.error})

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, int(100 * self.processed / self.total)) if self.total else 0

    @property
    def stalled(self) -> bool:
        """Queued or running, but not a batch committed for 15 minutes: the worker probably stopped."""
        from datetime import timedelta

        from django.utils import timezone

        return not self.finished and self.updated_at < timezone.now() - timedelta(minutes=15)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportedItem(models.Model):
    """One source item already brought in for an account: (account, source, source_id) is unique."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=32)  # e.g. "x:tweet", "mastodon:note", "csv:following"
    source_id = models.CharField(max_length=512)
    object_id = models.BigIntegerField(null=True, blank=True)  # the Post (or other row) it became, if any
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint("account", "source", "source_id", name="imported_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.source_id}"


class FollowCandidate(models.Model):
    """Someone from an old platform found (confirmed by WebFinger) on the fediverse, for review."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    old_handle = models.CharField(max_length=255)  # e.g. "x:jack" or the numeric id when no handle is known
    found_handle = models.CharField(max_length=512)  # user@host as written where we found it
    found_in = models.CharField(max_length=255, blank=True, default="")  # "bio of @jack", "tweet 123"...
    target = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    followed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Found in the X-id directory (this server's or another's): withdrawing the entry removes the match.
    directory_entry = models.ForeignKey(
        "directory.Entry", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint("account", "found_handle", name="follow_candidate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.old_handle} -> {self.found_handle}"
