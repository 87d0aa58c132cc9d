"""Content filters: keywords and posts a person chose to be warned about or not to see, in chosen contexts."""

from django.apps import AppConfig


class FiltersConfig(AppConfig):
    name = "caravan.filters"
    label = "filters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from caravan import events
        from caravan.filters import services

        events.listen("account.deleted", services.forget_deleted_account)
