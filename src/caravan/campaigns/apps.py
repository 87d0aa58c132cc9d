"""Campaigns: moving together behind a target, with honest counts per level."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "caravan.campaigns"
    label = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A suspended or deleted account stops counting in every campaign it is in, and counts again when a
        # suspension is lifted: the moderation and leaving services announce these changes as domain events.
        from caravan import events
        from caravan.campaigns import services

        events.listen("account.moderated", services.account_moderated)
        events.listen("account.deleted", services.account_deleted)
