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
        from caravan.moving.services import set_account_resolver, set_webfinger_resolver
        from caravan.posts.services import set_remote_mention_resolver

        delivery.connect()
        # Unknown @user@domain handles (in posts, imports and moves) are looked up through WebFinger.
        set_remote_mention_resolver(resolve_mention)
        set_account_resolver(resolve_mention)
        set_webfinger_resolver(resolve_mention)
