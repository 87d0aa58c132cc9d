"""A person's v2 filters (Mastodon's model): keywords or posts warned about or hidden in chosen contexts.

The tables kept the names they had when the client API owned these models (`api_filter`...), so moving the
models here moved no data.
"""

from django.db import models

from caravan.ids import new_id


class Filter(models.Model):
    """A v2 filter: keywords or statuses that are warned about or hidden in the chosen contexts."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    context = models.JSONField(default=list)  # home | notifications | public | thread | account
    filter_action = models.CharField(max_length=10, default="warn")  # warn | hide | blur
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "api_filter"
        indexes = [models.Index(fields=["account", "id"], name="api_filter_account_1b99d7_idx")]

    def __str__(self) -> str:
        return self.title


class FilterKeyword(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=200)
    whole_word = models.BooleanField(default=True)

    class Meta:
        db_table = "api_filterkeyword"

    def __str__(self) -> str:
        return self.keyword


class FilterStatus(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="statuses")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "api_filterstatus"
        constraints = [models.UniqueConstraint("filter", "post", name="filter_status_unique")]

    def __str__(self) -> str:
        return f"Post {self.post_id} in filter {self.filter_id}"
