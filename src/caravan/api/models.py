"""What only the Mastodon client API keeps: app details beside django-oauth-toolkit's Application and
Idempotency-Key replays. (Filters moved to `filters`, direct-conversation read state to `timelines`.)
"""

from django.db import models


class AppProfile(models.Model):
    """The Mastodon-only parts of a registered app: its website and the scopes it asked for."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="profile"
    )
    website = models.CharField(max_length=2000, blank=True, default="")
    scopes = models.CharField(max_length=2000, default="read")

    def __str__(self) -> str:
        return f"App {self.application_id}"


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
