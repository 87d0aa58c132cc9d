"""Messages of Django's own that a person can read here (password rules, form fields) and that Django's
Arabic catalogue lacks: Django 5.2 changed their wording and its translators have not caught up yet.

Nothing imports this module. It marks the exact msgids Django uses, so `makemessages` puts them in Caravan's
catalogue, which Django reads before its own (LOCALE_PATHS): those messages then read in Arabic too.
`tests/web/test_untranslated_sources.py` checks that each is still Django's wording.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

# django/contrib/auth/password_validation.py MinimumLengthValidator.get_error_message (sign-up, passwords).
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
# django/core/validators.py: a URL or domain field.
DOMAIN_INVALID = gettext_lazy("Enter a valid domain name.")
PROTOCOL_ADDRESS_INVALID = gettext_lazy("Enter a valid %(protocol)s address.")
