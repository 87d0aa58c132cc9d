"""Web Push notifications for the client API's subscriptions (Mastodon's /api/v1/push/subscription)."""

from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "caravan.push"
    label = "push"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caravan.push import services

        services.connect_events()
