"""Accounts (local and remote actors) and the users who sign in."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "caravan.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
