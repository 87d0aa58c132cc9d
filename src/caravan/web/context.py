"""Template context every page gets: the server's name, text direction, the viewer's account."""

from django.conf import settings
from django.utils import translation

from caravan.instance.services import get_instance_settings
from caravan.notifications.selectors import unread_count


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
        # Called only by templates that show it, so pages without the nav (and the API's) pay nothing.
        "unread_notifications": (lambda: unread_count(account)) if account is not None else 0,
        "limits": settings.CARAVAN,
    }
