"""Federation-only state: outgoing activities and their per-inbox deliveries, the ids of activities already
received (idempotency), tombstones of deleted remote objects, unreachable servers and the instance actor's
key.
"""

from django.db import models

from caravan.ids import new_id


class OutgoingActivity(models.Model):
    """One activity we published, as sent (JSON bytes), recorded in the transaction of the change that
    caused it."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    uri = models.CharField(max_length=2000)
    type = models.CharField(max_length=32)
    # None: sent by the instance actor (a forwarded report's Flag, which must not name the reporter).
    actor = models.ForeignKey("accounts.Account", null=True, on_delete=models.CASCADE, related_name="+")
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.uri}"


class Delivery(models.Model):
    """One activity to one inbox. The unique pair is what guarantees an inbox never gets an activity twice."""

    PENDING, SENDING, DONE, FAILED = "pending", "sending", "done", "failed"
    STATES = [(PENDING, "pending"), (SENDING, "sending"), (DONE, "done"), (FAILED, "failed")]

    activity = models.ForeignKey(OutgoingActivity, on_delete=models.CASCADE, related_name="deliveries")
    inbox_url = models.CharField(max_length=2000)
    domain = models.CharField(max_length=255, db_index=True)
    state = models.CharField(max_length=8, choices=STATES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A sender claims rows before sending, so two workers never send one activity to one inbox twice.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("activity", "inbox_url", name="delivery_once_per_inbox")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.activity_id} -> {self.inbox_url} ({self.state})"


class ReceivedActivity(models.Model):
    """Ids of activities already processed, so a replayed or re-delivered activity changes nothing."""

    uri = models.CharField(max_length=2000, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.uri


class Tombstone(models.Model):
    """A remote object that was deleted; a later Create or Update of the same id is ignored (as Mastodon
    does)."""

    uri = models.CharField(max_length=2000, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.uri


class UnavailableDomain(models.Model):
    """A server that failed deliveries on several distinct days without a success: skipped until it
    answers."""

    domain = models.CharField(max_length=255, unique=True)
    failure_days = models.JSONField(default=list)  # ISO dates on which deliveries failed
    unavailable = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.domain


class InstanceActor(models.Model):
    """The server's own Application actor (`/actor`), which signs fetches made on nobody's behalf."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    public_key_pem = models.TextField()
    private_key_pem = models.TextField()

    def __str__(self) -> str:
        return "instance actor"


class InboxItem(models.Model):
    """A verified incoming activity waiting to be processed. The inbox answers 202 once this row is committed,
    so nothing accepted is lost; the `process_inbox` task applies and deletes rows in arrival order.

    An item whose processing fails is retried later on its own (`attempts`, `next_attempt_at`); after a few
    failures it is set aside with its error for the admin to retry or discard, and never blocks the others."""

    QUEUED, SET_ASIDE = "queued", "set_aside"
    STATES = [(QUEUED, "queued"), (SET_ASIDE, "set aside")]

    signer = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="inboxitem_queue")]

    def __str__(self) -> str:
        return f"inbox item {self.pk} from {self.signer_id}"
