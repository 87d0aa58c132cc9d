"""What the server says about itself (instance v1 and v2, rules, peers, activity, its published texts), and the
endpoints Caravan answers with an honest empty list (custom emojis, announcements)."""

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone

from caravan import __version__
from caravan.accounts.models import Account, User
from caravan.api import entities
from caravan.api.http import api
from caravan.instance import texts, vapid
from caravan.instance.models import RegistrationMode, Rule
from caravan.instance.services import get_instance_settings
from caravan.media.services import ACCEPTED_FORMATS
from caravan.posts.featured import FEATURED_TAGS_LIMIT
from caravan.posts.models import Post

VERSION = f"4.3.0 (compatible; Caravan {__version__})"
SOURCE_URL = "https://github.com/caravan-social/caravan"


def _streaming_url() -> str:
    return settings.BASE_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def _configuration() -> dict:
    limits = settings.CARAVAN
    return {
        "urls": {
            "streaming": _streaming_url(),
            "status": None,
            "about": f"{settings.BASE_URL}/about",
            "privacy_policy": f"{settings.BASE_URL}/privacy-policy",
            "terms_of_service": f"{settings.BASE_URL}/terms"
            if get_instance_settings().terms_of_service
            else None,
        },
        "vapid": {"public_key": vapid.public_key()},
        "accounts": {"max_featured_tags": FEATURED_TAGS_LIMIT, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": limits["MAX_POST_CHARS"],
            "max_media_attachments": limits["MAX_MEDIA_PER_POST"],
            "characters_reserved_per_url": limits["CHARS_PER_URL"],
        },
        "media_attachments": {
            "supported_mime_types": sorted(ACCEPTED_FORMATS.values()),
            "description_limit": 1500,
            "image_size_limit": limits["MAX_IMAGE_BYTES"],
            "image_matrix_limit": limits["MAX_IMAGE_PIXELS"],
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": limits["MAX_POLL_OPTIONS"],
            "max_characters_per_option": limits["MAX_POLL_OPTION_CHARS"],
            "min_expiration": limits["MIN_POLL_EXPIRATION"],
            "max_expiration": limits["MAX_POLL_EXPIRATION"],
        },
        "translation": {"enabled": False},
    }


def _contact_account() -> Account | None:
    admin = (
        User.objects.filter(is_superuser=True, account__isnull=False).select_related("account").order_by("id")
    )
    first = admin.first()
    return first.account if first else None


def _rules() -> list[dict]:
    return [entities.rule(r) for r in Rule.objects.all()]


def _thumbnail() -> str:
    return f"{settings.BASE_URL}{entities.DEFAULT_HEADER}"


@api(auth="none")
def instance_v2(request: HttpRequest):
    instance = get_instance_settings()
    contact = _contact_account()
    month_ago = timezone.now() - timedelta(days=30)
    mode = instance.registration_mode
    return {
        "domain": settings.DOMAIN,
        "title": instance.title,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": instance.short_description or instance.description,
        "usage": {"users": {"active_month": User.objects.filter(last_login__gte=month_ago).count()}},
        "thumbnail": {"url": _thumbnail(), "blurhash": None, "versions": {}},
        "icon": [],
        "languages": [code for code, _ in settings.LANGUAGES],
        "configuration": _configuration(),
        "registrations": {
            "enabled": mode != RegistrationMode.CLOSED,
            "approval_required": mode == RegistrationMode.APPROVAL,
            "message": None,
            "url": None,
            "min_age": None,
            "reason_required": None,
        },
        "api_versions": {"mastodon": 2},
        "contact": {
            "email": instance.contact_email,
            "account": entities.account(contact) if contact else None,
        },
        "rules": _rules(),
    }


def _configuration_v1() -> dict:
    configuration = _configuration()
    del configuration["vapid"]  # Mastodon gives the key in v2 and in the application entity only
    return configuration


@api(auth="none")
def instance_v1(request: HttpRequest):
    instance = get_instance_settings()
    contact = _contact_account()
    mode = instance.registration_mode
    return {
        "uri": settings.DOMAIN,
        "title": instance.title,
        "short_description": instance.short_description,
        "description": instance.description or instance.short_description,
        "email": instance.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url()},
        "stats": {
            "user_count": User.objects.count(),
            "status_count": Post.objects.filter(local=True, reblog_of__isnull=True).count(),
            "domain_count": Account.objects.exclude(domain="").values("domain").distinct().count(),
        },
        "thumbnail": _thumbnail(),
        "languages": [code for code, _ in settings.LANGUAGES],
        "registrations": mode != RegistrationMode.CLOSED,
        "approval_required": mode == RegistrationMode.APPROVAL,
        "invites_enabled": mode == RegistrationMode.INVITE,
        "configuration": _configuration_v1(),
        "contact_account": entities.account(contact) if contact else None,
        "rules": _rules(),
    }


@api(auth="none")
def peers(request: HttpRequest):
    return list(
        Account.objects.exclude(domain="").values_list("domain", flat=True).distinct().order_by("domain")
    )


@api(auth="none")
def activity(request: HttpRequest):
    """Weekly statuses, logins and registrations for the last 12 weeks."""
    now = timezone.now()
    weeks = []
    for index in range(12):
        end = now - timedelta(weeks=index)
        start = end - timedelta(weeks=1)
        weeks.append(
            {
                "week": str(int(start.timestamp())),
                "statuses": str(
                    Post.objects.filter(local=True, created_at__gte=start, created_at__lt=end).count()
                ),
                "logins": str(User.objects.filter(last_login__gte=start, last_login__lt=end).count()),
                "registrations": str(
                    User.objects.filter(date_joined__gte=start, date_joined__lt=end).count()
                ),
            }
        )
    return weeks


@api(auth="none")
def rules(request: HttpRequest):
    return _rules()


@api(auth="none")
def extended_description(request: HttpRequest):
    published = texts.extended_description(get_instance_settings())
    return {"updated_at": entities.iso(published.updated_at), "content": published.html}


@api(auth="none")
def privacy_policy(request: HttpRequest):
    """The admin's privacy policy, or the short default one (Mastodon also ships a default)."""
    published = texts.privacy_policy(get_instance_settings())
    return {"updated_at": entities.iso(published.updated_at), "content": published.html}


def _terms(published: texts.PublishedText) -> dict:
    effective = published.effective_date
    return {
        "effective_date": effective.isoformat(),
        "effective": effective <= timezone.now().date(),
        "content": published.html,
        "succeeded_by": None,
    }


@api(auth="none")
def terms_of_service(request: HttpRequest, date: str | None = None):
    """The terms of service (one version is kept: `date` must be its effective date); 404 when none are set."""
    published = texts.terms_of_service(get_instance_settings())
    if published is None or (date is not None and date != published.effective_date.isoformat()):
        raise Http404
    return _terms(published)


@api(auth="none")
def empty(request: HttpRequest, *args, **kwargs):
    return []


@api(auth="none")
def empty_object(request: HttpRequest, *args, **kwargs):
    return {}


@api(auth="app", scope="write:accounts")
def resend_confirmation(request: HttpRequest):
    return {}  # addresses are not confirmed by email here


@api(scope="read:accounts")
def preferences(request: HttpRequest):
    user = request.api_user
    return {
        "posting:default:visibility": user.default_visibility,
        "posting:default:sensitive": user.default_sensitive,
        "posting:default:language": user.default_language or None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }


@api(auth="none")
def not_found(request: HttpRequest):
    raise Http404
