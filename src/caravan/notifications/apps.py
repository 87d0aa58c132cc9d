"""Notifications for local users."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "caravan.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
