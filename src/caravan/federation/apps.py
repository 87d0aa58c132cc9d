"""The ActivityPub face: WebFinger, NodeInfo, actors, inboxes, signed delivery."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "caravan.federation"
    label = "federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Domain events become deliveries, recorded in the transaction of the change.
        from caravan.federation import delivery
        from caravan.federation.actors import resolve_mention
        from caravan.posts.services import set_remote_mention_resolver

        delivery.connect()
        set_remote_mention_resolver(resolve_mention)
