"""The inbox queue: InboxItems stored by the inbox fronts are applied (`applying.apply_items`) in arrival order,
in batches; an item that fails is retried with back-off and then set aside for the admin, alone.
"""

import logging

from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from caravan import error_codes
from caravan.errors import DomainError
from caravan.federation.applying import apply_items
from caravan.federation.models import InboxItem
from caravan.worker import wake

logger = logging.getLogger(__name__)

MAX_INBOX_ATTEMPTS = 5


def _record_failure(item, error: Exception) -> None:
    """Count a failed attempt: due again after a back-off, or set aside once it has failed too often.

    A database that is locked or unreachable is not the activity's fault: the item is retried after the
    back-off but that attempt does not count towards setting it aside."""
    from caravan.federation.sender import backoff

    attempts = item.attempts + (0 if isinstance(error, OperationalError) else 1)
    set_aside = attempts >= MAX_INBOX_ATTEMPTS
    InboxItem.objects.filter(pk=item.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        state=InboxItem.SET_ASIDE if set_aside else InboxItem.QUEUED,
        next_attempt_at=None if set_aside else timezone.now() + backoff(max(attempts, 1)),
    )


def _schedule_retry() -> None:
    """Make sure a `process_inbox` task wakes up when the earliest failed item is due again."""
    from caravan.federation.tasks import process_inbox

    earliest = (
        InboxItem.objects.filter(state=InboxItem.QUEUED, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if earliest is not None:
        wake(process_inbox, earliest)


def process_queued(batch: int = 200, max_batches: int = 1000) -> int:
    """Apply the due InboxItems (stored by the ASGI inbox front) in arrival order; returns how many were
    applied.

    The fast path applies a whole batch in one transaction (commits are amortized). If anything in it fails
    unexpectedly, the batch is rolled back and its items are applied one by one, each in its own transaction:
    the good ones go through, a failing one is retried later with back-off and, after MAX_INBOX_ATTEMPTS, set
    aside with its error (admin page `/admin/inbox`). One bad activity never holds up the others.
    """
    done = 0
    failed: set[int] = set()  # failed during this run: wait for their back-off, not for the next batch
    for _ in range(max_batches):
        due = Q(state=InboxItem.QUEUED) & (
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
        )
        items: list = []
        try:
            with transaction.atomic():
                items = list(
                    InboxItem.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("signer")
                    .filter(due)
                    .exclude(pk__in=failed)
                    .order_by("id")[:batch]
                )
                if not items:
                    break
                apply_items(items)
                InboxItem.objects.filter(pk__in=[item.pk for item in items]).delete()
            done += len(items)
            continue
        except Exception:
            if not items:
                raise
            logger.warning("an inbox batch failed; applying its %d items one by one", len(items))
        for item in items:
            try:
                with transaction.atomic():
                    if (
                        not InboxItem.objects.select_for_update(skip_locked=True)
                        .filter(due, pk=item.pk)
                        .exists()
                    ):
                        continue  # another worker has it, or it is gone
                    apply_items([item])
                    InboxItem.objects.filter(pk=item.pk).delete()
                done += 1
            except Exception as error:  # this item alone: recorded, retried later, never blocking the rest
                logger.warning("inbox item %s from %s failed", item.pk, item.signer.uri, exc_info=True)
                failed.add(item.pk)
                _record_failure(item, error)
    _schedule_retry()
    return done


def set_aside_items():
    """Inbox items that failed too often, newest first, for the admin page."""
    return InboxItem.objects.filter(state=InboxItem.SET_ASIDE).select_related("signer").order_by("-id")


def retry_set_aside_item(item_id: int) -> None:
    """Put a set-aside item back in the queue, with its attempts counted afresh."""
    from caravan.federation.tasks import process_inbox

    with transaction.atomic():
        updated = InboxItem.objects.filter(pk=item_id, state=InboxItem.SET_ASIDE).update(
            state=InboxItem.QUEUED, attempts=0, next_attempt_at=None
        )
        if not updated:
            raise DomainError(error_codes.RECORD_NOT_FOUND)
        process_inbox.enqueue()


def discard_set_aside_item(item_id: int) -> None:
    """Drop a set-aside item for good."""
    deleted, _ = InboxItem.objects.filter(pk=item_id, state=InboxItem.SET_ASIDE).delete()
    if not deleted:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
