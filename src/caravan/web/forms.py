"""The web forms: they only parse and shape input. Every rule about what is allowed lives in the domain
services, whose DomainErrors are attached to the field they name.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from caravan.errors import DomainError, each_error
from caravan.posts.models import Visibility

VISIBILITY_CHOICES = [
    (Visibility.PUBLIC, _("Public")),
    (Visibility.UNLISTED, _("Unlisted")),
    (Visibility.PRIVATE, _("Followers only")),
    (Visibility.DIRECT, _("Mentioned people only")),
]
QUOTE_POLICY_CHOICES = [
    ("public", _("Anyone")),
    ("followers", _("Your followers")),
    ("nobody", _("Just you")),
]
LANGUAGE_CHOICES = [("", _("Not set")), ("en", "English"), ("ar", "العربية")]
POLL_DURATIONS = [
    (300, _("5 minutes")),
    (1800, _("30 minutes")),
    (3600, _("1 hour")),
    (21600, _("6 hours")),
    (86400, _("1 day")),
    (259200, _("3 days")),
    (604800, _("7 days")),
]
MEDIA_SLOTS = range(1, 5)
POLL_SLOTS = range(1, 5)
FIELD_SLOTS = range(1, settings.CARAVAN["MAX_PROFILE_FIELDS"] + 1)


class DomainForm(forms.Form):
    """A form that can show a domain service's error next to the field it concerns."""

    field_aliases: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        """Each message, in the page's language, on the field it names (or on the whole form): a DomainErrors
        puts all of its errors on the page at once."""
        for each in each_error(error):
            name = self.field_aliases.get(each.field, each.field)
            self.add_error(name if name in self.fields else None, each.message)


class SignUpForm(DomainForm):
    username = forms.CharField(required=False, max_length=100)
    password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)
    email = forms.CharField(required=False, max_length=254)
    agreement = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    invite_code = forms.CharField(required=False, max_length=64)


class SignInForm(forms.Form):
    username = forms.CharField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=256)


class SetPasswordForm(DomainForm):
    new_password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)
    new_password2 = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)


class ChangePasswordForm(SetPasswordForm):
    current_password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)


class ChangeEmailForm(DomainForm):
    email = forms.CharField(required=False, max_length=254)
    password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)


class TwoFactorForm(DomainForm):
    code = forms.CharField(required=False, max_length=64)
    password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)


class ComposeForm(DomainForm):
    """Text, content warning, visibility, language, up to four images with descriptions, or a poll."""

    field_aliases = {
        "status": "text",
        "media_ids": "media_1",
        "file": "media_1",
        "description": "media_1",
        "in_reply_to_id": "in_reply_to",
        "poll": "poll_option_1",
        "quoted_status_id": "text",
        "quote_approval_policy": "quote_policy",
    }

    text = forms.CharField(required=False, widget=forms.Textarea, strip=False, max_length=200_000)
    spoiler_text = forms.CharField(required=False, max_length=1000)
    sensitive = forms.BooleanField(required=False)
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES, required=False)
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    in_reply_to = forms.IntegerField(
        required=False, min_value=1, max_value=(1 << 63) - 1, widget=forms.HiddenInput
    )
    quote = forms.IntegerField(required=False, min_value=1, max_value=(1 << 63) - 1, widget=forms.HiddenInput)
    quote_policy = forms.ChoiceField(choices=QUOTE_POLICY_CHOICES, required=False)
    poll_multiple = forms.BooleanField(required=False)
    scheduled_at = forms.CharField(required=False, max_length=64)  # checked by publishing.scheduling
    poll_expires_in = forms.TypedChoiceField(
        choices=POLL_DURATIONS, coerce=int, required=False, initial=86400
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for slot in MEDIA_SLOTS:
            self.fields[f"media_{slot}"] = forms.FileField(required=False)
            self.fields[f"description_{slot}"] = forms.CharField(required=False, max_length=1500)
        for slot in POLL_SLOTS:
            self.fields[f"poll_option_{slot}"] = forms.CharField(required=False, max_length=200)

    def uploads(self) -> list[tuple[object, str]]:
        return [
            (self.cleaned_data[f"media_{slot}"], self.cleaned_data[f"description_{slot}"])
            for slot in MEDIA_SLOTS
            if self.cleaned_data.get(f"media_{slot}")
        ]

    def poll_options(self) -> list[str]:
        return [
            self.cleaned_data[f"poll_option_{slot}"]
            for slot in POLL_SLOTS
            if self.cleaned_data.get(f"poll_option_{slot}", "").strip()
        ]

    def media_slots(self) -> list[tuple]:
        return [(self[f"media_{slot}"], self[f"description_{slot}"]) for slot in MEDIA_SLOTS]

    def poll_slots(self) -> list:
        return [self[f"poll_option_{slot}"] for slot in POLL_SLOTS]


class EditForm(DomainForm):
    field_aliases = {"status": "text"}

    text = forms.CharField(required=False, widget=forms.Textarea, strip=False, max_length=200_000)
    spoiler_text = forms.CharField(required=False, max_length=1000)
    sensitive = forms.BooleanField(required=False)
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class ProfileForm(DomainForm):
    field_aliases = {"note": "note", "file": "avatar"}

    display_name = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, widget=forms.Textarea, max_length=5000)
    avatar = forms.FileField(required=False)
    header = forms.FileField(required=False)
    locked = forms.BooleanField(required=False)
    discoverable = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for slot in FIELD_SLOTS:
            self.fields[f"field_name_{slot}"] = forms.CharField(required=False, max_length=1000)
            self.fields[f"field_value_{slot}"] = forms.CharField(required=False, max_length=1000)

    def profile_fields(self) -> list[dict]:
        return [
            {
                "name": self.cleaned_data[f"field_name_{slot}"],
                "value": self.cleaned_data[f"field_value_{slot}"],
            }
            for slot in FIELD_SLOTS
        ]

    def field_slots(self) -> list[tuple]:
        return [(self[f"field_name_{slot}"], self[f"field_value_{slot}"]) for slot in FIELD_SLOTS]


class PreferencesForm(DomainForm):
    locale = forms.ChoiceField(
        choices=[("", _("Same as my browser")), ("en", "English"), ("ar", "العربية")], required=False
    )
    default_visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES)
    default_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    digits = forms.ChoiceField(
        choices=[("western", _("Western (0123456789)")), ("eastern", _("Eastern Arabic (٠١٢٣٤٥٦٧٨٩)"))],
        required=False,
    )
    hijri_dates = forms.BooleanField(required=False)
    time_zone = forms.CharField(required=False, max_length=64)


class DeleteAccountForm(DomainForm):
    password = forms.CharField(required=False, widget=forms.PasswordInput, max_length=256)
