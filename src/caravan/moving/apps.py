"""Moving in and out: archive imports, CSV imports and exports, account migration."""

from django.apps import AppConfig


class MovingConfig(AppConfig):
    name = "caravan.moving"
    label = "moving"
    default_auto_field = "django.db.models.BigAutoField"
