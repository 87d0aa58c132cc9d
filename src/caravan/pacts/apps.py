"""Pacts: conditional commitments between people moving together."""

from django.apps import AppConfig


class PactsConfig(AppConfig):
    name = "caravan.pacts"
    label = "pacts"
    default_auto_field = "django.db.models.BigAutoField"
