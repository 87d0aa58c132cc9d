"""Home feeds (fan-out on write), lists and the timeline reads."""

from django.apps import AppConfig


class TimelinesConfig(AppConfig):
    name = "caravan.timelines"
    label = "timelines"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caravan import events
        from caravan.timelines import conversations

        events.listen("account.deleted", conversations.forget_deleted_account)
