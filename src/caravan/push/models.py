"""Web Push subscriptions: one per access token, as Mastodon keeps them."""

from django.db import models

from caravan.ids import new_id

# Every Mastodon notification type a subscription can ask to be told of (data[alerts][...]).
ALERT_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "quote",
    "quoted_update",
)


class Policy(models.TextChoices):
    ALL = "all"
    FOLLOWED = "followed"  # only from accounts the subscriber follows
    FOLLOWER = "follower"  # only from accounts that follow the subscriber
    NONE = "none"


class PushSubscription(models.Model):
    """Where to push an app's notifications: the browser's (or app's) push endpoint and its keys (RFC 8291),
    which alerts it wants, from whom. It belongs to one access token and goes with it (revoked, the account
    deleted); a suspended or disabled account's subscriptions are deleted too."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken", on_delete=models.CASCADE, related_name="push_subscription"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=2048)
    key_p256dh = models.CharField(max_length=128)  # the subscriber's P-256 public key, base64url
    key_auth = models.CharField(max_length=64)  # the 16-byte auth secret, base64url
    standard = models.BooleanField(default=False)  # RFC 8291 aes128gcm; else the older "aesgcm" draft
    alerts = models.JSONField(default=dict)
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.ALL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["account"], name="push_subscription_account")]

    def __str__(self) -> str:
        return f"Push subscription {self.id}"

    def wants(self, notification_type: str) -> bool:
        return bool(self.alerts.get(notification_type)) and self.policy != Policy.NONE
