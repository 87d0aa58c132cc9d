"""What only the Mastodon client API keeps: app details beside django-oauth-toolkit's Application, v2 filters,
reports (until a moderation app owns them), direct-conversation read state and Idempotency-Key replays.
"""

from django.db import models

from caravan.ids import new_id


class AppProfile(models.Model):
    """The Mastodon-only parts of a registered app: its website and the scopes it asked for."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="profile"
    )
    website = models.CharField(max_length=2000, blank=True, default="")
    scopes = models.CharField(max_length=2000, default="read")

    def __str__(self) -> str:
        return f"App {self.application_id}"


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
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self) -> str:
        return self.title


class FilterKeyword(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=200)
    whole_word = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.keyword


class FilterStatus(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    filter = models.ForeignKey(Filter, on_delete=models.CASCADE, related_name="statuses")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint("filter", "post", name="filter_status_unique")]

    def __str__(self) -> str:
        return f"Post {self.post_id} in filter {self.filter_id}"


class ConversationState(models.Model):
    """A viewer's read mark on a direct conversation (a thread of direct posts), or that they removed it."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    thread_root_id = models.BigIntegerField()
    last_read_id = models.BigIntegerField(default=0)
    hidden_until_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint("account", "thread_root_id", name="conversation_state_unique")]

    def __str__(self) -> str:
        return f"Conversation {self.thread_root_id} of {self.account_id}"


class IdempotentPost(models.Model):
    """A post made with an Idempotency-Key: the same key within an hour returns the same post."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "key", name="idempotent_post_unique")]

    def __str__(self) -> str:
        return self.key
