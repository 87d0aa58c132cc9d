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
    # Held back by the recipient's NotificationPolicy: kept out of the list (and never pushed or streamed) until
    # the recipient accepts the sender's NotificationRequest. See docs/decisions/0035.
    filtered = models.BooleanField(default=False)
    # Mastodon's grouping key, set when made: "favourite-<post>-<bucket>", "reblog-<post>-<bucket>",
    # "follow-<bucket>" (a bucket is 12 hours); empty for the types that stand alone ("ungrouped-<id>").
    group_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient_id"),
            models.Index(fields=["recipient", "group_key", "-id"], name="notification_group"),
        ]


class PolicyChoice(models.TextChoices):
    ACCEPT = "accept"
    FILTER = "filter"
    DROP = "drop"


class NotificationPolicy(models.Model):
    """What a local account does with notifications from people it may not want to hear from (Mastodon 4.3):
    each kind of sender is accepted, filtered (held in a NotificationRequest) or dropped (never made). An
    account without a row has Mastodon's defaults."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="+")
    for_not_following = models.CharField(max_length=8, choices=PolicyChoice.choices, default="accept")
    for_not_followers = models.CharField(max_length=8, choices=PolicyChoice.choices, default="accept")
    for_new_accounts = models.CharField(max_length=8, choices=PolicyChoice.choices, default="accept")
    for_private_mentions = models.CharField(max_length=8, choices=PolicyChoice.choices, default="filter")
    for_limited_accounts = models.CharField(max_length=8, choices=PolicyChoice.choices, default="filter")

    FIELDS = (
        "for_not_following",
        "for_not_followers",
        "for_new_accounts",
        "for_private_mentions",
        "for_limited_accounts",
    )


class NotificationRequest(models.Model):
    """The notifications one sender's doings made for a recipient while its policy filtered them: one row per
    (recipient, sender), counting them and naming the latest post, until the recipient accepts or dismisses."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    recipient = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    from_account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    last_post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notifications_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("recipient", "from_account", name="notification_request_unique")
        ]
        indexes = [models.Index(fields=["recipient", "-id"], name="notification_request_recipient")]


class NotificationPermission(models.Model):
    """The recipient accepted this sender's request: its notifications pass the policy from now on."""

    recipient = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    from_account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("recipient", "from_account", name="notification_permission_unique")
        ]


class Marker(models.Model):
    """Where a user stopped reading a timeline (home, notifications)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="markers")
    timeline = models.CharField(max_length=32)
    last_read_id = models.BigIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "timeline", name="marker_unique")]
