"""Notifications delivered to local accounts."""

from django.db import models

from caravan.ids import new_id


class NotificationType(models.TextChoices):
    MENTION = "mention"
    STATUS = "status"
    REBLOG = "reblog"
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    FAVOURITE = "favourite"
    POLL = "poll"
    UPDATE = "update"
    ADMIN_SIGN_UP = "admin.sign_up"
    ADMIN_REPORT = "admin.report"
    QUOTE = "quote"  # someone quoted the recipient's post (Mastodon 4.5)
    QUOTED_UPDATE = "quoted_update"  # a post the recipient quoted was edited (Mastodon 4.5)
    MODERATION_WARNING = "moderation_warning"  # the moderators acted on the recipient's account
    # Not a Mastodon type (the API leaves it out): a moderator wrote in, or decided, the recipient's appeal.
    MODERATION_APPEAL = "moderation_appeal"
    # Not Mastodon types either: news of a pact (pacts app) or of a campaign (campaigns app) the recipient is in;
    # `subject_id` names the pact or campaign and `detail` says what happened (e.g. "met", "ended").
    PACT = "caravan.pact"
    CAMPAIGN = "caravan.campaign"


class Notification(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    recipient = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="notifications")
    from_account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=32, choices=NotificationType.choices)
    post = models.ForeignKey("posts.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The moderation.ModerationAction a moderation_warning is about. A plain id: moderation sits above
    # notifications, which never reach up to it; the faces that render the notice load the action.
    moderation_action_id = models.BigIntegerField(null=True, blank=True)
    # The pact or campaign a caravan.pact / caravan.campaign notification is about (a plain id, as above), and
    # what happened to it, in a word its app defines.
    subject_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-id"], name="notification_recipient_id")]


class Marker(models.Model):
    """Where a user stopped reading a timeline (home, notifications)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="markers")
    timeline = models.CharField(max_length=32)
    last_read_id = models.BigIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "timeline", name="marker_unique")]
