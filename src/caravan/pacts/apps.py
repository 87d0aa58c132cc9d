"""Pacts: conditional commitments between people moving together."""

from django.apps import AppConfig


class PactsConfig(AppConfig):
    name = "caravan.pacts"
    label = "pacts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A deleted or suspended account stops counting in the open pacts of this server: leaving and moderation
        # announce these changes as domain events.
        from caravan import events
        from caravan.pacts import services

        events.listen("account.deleted", services.account_gone)
        events.listen("account.moderated", services.account_gone)
