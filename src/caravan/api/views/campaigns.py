"""Campaigns for apps, `/api/v1/caravan/campaigns` (docs/caravan-api/campaigns.md): the list, starting one,
one campaign with its counts, joining at a level, leaving, the counts and series, the starter list. Ids are
strings, lists page with a Link header, errors are `{"error": ...}`, as everywhere in the client API."""

from django.conf import settings
from django.http import Http404, HttpRequest

from caravan.accounts.models import Account
from caravan.api import entities
from caravan.api.http import api, paginated, params, parse_id
from caravan.campaigns import selectors, services
from caravan.campaigns.models import Campaign
from caravan.pagination import Page


def _campaign(request: HttpRequest, object_id: str) -> Campaign:
    campaign = selectors.find(parse_id(object_id), viewer=request.viewer)
    if campaign is None:
        raise Http404
    return campaign


def _counts(campaign: Campaign) -> dict:
    return selectors.by_level(campaign.counts())


def _entity(campaign: Campaign, viewer: Account | None, *, with_membership: bool = True) -> dict:
    data = {
        "id": str(campaign.id),
        "url": f"{settings.BASE_URL}{campaign.path}",
        "title": campaign.title,
        "description": campaign.description,
        "target": campaign.target,
        "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
        "status": campaign.status,
        "created_at": entities.iso(campaign.created_at),
        "target_met_at": entities.iso(campaign.target_met_at),
        "owner": {"id": str(campaign.owner_id), "acct": campaign.owner.acct},
        "headline_count": campaign.headline,
        "counts": _counts(campaign),
        "join_url": f"{settings.BASE_URL}{campaign.path}/join",
    }
    if with_membership:
        membership = selectors.membership(campaign, viewer)
        data["membership"] = (
            {
                "level": membership.level,
                "verified": membership.verified,
                "joined_at": entities.iso(membership.joined_at),
            }
            if membership
            else None
        )
    return data


@api(auth="optional", scope="read:accounts")
def index(request: HttpRequest):
    page = Page.from_params(request.GET, default_limit=20, max_limit=40)
    found = selectors.campaigns(page)
    return paginated(request, [_entity(c, None, with_membership=False) for c in found], [c.id for c in found])


@api(scope="write:accounts")
def create(request: HttpRequest):
    p = params(request)
    campaign = services.start_campaign(
        request.viewer,
        title=p.str("title") or "",
        description=p.str("description") or "",
        target=p.str("target") or "",
        deadline=p.str("deadline"),
    )
    return _entity(campaign, request.viewer)


@api(auth="optional", scope="read:accounts")
def get(request: HttpRequest, object_id: str):
    campaign = _campaign(request, object_id)
    services.settle_verifications(campaign)
    return _entity(campaign, request.viewer)


@api(auth="optional", scope="read:accounts")
def counts(request: HttpRequest, object_id: str):
    """The members' counts per level and the per-day series (what the web page's chart draws)."""
    campaign = _campaign(request, object_id)
    services.settle_verifications(campaign)
    return {
        "headline_count": campaign.headline,
        "counts": _counts(campaign),
        "series": selectors.series_data(campaign),
    }


@api(scope="write:accounts")
def join(request: HttpRequest, object_id: str):
    campaign = _campaign(request, object_id)
    services.join(campaign, request.viewer, params(request).str("level") or "will_move")
    return _entity(campaign, request.viewer)


@api(scope="write:accounts")
def leave(request: HttpRequest, object_id: str):
    campaign = _campaign(request, object_id)
    services.leave(campaign, request.viewer)
    return _entity(campaign, request.viewer)


@api(auth="optional", scope="read:accounts")
def starters(request: HttpRequest, object_id: str):
    """The starters who accepted being listed, as Mastodon Account entities."""
    campaign = _campaign(request, object_id)
    return [entities.account(a) for a in selectors.starters(campaign)]


@api(scope="write:accounts")
def add_starter(request: HttpRequest, object_id: str):
    campaign = _campaign(request, object_id)
    account = Account.objects.filter(pk=parse_id(params(request).str("account_id") or "")).first()
    if account is None:
        raise Http404
    services.add_starter(campaign, request.viewer, account)
    return {}


@api(scope="write:accounts")
def answer_starter(request: HttpRequest, object_id: str):
    campaign = _campaign(request, object_id)
    services.answer_starter(
        campaign, request.viewer, accept=params(request).bool("accept", True) is not False
    )
    return {}
