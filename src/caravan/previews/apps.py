"""Link previews: the card of the first link of a post (OpenGraph, oEmbed or the page title), kept once per URL,
and the links many people share (trending links)."""

from django.apps import AppConfig


class PreviewsConfig(AppConfig):
    name = "caravan.previews"
    label = "previews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A new or edited post whose first link needs a card queues the fetch in the post's own transaction.
        from caravan import events
        from caravan.previews import services

        events.listen("post.created", services.post_changed)
        events.listen("post.updated", services.post_changed)
