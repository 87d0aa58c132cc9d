"""A suspended local account's data is kept for the appeal period, then deleted (Mastodon keeps it 30 days).

Once `APPEAL_DAYS` have passed since the latest standing suspension of a local account, and no appeal of it is
waiting or was approved, the account is erased as its owner would erase it (`leaving.erase_local_account`: posts,
media files, follows, notifications, sign-in gone, a Delete of the actor sent); the Account row stays a suspended
tombstone, so its handle is never given to someone else and lifting the suspension never shows it again.
Suspending a local account schedules the sweep for that moment (`schedule_erasure`, in the action's
transaction); each sweep schedules the next while something is still waiting.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from caravan import leaving
from caravan.accounts.models import Account, User
from caravan.moderation.models import APPEAL_DAYS, ActionKind, Appeal, AppealState, ModerationAction
from caravan.worker import wake

logger = logging.getLogger(__name__)

KEPT_FOR = timedelta(days=APPEAL_DAYS)
# An appeal still waiting when the period ends holds the data; the sweep looks again this often.
RECHECK_WAITING_APPEALS = timedelta(days=1)
BATCH = 50  # accounts erased per run; a longer backlog is taken up by the next run, at once
# An appeal in these states keeps the data: one waiting for a decision, or one that lifted the action.
HOLDING_APPEALS = (AppealState.PENDING, AppealState.APPROVED)


def erasure_date(action: ModerationAction) -> datetime:
    """When a suspension's account data goes, if the suspension still stands and is not appealed by then."""
    return action.created_at + KEPT_FOR


def schedule_erasure(action: ModerationAction) -> None:
    """Make sure the sweep runs when `action` (a suspension of a local account) has been standing for the
    appeal period. Called in the action's transaction, so a rolled-back suspension schedules nothing."""
    wake(erase_expired_suspensions, erasure_date(action))


@dataclass
class Standing:
    """A suspended local account, its user, the standing suspensions that keep it suspended, and which of
    them have an appeal that holds the data."""

    account: Account
    user: User
    actions: list[ModerationAction]
    held: frozenset[int]

    @property
    def erasure_date(self) -> datetime:
        return max(erasure_date(action) for action in self.actions)

    @property
    def appealed(self) -> bool:
        return any(action.id in self.held for action in self.actions)


def standing_suspensions(account_ids: list[int] | None = None) -> list[Standing]:
    """Local accounts that are suspended, not deleted yet, still have their user, and are held by at least one
    standing suspension (optionally only among `account_ids`), with those suspensions."""
    actions = ModerationAction.objects.filter(
        kind=ActionKind.SUSPEND,
        lifted_at__isnull=True,
        target_account__domain="",
        target_account__suspended_at__isnull=False,
        target_account__deleted_at__isnull=True,
        target_account__user__isnull=False,
    ).select_related("target_account", "target_account__user")
    if account_ids is not None:
        actions = actions.filter(target_account_id__in=account_ids)
    actions = list(actions.order_by("id"))
    held = frozenset(
        Appeal.objects.filter(action__in=[a.id for a in actions], state__in=HOLDING_APPEALS).values_list(
            "action_id", flat=True
        )
    )
    found: dict[int, Standing] = {}
    for action in actions:
        account = action.target_account
        entry = found.setdefault(account.id, Standing(account, account.user, [], held))
        entry.actions.append(action)
    return list(found.values())


def erase_expired(now: datetime | None = None) -> tuple[int, datetime | None]:
    """Erase up to `BATCH` accounts whose suspension's appeal period is over (no holding appeal). Returns how
    many were erased and when to look again (None when nothing is waiting)."""
    now = now or timezone.now()
    standing = standing_suspensions()
    due = [s for s in standing if s.erasure_date <= now and not s.appealed]
    erased = 0
    for entry in due[:BATCH]:
        try:
            erased += _erase(entry.account.id, now)
        except Exception:  # one account that cannot be erased never keeps the others' data longer
            logger.exception("could not erase suspended account %s", entry.account.id)
    later = [s.erasure_date for s in standing if s.erasure_date > now]
    if any(s.appealed and s.erasure_date <= now for s in standing):
        later.append(now + RECHECK_WAITING_APPEALS)
    if len(due) > BATCH:
        later.append(now)
    return erased, min(later, default=None)


def _erase(account_id: int, now: datetime) -> int:
    """Erase one account if it is still due, checked again with its suspensions locked: a moderator lifting
    one, or the person appealing, at this moment either comes first (and the account stays) or waits."""
    with transaction.atomic():
        list(
            ModerationAction.objects.select_for_update()
            .filter(target_account_id=account_id, kind=ActionKind.SUSPEND, lifted_at__isnull=True)
            .values_list("id", flat=True)
        )
        again = standing_suspensions([account_id])
        if not again or again[0].appealed or again[0].erasure_date > now:
            return 0
        leaving.erase_local_account(again[0].user)
        logger.info("erased suspended account %s after the appeal period", account_id)
        return 1


@task(queue_name="default")
def erase_expired_suspensions() -> int:
    """The sweep: erase what is due, then run again when the next suspension's period ends."""
    erased, next_run = erase_expired()
    if next_run is not None:
        wake(erase_expired_suspensions, next_run)
    return erased


def is_erased(account: Account) -> bool:
    """Whether the account's data is gone (deleted by its owner, after a suspension, or by its server)."""
    return account.deleted_at is not None
