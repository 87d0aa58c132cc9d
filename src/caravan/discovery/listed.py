"""The accounts that may be shown to strangers in discovery (the directory, suggestions): present, not moved,
discoverable, and real people (the instance actor and campaign group actors are local accounts without a user)."""

from django.db.models import Q, QuerySet

from caravan.accounts.models import Account
from caravan.social.models import Block, DomainBlock, Mute


def listed_accounts() -> QuerySet[Account]:
    local_person = Q(domain="", user__isnull=False, user__is_active=True, user__approved=True)
    return Account.objects.filter(
        local_person | ~Q(domain=""),
        discoverable=True,
        suspended_at__isnull=True,
        limited_at__isnull=True,
        remote_suspended_at__isnull=True,
        deleted_at__isnull=True,
        moved_to__isnull=True,
    )


def hidden_from(viewer: Account | None, accounts: QuerySet[Account]) -> QuerySet[Account]:
    """Without the accounts the viewer blocks or mutes, those blocking the viewer, and blocked domains."""
    if viewer is None:
        return accounts
    return (
        accounts.exclude(pk__in=Block.objects.filter(account=viewer).values("target_account_id"))
        .exclude(pk__in=Block.objects.filter(target_account=viewer).values("account_id"))
        .exclude(pk__in=Mute.objects.filter(account=viewer).values("target_account_id"))
        .exclude(domain__in=DomainBlock.objects.filter(account=viewer).values("domain"))
    )
