"""The X-id directory: people who imported their X archive may choose to be found by their old X account."""

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "caravan.directory"
    label = "directory"
    default_auto_field = "django.db.models.BigAutoField"
