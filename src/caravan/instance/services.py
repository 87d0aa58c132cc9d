"""Reading and changing the server's run-time settings."""

from django.conf import settings

from caravan.instance.models import InstanceSettings, RegistrationMode, Rule


def get_instance_settings() -> InstanceSettings:
    instance, _ = InstanceSettings.objects.get_or_create(pk=1)
    return instance


def set_registration_mode(mode: str) -> InstanceSettings:
    if mode not in RegistrationMode.values:
        raise ValueError(f"Unknown registration mode {mode!r}; choose one of {', '.join(RegistrationMode.values)}")
    instance = get_instance_settings()
    instance.registration_mode = mode
    instance.save(update_fields=["registration_mode", "updated_at"])
    return instance


def add_rule(text: str, hint: str = "") -> Rule:
    position = Rule.objects.count()
    return Rule.objects.create(text=text, hint=hint, position=position)


def limits() -> dict:
    return settings.CARAVAN
