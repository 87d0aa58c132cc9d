"""Relationships between accounts: follows, follow requests, blocks and mutes."""

from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "caravan.social"
    label = "social"
    default_auto_field = "django.db.models.BigAutoField"
