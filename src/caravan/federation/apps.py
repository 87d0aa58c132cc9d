"""The ActivityPub face: WebFinger, NodeInfo, actors, inboxes, signed delivery."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "caravan.federation"
    label = "federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Domain events become deliveries, recorded in the transaction of the change.
        from caravan import lookup
        from caravan.federation import campaigns as campaign_actors
        from caravan.federation import delivery, quotes
        from caravan.federation import directory as x_directory
        from caravan.federation.actors import resolve_actor, resolve_mention
        from caravan.federation.applying import resolve_url

        delivery.connect()
        x_directory.connect()  # the X-id directory: withdrawals delivered, other servers' directories asked
        campaign_actors.connect()  # a person's level in another server's campaign is reported to it
        quotes.connect()  # QuoteRequests for local quotes of remote posts, revocations as stamp Deletes
        # Unknown @user@domain handles (in posts, imports, moves, search) are looked up through WebFinger, and
        # pasted links are fetched from their origin.
        lookup.install(resolve_mention, resolve_url, lambda account: resolve_actor(account.uri, refresh=True))
        # Link preview cards are fetched under the same address rule as federation.
        from caravan.federation import link_fetching
        from caravan.previews import services as previews

        previews.install_fetcher(link_fetching.fetch)
