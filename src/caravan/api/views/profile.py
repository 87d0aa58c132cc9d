"""One's own profile: Mastodon 4.5's `/api/v1/profile` (the editable values as typed), taking the avatar or header
away, and `/oauth/userinfo` (OpenID Connect claims for apps that only sign people in; scope `profile`)."""

from django.conf import settings
from django.http import HttpRequest

from caravan import profiles
from caravan.accounts.models import Account
from caravan.api import entities
from caravan.api.http import api, params
from caravan.api.views.accounts import change_profile, own_account


def _profile(a: Account) -> dict:
    """Mastodon's Profile: the values as their owner typed them, to edit."""
    shown = entities.account(a)
    return {
        "id": str(a.id),
        "display_name": a.display_name,
        "note": a.note,
        "fields": [{"name": f.get("name", ""), "value": f.get("value", "")} for f in a.fields or []],
        "avatar": shown["avatar"],
        "avatar_static": shown["avatar_static"],
        "avatar_description": "",
        "header": shown["header"],
        "header_static": shown["header_static"],
        "header_description": "",
        "locked": a.locked,
        "bot": a.bot,
        "discoverable": a.discoverable,
        "indexable": a.discoverable,
        "hide_collections": False,
        "show_media": True,
        "show_media_replies": True,
        "show_featured": True,
        "attribution_domains": [],
    }


@api(scope=("read:accounts", "profile"))
def get_profile(request: HttpRequest):
    return _profile(own_account(request))


@api(scope="write:accounts")
def update_profile(request: HttpRequest):
    """`PATCH /api/v1/profile`: the same changes as `update_credentials`."""
    change_profile(own_account(request), params(request))
    return _profile(own_account(request))


@api(scope="write:accounts")
def delete_avatar(request: HttpRequest):
    return entities.credential_account(profiles.remove_profile_image(own_account(request), "avatar"))


@api(scope="write:accounts")
def delete_header(request: HttpRequest):
    return entities.credential_account(profiles.remove_profile_image(own_account(request), "header"))


@api(scope="profile")
def userinfo(request: HttpRequest):
    """OpenID Connect claims about the signed-in person, as Mastodon 4.4 answers them."""
    a = own_account(request)
    shown = entities.account(a)
    return {
        "iss": f"{settings.BASE_URL}/",
        "sub": a.uri,
        "name": a.display_name or a.username,
        "preferred_username": a.username,
        "profile": a.url or f"{settings.BASE_URL}/@{a.username}",
        "picture": shown["avatar"],
    }
