"""Follow suggestions (`/api/v1/suggestions`, `/api/v2/suggestions`): accounts staff feature, accounts followed by
the people one follows, and this server's most followed and most interacted-with active people; never someone
already followed or requested, blocked either way, muted, or dismissed (`social.DismissedSuggestion`).

Each source is one bounded, indexed query; an account found by several carries every source, as Mastodon's
`sources`."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from caravan.accounts.models import Account, Role
from caravan.discovery.listed import hidden_from, listed_accounts
from caravan.ids import lowest_id_at
from caravan.posts.models import Favourite
from caravan.social.models import DismissedSuggestion, Endorsement, Follow, FollowRequest

ACTIVE_WITHIN = timedelta(days=30)  # "recently active" people for the global sources
SOURCES_ORDER = ("featured", "friends_of_friends", "most_interactions", "most_followed")


@dataclass
class Suggestion:
    account: Account
    sources: list[str] = field(default_factory=list)


def _excluded_ids(viewer: Account) -> set[int]:
    excluded = {viewer.id}
    excluded |= set(Follow.objects.filter(account=viewer).values_list("target_account_id", flat=True))
    excluded |= set(FollowRequest.objects.filter(account=viewer).values_list("target_account_id", flat=True))
    excluded |= set(
        DismissedSuggestion.objects.filter(account=viewer).values_list("target_account_id", flat=True)
    )
    return excluded


def _featured(limit: int) -> list[int]:
    staff = (Role.ADMIN, Role.MODERATOR)
    return list(
        Endorsement.objects.filter(account__user__role__in=staff)
        .order_by("-id")
        .values_list("target_account_id", flat=True)[:limit]
    )


def _friends_of_friends(viewer: Account, limit: int) -> list[int]:
    followed = Follow.objects.filter(account=viewer).values("target_account_id")
    return list(
        Follow.objects.filter(account_id__in=followed)
        .values("target_account_id")
        .annotate(friends=Count("id"))
        .order_by("-friends", "-target_account_id")
        .values_list("target_account_id", flat=True)[:limit]
    )


def _most_interactions(since, limit: int) -> list[int]:
    return list(
        Favourite.objects.filter(id__gte=lowest_id_at(since), post__account__domain="")
        .values("post__account_id")
        .annotate(received=Count("id"))
        .order_by("-received", "-post__account_id")
        .values_list("post__account_id", flat=True)[:limit]
    )


def _most_followed(since, limit: int) -> list[int]:
    return list(
        Account.objects.filter(domain="", last_status_at__gte=since, followers_count__gt=0)
        .order_by("-followers_count", "-id")
        .values_list("id", flat=True)[:limit]
    )


def follow_suggestions(viewer: Account, limit: int = 40) -> list[Suggestion]:
    """Up to `limit` suggestions, featured ones first, then by source in `SOURCES_ORDER`."""
    since = timezone.now() - ACTIVE_WITHIN
    wide = limit * 3 + 20  # room for the ones taken out below
    found: dict[int, list[str]] = {}
    for source, ids in (
        ("featured", _featured(wide)),
        ("friends_of_friends", _friends_of_friends(viewer, wide)),
        ("most_interactions", _most_interactions(since, wide)),
        ("most_followed", _most_followed(since, wide)),
    ):
        for account_id in ids:
            found.setdefault(account_id, [])
            if source not in found[account_id]:
                found[account_id].append(source)
    excluded = _excluded_ids(viewer)
    wanted = [account_id for account_id in found if account_id not in excluded]
    accounts = hidden_from(viewer, listed_accounts()).in_bulk(wanted)
    return [Suggestion(accounts[i], found[i]) for i in wanted if i in accounts][:limit]
