"""Campaigns over ActivityPub. A campaign here is a Group actor (its own local account and keys, made by
`campaigns.services`): an account of another server that follows it joins at "will move", marked remote, and
its Undo leaves; the campaign answers with Accept. A person on another Caravan server reports their level with a
signed `Join` (`caravan:level` will_move | moved | left) to the campaign actor, changes it with another `Join`,
and withdraws with `Leave`. Only the signer speaks for itself (the inbox checks actor == signer), so a server
can count only its own real accounts, each once (one membership per account); remote accounts are unverified
until this server has known them for the minimum age, and each is rate-limited like a local one.
"""

import orjson
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from caravan import events
from caravan.accounts.models import Account
from caravan.campaigns import selectors, services
from caravan.campaigns.models import LEVELS, Campaign, Starter
from caravan.errors import DomainError
from caravan.federation import documents
from caravan.federation.actors import is_local_uri
from caravan.federation.delivery import record, send_accept, send_reject
from caravan.federation.reading import id_of
from caravan.ids import new_id
from caravan.negotiation import wants_activity_json

LEVEL = "caravan:level"


def _campaign_actor(uri: str) -> Account | None:
    if not uri or not is_local_uri(uri):
        return None
    return Account.objects.filter(uri=uri, domain="", group=True).first()


def follow(activity: dict, signer: Account, target: Account) -> str | None:
    """A Follow of a local account: None unless it is a campaign's actor; else the follower joins (at "will
    move", unless already in at some level) and is sent Accept, or Reject when it may not join."""
    campaign = services.campaign_of_actor(target)
    if campaign is None:
        return None
    try:
        if selectors.membership(campaign, signer) is None:
            services.join(campaign, signer, "will_move")
    except DomainError:
        send_reject(target, signer, activity)
        return "rejected"
    send_accept(target, signer, activity)
    return "joined the campaign"


def undo_follow(follow_object: object, signer: Account) -> bool:
    """An Undo of a Follow of a campaign's actor: the follower leaves. False when it names no campaign."""
    if not isinstance(follow_object, dict):
        return False
    actor = _campaign_actor(id_of(follow_object.get("object")))
    campaign = services.campaign_of_actor(actor) if actor else None
    if campaign is None:
        return False
    if selectors.membership(campaign, signer) is not None:
        services.leave(campaign, signer, throttle=False)  # leaving is never held back
    return True


def forget_member(account: Account) -> None:
    """A remote account its server deleted stops counting in every campaign here."""
    services.set_counting(account, False)


def handle_join(activity: dict, signer: Account) -> str:
    actor = _campaign_actor(id_of(activity.get("object")))
    campaign = services.campaign_of_actor(actor) if actor else None
    if campaign is None:
        return "ignored"
    level = activity.get(LEVEL, "will_move")
    if not isinstance(level, str) or level not in LEVELS:
        level = "will_move"
    services.join(campaign, signer, level)
    return "joined the campaign"


def handle_leave(activity: dict, signer: Account) -> str:
    actor = _campaign_actor(id_of(activity.get("object")))
    campaign = services.campaign_of_actor(actor) if actor else None
    if campaign is None or selectors.membership(campaign, signer) is None:
        return "ignored"
    services.leave(campaign, signer, throttle=False)
    return "left the campaign"


def commitment_activity(account: Account, campaign_actor: Account, level: str | None) -> dict:
    activity = {
        "id": f"{account.uri}#campaigns/{campaign_actor.id}/{new_id()}",
        "type": "Join" if level else "Leave",
        "actor": account.uri,
        "object": campaign_actor.uri,
        "to": [campaign_actor.uri],
    }
    if level:
        activity[LEVEL] = level
    return documents.with_context(activity)


def on_remote_commitment(account: Account, campaign_actor: Account, level: str | None, **_: object) -> None:
    """A local person's level in another server's campaign goes to that campaign, signed by the person."""
    record(
        account,
        commitment_activity(account, campaign_actor, level),
        {campaign_actor.inbox_url or campaign_actor.shared_inbox_url},
    )


def connect() -> None:
    events.listen("campaign.remote_commitment", on_remote_commitment)


# The starter list as a FEP-7aa9 FeaturedCollection (Mastodon 4.6's Collections; decision 0029)

FEP_7AA9 = "https://w3id.org/fep/7aa9"
STARTER_LIST_TYPE = "FeaturedCollection"


def _starter_list_uri(campaign: Campaign) -> str:
    return f"{settings.BASE_URL}{campaign.path}/starter_list"


def _authorization_uri(campaign: Campaign, account: Account) -> str:
    return f"{_starter_list_uri(campaign)}/{account.id}/authorization"


def starter_list_document(campaign: Campaign) -> dict:
    """Only starters who accepted being listed; each item names the authorization (the consent) it rests on."""
    uri = _starter_list_uri(campaign)
    items = [
        {
            "id": f"{uri}/{account.id}",
            "type": "FeaturedItem",
            "featuredObject": account.uri,
            "featuredObjectType": "Person",
            "featureAuthorization": _authorization_uri(campaign, account),
        }
        for account in selectors.starters(campaign)
    ]
    return {
        "@context": [documents.AS_CONTEXT, FEP_7AA9],
        "id": uri,
        "type": STARTER_LIST_TYPE,
        "name": campaign.title,
        "summary": campaign.description,
        "attributedTo": campaign.actor.uri if campaign.actor_id else campaign.owner.uri,
        "url": f"{settings.BASE_URL}{campaign.path}",
        "published": campaign.created_at.isoformat(),
        "sensitive": False,
        "totalItems": len(items),
        "orderedItems": items,
    }


def _json(document: dict) -> HttpResponse:
    response = HttpResponse(orjson.dumps(document), content_type="application/activity+json")
    response["Vary"] = "Accept"
    return response


def _open_campaign(campaign_id: int) -> Campaign:
    campaign = selectors.find(campaign_id)
    if campaign is None:
        raise Http404
    return campaign


@require_GET
def starter_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _open_campaign(campaign_id)
    if not wants_activity_json(request.headers.get("Accept", "")):
        return HttpResponseRedirect(campaign.path)
    return _json(starter_list_document(campaign))


@require_GET
def starter_authorization(request: HttpRequest, campaign_id: int, account_id: int) -> HttpResponse:
    """The stamp of one starter's consent to be listed; 404 once withdrawn (or never given)."""
    campaign = _open_campaign(campaign_id)
    starter = (
        Starter.objects.filter(campaign=campaign, account_id=account_id, accepted_at__isnull=False)
        .select_related("account")
        .first()
    )
    if starter is None:
        raise Http404
    return _json(
        {
            "@context": [documents.AS_CONTEXT, FEP_7AA9],
            "id": _authorization_uri(campaign, starter.account),
            "type": "FeatureAuthorization",
            "attributedTo": starter.account.uri,
            "interactingObject": _starter_list_uri(campaign),
            "interactionTarget": starter.account.uri,
        }
    )
