"""The Mastodon client API face (REST, OAuth, streaming)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "caravan.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caravan.api.streaming import connect_events

        connect_events()
