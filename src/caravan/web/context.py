"""Template context every page gets: the server's name, text direction, the viewer's account."""

from django.conf import settings
from django.utils import translation

from caravan.instance.services import get_instance_settings


def site(request) -> dict:
    language = translation.get_language() or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    account = user.account if user is not None and user.is_authenticated else None
    return {
        "instance": get_instance_settings(),
        "domain": settings.DOMAIN,
        "text_direction": "rtl" if translation.get_language_bidi() else "ltr",
        "language": language,
        "viewer": account,
        "limits": settings.CARAVAN,
    }
