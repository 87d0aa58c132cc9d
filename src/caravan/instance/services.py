"""Reading and changing the server's run-time settings."""

from datetime import date

from django.conf import settings
from django.utils import timezone

from caravan import error_codes
from caravan.errors import DomainError
from caravan.instance.models import InstanceSettings, RegistrationMode, Rule


def get_instance_settings() -> InstanceSettings:
    instance, _ = InstanceSettings.objects.get_or_create(pk=1)
    return instance


def set_registration_mode(mode: str) -> InstanceSettings:
    return update_instance_settings(registration_mode=mode)


def add_rule(text: str, hint: str = "") -> Rule:
    text = text.strip()
    if not text or len(text) > 500:
        raise DomainError(error_codes.RULE_LENGTH, field="text")
    position = Rule.objects.count()
    return Rule.objects.create(text=text, hint=hint, position=position)


def limits() -> dict:
    return settings.CARAVAN


def update_instance_settings(
    *,
    title: str | None = None,
    short_description: str | None = None,
    description: str | None = None,
    contact_email: str | None = None,
    registration_mode: str | None = None,
) -> InstanceSettings:
    """An admin changing the server's name, description, contact or registration mode."""
    instance = get_instance_settings()
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise DomainError(error_codes.SERVER_NAME_LENGTH, field="title")
        instance.title = title
    if short_description is not None:
        if len(short_description) > 500:
            raise DomainError(error_codes.SHORT_DESCRIPTION_TOO_LONG, field="short_description")
        instance.short_description = short_description.strip()
    if description is not None:
        instance.description = description.strip()
    if contact_email is not None:
        instance.contact_email = contact_email.strip()
    if registration_mode is not None:
        if registration_mode not in RegistrationMode.values:
            raise DomainError(error_codes.REGISTRATION_MODE_UNKNOWN, field="registration_mode")
        instance.registration_mode = registration_mode
    instance.save()
    return instance


PUBLISHED_TEXT_LIMIT = 100_000


def update_published_texts(
    *,
    privacy_policy: str | None = None,
    terms_of_service: str | None = None,
    terms_effective_date: str | None = None,
) -> InstanceSettings:
    """An admin changing the privacy policy or the terms of service (plain text). A text that changes gets
    its `updated_at`; empty terms mean the server publishes none (the API answers 404, as Mastodon's)."""
    instance = get_instance_settings()
    now = timezone.now()
    for text in (privacy_policy, terms_of_service):
        if text is not None and len(text) > PUBLISHED_TEXT_LIMIT:
            raise DomainError(error_codes.PUBLISHED_TEXT_TOO_LONG, limit=PUBLISHED_TEXT_LIMIT)
    if privacy_policy is not None and privacy_policy.strip() != instance.privacy_policy:
        instance.privacy_policy = privacy_policy.strip()
        instance.privacy_policy_updated_at = now
    if terms_of_service is not None and terms_of_service.strip() != instance.terms_of_service:
        instance.terms_of_service = terms_of_service.strip()
        instance.terms_updated_at = now
    if terms_effective_date is not None:
        written = terms_effective_date.strip()
        try:
            effective = date.fromisoformat(written) if written else None
        except ValueError:
            raise DomainError(error_codes.TERMS_DATE_INVALID, field="terms_effective_date") from None
        instance.terms_effective_date = effective
    if instance.terms_of_service and instance.terms_effective_date is None:
        instance.terms_effective_date = now.date()
    instance.save()
    return instance


def remove_rule(rule_id: int) -> None:
    Rule.objects.filter(pk=rule_id).delete()


def create_invite(created_by, *, max_uses: int | None = None, expires_in_days: int | None = None):
    """An invite link for invite-only registration."""
    from datetime import timedelta

    from django.utils import timezone

    from caravan.instance.models import Invite

    if max_uses is not None and max_uses < 1:
        raise DomainError(error_codes.INVITE_USES_TOO_FEW, field="max_uses")
    if expires_in_days is not None and expires_in_days < 1:
        raise DomainError(error_codes.INVITE_TOO_SHORT, field="expires_in_days")
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return Invite.objects.create(created_by=created_by, max_uses=max_uses, expires_at=expires_at)
