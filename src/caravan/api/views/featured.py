"""Featured hashtags and endorsed accounts (Mastodon's /api/v1/featured_tags, /endorsements, pin / unpin)."""

from django.http import Http404, HttpRequest

from caravan.accounts.models import Account
from caravan.api import entities
from caravan.api.http import account_or_404, api, paginated, params, parse_id
from caravan.pagination import Page
from caravan.posts import featured
from caravan.posts.models import FeaturedTag, FollowedTag, Tag
from caravan.posts.rendering import normalize_tag
from caravan.social import selectors as social_selectors
from caravan.social import services as social


@api(scope="read:accounts")
def own_featured_tags(request: HttpRequest):
    return [entities.featured_tag(f) for f in featured.featured_tags(request.viewer)]


@api(scope="write:accounts")
def feature_tag(request: HttpRequest):
    created = featured.feature_tag(request.viewer, params(request).str("name") or "")
    shown = {f.id: f for f in featured.featured_tags(request.viewer)}
    return entities.featured_tag(shown[created.id])


@api(scope="write:accounts")
def unfeature_tag(request: HttpRequest, object_id: str):
    featured.unfeature_tag(request.viewer, parse_id(object_id))
    return {}


@api(scope="read:accounts")
def suggestions(request: HttpRequest):
    return [entities.tag(t) for t in featured.suggested_tags(request.viewer)]


@api(auth="optional", scope="read:accounts")
def account_featured_tags(request: HttpRequest, account_id: str):
    return [entities.featured_tag(f) for f in featured.featured_tags(account_or_404(account_id))]


def _endorsements(request: HttpRequest, account: Account):
    rows = social_selectors.endorsed_by(
        account, Page.from_params(params(request), default_limit=40), viewer=request.viewer
    )
    return paginated(
        request, [entities.account(row.target_account) for row in rows], [row.id for row in rows]
    )


@api(scope="read:accounts")
def own_endorsements(request: HttpRequest):
    return _endorsements(request, request.viewer)


@api(auth="optional", scope="read:accounts")
def account_endorsements(request: HttpRequest, account_id: str):
    return _endorsements(request, account_or_404(account_id))


def _relationship(viewer: Account, target: Account) -> dict:
    return entities.relationships(viewer, [target])[0]


@api(scope="write:accounts")
def pin(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    social.endorse(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:accounts")
def unpin(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    social.unendorse(request.viewer, target)
    return _relationship(request.viewer, target)


def _tag_entity(viewer: Account, name: str) -> dict:
    found = Tag.objects.filter(name=normalize_tag(name)).first()
    if found is None:
        raise Http404
    data = entities.tag(found, FollowedTag.objects.filter(account=viewer, tag=found).exists())
    data["featuring"] = FeaturedTag.objects.filter(account=viewer, tag=found).exists()
    return data


@api(scope="write:accounts")
def feature_named_tag(request: HttpRequest, name: str):
    """Mastodon 4.4's `POST /api/v1/tags/:name/feature`: the same as creating a featured tag; again is the same."""
    if not FeaturedTag.objects.filter(account=request.viewer, tag__name=normalize_tag(name)).exists():
        featured.feature_tag(request.viewer, name)
    return _tag_entity(request.viewer, name)


@api(scope="write:accounts")
def unfeature_named_tag(request: HttpRequest, name: str):
    featured.unfeature_tag_named(request.viewer, name)
    return _tag_entity(request.viewer, name)
