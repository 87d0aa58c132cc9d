"""Full-text search over posts, accounts and hashtags, Arabic-aware."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "caravan.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
