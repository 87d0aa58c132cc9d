"""The X-id directory for apps (`/api/v1/caravan/directory`): read and change one's own listing, read the
matches an import found (from the directory and from names and bios) and follow them in one action.
Documented in docs/caravan-api/directory.md."""

from django.http import HttpRequest

from caravan.api import entities
from caravan.api.http import api, paginated, params
from caravan.directory import services as directory
from caravan.directory.services import Listing
from caravan.moving import services as moving
from caravan.moving.models import FollowCandidate
from caravan.pagination import Page, paginate

MAX_FOLLOW_IDS = 1000


def listing_entity(listing: Listing) -> dict:
    claim = listing.claim
    return {
        "claimed": claim is not None,
        "x_id": str(claim.x_id) if claim else None,
        "x_handle": claim.handle if claim else None,
        "listed": listing.listed,
        "disputed": listing.disputed,
        "show_on_profile": listing.show_on_profile,
        "servers_told": listing.servers_told,
    }


def match_entity(candidate: FollowCandidate) -> dict:
    return {
        "id": str(candidate.pk),
        "old_handle": candidate.old_handle,
        "source": "directory" if candidate.directory_entry_id else "name",
        "followed": candidate.followed,
        "account": entities.account(candidate.target),
    }


@api(scope="read:accounts")
def show(request: HttpRequest):
    return listing_entity(directory.listing_of(request.viewer))


@api(scope="write:accounts")
def change(request: HttpRequest):
    values = params(request)
    listing = directory.choose(
        request.viewer, listed=values.bool("listed"), show_on_profile=values.bool("show_on_profile")
    )
    return listing_entity(listing)


@api(scope="write:accounts")
def withdraw(request: HttpRequest):
    return listing_entity(directory.withdraw(request.viewer))


@api(scope="read:follows")
def matches(request: HttpRequest):
    rows = FollowCandidate.objects.filter(account=request.viewer, target__isnull=False).select_related(
        "target"
    )
    if params(request).str("source") == "directory":
        rows = rows.filter(directory_entry__isnull=False)
    page = paginate(rows, Page.from_params(params(request), default_limit=40, max_limit=80))
    return paginated(request, [match_entity(c) for c in page], [c.pk for c in page])


@api(scope=("write:follows", "follow"))
def follow(request: HttpRequest):
    """Follow the matches named by `id[]`, or every match not followed yet when none is named."""
    ids = params(request).ids("id")[:MAX_FOLLOW_IDS]
    if not ids:
        ids = list(
            FollowCandidate.objects.filter(account=request.viewer, followed=False).values_list(
                "pk", flat=True
            )[:MAX_FOLLOW_IDS]
        )
    return {"followed": moving.follow_candidates(request.api_user, ids)}
