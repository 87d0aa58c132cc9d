"""A remote account suspended by its own server: its actor says `suspended: true` (as Mastodon's and Caravan's
do), so it is hidden here too, as Mastodon marks a suspension whose origin is remote; when its server stops
saying so it is shown again, unless it is suspended here for another reason (a moderator's standing action, a
domain suspension, a deletion).

`Account.remote_suspended_at` records what the server said, and is the stamp written into `suspended_at`, so
only the mark the server's word put on comes off with it (the same stamp rule as domain policies).
"""

from django.db import transaction
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.instance.domains import account_marks
from caravan.moderation.models import ActionKind, ModerationAction


def follow_remote_suspension(account: Account, suspended: bool) -> Account:
    """Record whether `account`'s own server says it is suspended (read from its actor document, on an Update
    or a fetch), hiding or showing it here accordingly. Returns the account as it now is."""
    if account.is_local or suspended == (account.remote_suspended_at is not None):
        return account  # nothing new (the usual case: checked without a lock or a query)
    with transaction.atomic():
        locked = Account.objects.select_for_update().filter(pk=account.pk).first()
        if locked is None:
            return account
        changes: dict = {}
        if suspended and locked.remote_suspended_at is None:
            changes["remote_suspended_at"] = timezone.now()
            if locked.suspended_at is None:
                changes["suspended_at"] = changes["remote_suspended_at"]
        elif not suspended and locked.remote_suspended_at is not None:
            changes["remote_suspended_at"] = None
            if locked.suspended_at == locked.remote_suspended_at and not _suspended_here(locked):
                changes["suspended_at"] = account_marks(locked.domain).get("suspended_at")
        if changes:
            Account.objects.filter(pk=locked.pk).update(**changes)
    for name, value in changes.items():
        setattr(account, name, value)
    return account


def _suspended_here(account: Account) -> bool:
    """Whether something here, not the account's server, keeps it suspended."""
    return (
        account.deleted_at is not None
        or ModerationAction.objects.filter(
            target_account=account, kind=ActionKind.SUSPEND, lifted_at__isnull=True
        ).exists()
    )
