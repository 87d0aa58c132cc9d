"""Follow requests, blocks, mutes, domain blocks, followed hashtags and reports (suggestions: `discovery.py`)."""

from django.http import Http404, HttpRequest

from caravan import relationships
from caravan.api import entities
from caravan.api.http import account_or_404, api, paginated, params
from caravan.moderation import services as moderation
from caravan.pagination import Page, paginate
from caravan.posts.models import FollowedTag, Tag
from caravan.posts.rendering import normalize_tag
from caravan.social import services as social
from caravan.social.models import Block, DomainBlock, FollowRequest, Mute
from caravan.timelines import services as feeds


def _accounts_page(request: HttpRequest, queryset, attribute: str):
    rows = paginate(queryset.select_related(attribute), Page.from_params(params(request), default_limit=40))
    return paginated(
        request, [entities.account(getattr(row, attribute)) for row in rows], [row.id for row in rows]
    )


@api(scope="read:follows")
def follow_requests(request: HttpRequest):
    return _accounts_page(request, FollowRequest.objects.filter(target_account=request.viewer), "account")


@api(scope="write:follows")
def authorize_request(request: HttpRequest, account_id: str):
    requester = account_or_404(account_id)
    relationships.accept_follow_request(request.viewer, requester)
    return entities.relationships(request.viewer, [requester])[0]


@api(scope="write:follows")
def reject_request(request: HttpRequest, account_id: str):
    requester = account_or_404(account_id)
    relationships.reject_follow_request(request.viewer, requester)
    return entities.relationships(request.viewer, [requester])[0]


@api(scope="read:blocks")
def blocks(request: HttpRequest):
    return _accounts_page(request, Block.objects.filter(account=request.viewer), "target_account")


@api(scope="read:mutes")
def mutes(request: HttpRequest):
    return _accounts_page(request, Mute.objects.filter(account=request.viewer), "target_account")


@api(scope="read:blocks")
def domain_blocks(request: HttpRequest):
    rows = paginate(
        DomainBlock.objects.filter(account=request.viewer), Page.from_params(params(request), 100)
    )
    return paginated(request, [row.domain for row in rows], [row.id for row in rows])


@api(scope="write:blocks")
def block_domain(request: HttpRequest):
    social.block_domain(request.viewer, params(request).str("domain") or "")
    return {}


@api(scope="write:blocks")
def unblock_domain(request: HttpRequest):
    social.unblock_domain(request.viewer, params(request).str("domain") or "")
    return {}


@api(scope="read:follows")
def followed_tags(request: HttpRequest):
    rows = paginate(
        FollowedTag.objects.filter(account=request.viewer).select_related("tag"),
        Page.from_params(params(request), default_limit=100),
    )
    return paginated(request, [entities.tag(row.tag, True) for row in rows], [row.id for row in rows])


def _tag_entity(viewer, name: str) -> dict:
    found = Tag.objects.filter(name=normalize_tag(name)).first()
    if found is None:
        raise Http404
    following = FollowedTag.objects.filter(account=viewer, tag=found).exists() if viewer else None
    return entities.tag(found, following)


@api(auth="optional", scope="read:follows")
def get_tag(request: HttpRequest, name: str):
    return _tag_entity(request.viewer, name)


@api(scope="write:follows")
def follow_tag(request: HttpRequest, name: str):
    feeds.follow_tag(request.viewer, name)
    return _tag_entity(request.viewer, name)


@api(scope="write:follows")
def unfollow_tag(request: HttpRequest, name: str):
    found = Tag.objects.filter(name=normalize_tag(name)).first()
    if found is None:
        raise Http404
    feeds.unfollow_tag(request.viewer, found)
    return _tag_entity(request.viewer, name)


@api(scope="write:reports")
def report(request: HttpRequest):
    p = params(request)
    target = account_or_404(p.str("account_id") or "")
    post_ids, rule_ids = p.ids("status_ids"), p.ids("rule_ids")
    created = moderation.create_report(
        request.viewer,
        target,
        post_ids=post_ids,
        rule_ids=rule_ids,
        comment=p.str("comment") or "",
        category=p.str("category") or ("violation" if rule_ids else "other"),
        forward=bool(p.bool("forward", False)),
    )
    return entities.report(created, target)
