"""The HTML face: server-rendered pages in English and Arabic."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "caravan.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"
