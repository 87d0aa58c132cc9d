"""The server itself: its settings, rules and invites."""

from django.apps import AppConfig


class InstanceConfig(AppConfig):
    name = "caravan.instance"
    label = "instance"
    default_auto_field = "django.db.models.BigAutoField"
