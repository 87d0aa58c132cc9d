"""The Mastodon client API face (REST, OAuth, streaming)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "caravan.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caravan import events
        from caravan.api import http, services, status_cache
        from caravan.api.streaming import publishing

        # The status cache forgets a changed post before streaming publishes it (on_commit runs in this order),
        # so a connection never renders a stale cached copy.
        status_cache.connect_events()
        publishing.connect_events()
        events.listen("account.deleted", services.forget_deleted_account)
        events.listen("tokens.revoked", lambda checksums, **_: http.forget_checksums(checksums))
