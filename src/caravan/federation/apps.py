"""The ActivityPub face: WebFinger, NodeInfo, actors, inboxes, signed delivery."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "caravan.federation"
    label = "federation"
    default_auto_field = "django.db.models.BigAutoField"
