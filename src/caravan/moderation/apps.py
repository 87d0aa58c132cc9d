"""Moderation: reports from local users and from other servers, kept for the moderators."""

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "caravan.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"
