"""Reports about accounts (and some of their posts), filed by local users or arriving as Flag activities; the
moderators' work on them (assignment, notes, resolution); and moderation actions, each tied to the server's
rules and a reason written for the person it is about."""

from django.db import models

from caravan.ids import new_id

# The appeal period: how long after an action the person may appeal it (appeals.py), and how long a suspended
# local account's data is kept before it is deleted (retention.py).
APPEAL_DAYS = 20


class ReportCategory(models.TextChoices):
    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


class Report(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    reporter = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="reports_filed")
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="reports_about"
    )
    post_ids = models.JSONField(default=list)
    rule_ids = models.JSONField(default=list)
    category = models.CharField(max_length=20, choices=ReportCategory.choices, default=ReportCategory.OTHER)
    comment = models.TextField(blank=True, default="")
    forward = models.BooleanField(default=False)  # the reporter asked for a copy to go to the target's server
    uri = models.CharField(max_length=2000, blank=True, default="", db_index=True)  # a remote Flag's id
    action_taken = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The moderators' side: who handles it, and when it was closed and by whom (None while open).
    assigned_to = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["resolved_at", "-id"], name="report_queue")]

    def __str__(self) -> str:
        return f"Report {self.id} about {self.target_account_id}"


class ReportNote(models.Model):
    """A note between moderators about one report; the reporter and the reported never see it."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class CitedPostsReading(models.Model):
    """A moderator opened a report's cited posts, which they may read whatever their visibility: each time
    is recorded, so that access stays accountable."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="readings")
    reader = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+")
    post_ids = models.JSONField(default=list)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class ActionKind(models.TextChoices):
    WARN = "warn"
    SENSITIVE = "sensitive"  # the account's media shown behind a warning
    DELETE_POSTS = "delete_posts"
    LIMIT = "limit"  # posts reach only followers and the people mentioned; new follows need approval
    SUSPEND = "suspend"  # the account unusable and hidden


class ModerationAction(models.Model):
    """One decision about one account: what was done, under which rules, and why, in words for the person.

    `posts` keeps what the cited posts said when the action was taken (id, date, visibility, HTML), so the
    person can be shown them even once they are deleted.
    """

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    target_account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="moderation_actions"
    )
    moderator = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    rules = models.ManyToManyField("instance.Rule", related_name="+")
    reason = models.TextField()
    post_ids = models.JSONField(default=list)
    posts = models.JSONField(default=list)
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["target_account", "-id"], name="moderation_action_target")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.target_account_id}"


class AppealState(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"  # the action was lifted
    REJECTED = "rejected"


class Appeal(models.Model):
    """The person an action is about answers it (once per action, within the appeal period); moderators and the
    person then exchange `AppealMessage`s until a moderator other than the one who acted decides, with a reason
    written for the person."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    action = models.OneToOneField(ModerationAction, on_delete=models.CASCADE, related_name="appeal")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField()
    state = models.CharField(max_length=20, choices=AppealState.choices, default=AppealState.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="appeal_state")]

    def __str__(self) -> str:
        return f"Appeal {self.id} of action {self.action_id}"


class AppealMessage(models.Model):
    """One message in an appeal's conversation, from the person (`by_person`) or from a moderator."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL, related_name="+")
    by_person = models.BooleanField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
