"""Reports about accounts (and some of their posts): filed by local users or arriving as Flag activities."""

from django.db import models

from caravan.ids import new_id


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

    def __str__(self) -> str:
        return f"Report {self.id} about {self.target_account_id}"
