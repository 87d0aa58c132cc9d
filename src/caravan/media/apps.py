"""Images attached to posts and profiles."""

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "caravan.media"
    label = "media"
    default_auto_field = "django.db.models.BigAutoField"
