"""Scheduled posts (Mastodon's ScheduledStatus): kept now, published by the worker at their time through the one
pipeline (`posting.create_post`), so fan-out, notifications and federation happen then and only then.

A post is checked in full when it is scheduled (the same `drafts.local` checks, writing nothing) and again when it
is published. If publishing fails then (the reply target was deleted, the author suspended), the post is not
published: it stays with `failed_code` for its author to see on the scheduled posts page, is no longer listed by the
API (as Mastodon drops it), and its media are released.

Several workers may run the sweep at once: each post is claimed by deleting its row (under a row lock taken with
SKIP LOCKED where the database has it) in the transaction that publishes it, so it is published once.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.media.models import MediaAttachment
from caravan.posts.models import Post, ScheduledMedia, ScheduledPost
from caravan.publishing import drafts
from caravan.publishing.drafts import PollSpec
from caravan.publishing.posting import create_post
from caravan.publishing.tasks import publish_scheduled_posts
from caravan.worker import wake

TOTAL_LIMIT = 300  # Mastodon's ScheduledStatusValidator
DAILY_LIMIT = 25


def parse_time(value: str) -> datetime:
    """An ISO 8601 date and time as clients send it (`Z` or an offset; no zone means UTC)."""
    text = (value or "").strip()
    if not text or len(text) > 64:
        raise DomainError(error_codes.SCHEDULED_AT_INVALID, field="scheduled_at")
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise DomainError(error_codes.SCHEDULED_AT_INVALID, field="scheduled_at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 1970 <= moment.astimezone(UTC).year <= 9000:
        raise DomainError(error_codes.SCHEDULED_AT_INVALID, field="scheduled_at")
    return moment.astimezone(UTC)


def is_in_the_past(moment: datetime) -> bool:
    """Mastodon publishes at once a post scheduled for a time already past."""
    return moment <= timezone.now()


def _check_time(author: Account, moment: datetime, exclude: ScheduledPost | None = None) -> None:
    ahead = settings.CARAVAN["SCHEDULED_MIN_AHEAD"]
    if moment < timezone.now() + timedelta(seconds=ahead):
        raise DomainError(
            error_codes.SCHEDULED_TOO_SOON, field="scheduled_at", minutes=max(1, round(ahead / 60))
        )
    pending = ScheduledPost.objects.filter(account=author, failed_code="")
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    if pending.count() >= TOTAL_LIMIT:
        raise DomainError(error_codes.SCHEDULED_TOTAL_LIMIT, field="scheduled_at", limit=TOTAL_LIMIT)
    day = moment.astimezone(UTC).date()
    if pending.filter(scheduled_at__date=day).count() >= DAILY_LIMIT:
        raise DomainError(error_codes.SCHEDULED_DAILY_LIMIT, field="scheduled_at", limit=DAILY_LIMIT)


def schedule_post(
    author: Account,
    scheduled_at: datetime,
    text: str = "",
    *,
    spoiler_text: str = "",
    sensitive: bool = False,
    visibility: str = "public",
    language: str = "",
    in_reply_to: Post | None = None,
    media: list[MediaAttachment] | None = None,
    poll: PollSpec | None = None,
    application_id: int | None = None,
    idempotency: str = "",
) -> ScheduledPost:
    """Keep a post to publish at `scheduled_at` (at least CARAVAN_SCHEDULED_MIN_AHEAD seconds ahead; Mastodon's
    limits of 300 waiting posts and 25 a day). Raises DomainError on anything the post itself would be refused for."""
    media = list(media or [])
    draft = drafts.local(
        author,
        text,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        visibility=visibility,
        language=language,
        in_reply_to=in_reply_to,
        media=media,
        poll=poll,
    )
    with transaction.atomic():
        # One account's scheduling is serialized, so two requests cannot both take the last place.
        Account.objects.select_for_update().filter(pk=author.pk).first()
        _check_time(author, scheduled_at)
        scheduled = ScheduledPost.objects.create(
            account=author,
            scheduled_at=scheduled_at,
            text=draft.post.text,
            spoiler_text=draft.post.spoiler_text,
            sensitive=draft.post.sensitive,
            visibility=draft.post.visibility,
            language=draft.post.language,
            in_reply_to=in_reply_to,
            in_reply_to_id_given=in_reply_to.id if in_reply_to is not None else None,
            poll=None
            if poll is None
            else {
                "options": list(poll.options),
                "expires_in": poll.expires_in,
                "multiple": poll.multiple,
                "hide_totals": poll.hide_totals,
            },
            application_id=application_id,
            idempotency=idempotency[:200],
        )
        ScheduledMedia.objects.bulk_create(
            [ScheduledMedia(scheduled_post=scheduled, media=item, position=i) for i, item in enumerate(media)]
        )
        _wake_at(scheduled_at)
    return scheduled


def find_idempotent(author: Account, key: str) -> ScheduledPost | None:
    if not key:
        return None
    return ScheduledPost.objects.filter(account=author, idempotency=key[:200], failed_code="").first()


def pending_for(author: Account):
    """The author's posts still waiting (the API's list), soonest first."""
    return ScheduledPost.objects.filter(account=author, failed_code="")


def get_pending(author: Account, scheduled_id: int | None) -> ScheduledPost:
    found = pending_for(author).filter(pk=scheduled_id).first() if scheduled_id else None
    if found is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return found


def reschedule(author: Account, scheduled_id: int | None, scheduled_at: datetime) -> ScheduledPost:
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=author.pk).first()
        scheduled = get_pending(author, scheduled_id)
        _check_time(author, scheduled_at, exclude=scheduled)
        scheduled.scheduled_at = scheduled_at
        scheduled.save(update_fields=["scheduled_at"])
        _wake_at(scheduled_at)
    return scheduled


def cancel(author: Account, scheduled_id: int | None) -> None:
    """Cancel a waiting post, or clear a failed one from the page; its media are free again."""
    deleted, _ = (
        ScheduledPost.objects.filter(account=author, pk=scheduled_id).delete() if scheduled_id else (0, 0)
    )
    if not deleted:
        raise DomainError(error_codes.RECORD_NOT_FOUND)


def media_of(scheduled: ScheduledPost) -> list[MediaAttachment]:
    """Its reserved uploads in order (from `prefetch_related("media__media")` when the caller made one)."""
    return [reserved.media for reserved in scheduled.media.all()]


def _poll_spec(data: dict | None) -> PollSpec | None:
    if not data:
        return None
    return PollSpec(
        options=list(data.get("options") or []),
        expires_in=int(data.get("expires_in") or 86400),
        multiple=bool(data.get("multiple")),
        hide_totals=bool(data.get("hide_totals")),
    )


def _publish(scheduled: ScheduledPost, media: list[MediaAttachment]) -> Post:
    author = scheduled.account
    if author.suspended_at is not None or author.deleted_at is not None:
        raise DomainError(error_codes.SCHEDULED_AUTHOR_UNAVAILABLE)
    if scheduled.in_reply_to_id_given and scheduled.in_reply_to is None:
        raise DomainError(error_codes.REPLY_TARGET_UNAVAILABLE, field="in_reply_to_id")
    return create_post(
        author,
        scheduled.text,
        spoiler_text=scheduled.spoiler_text,
        sensitive=scheduled.sensitive,
        visibility=scheduled.visibility,
        language=scheduled.language,
        in_reply_to=scheduled.in_reply_to,
        media=media,
        poll=_poll_spec(scheduled.poll),
    )


def publish_one(scheduled_id: int) -> Post | None:
    """Publish one due post if no one else has: claim its row, publish it, and let the row go, all in one
    transaction. Returns the post, or None when it was not due, already taken, or failed (then marked)."""
    with transaction.atomic():
        rows = ScheduledPost.objects.filter(
            pk=scheduled_id, failed_code="", scheduled_at__lte=timezone.now()
        ).select_related("account", "in_reply_to")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        scheduled = rows.first()
        if scheduled is None:
            return None
        media = media_of(scheduled)
        # The claim: whoever deletes the row publishes it. Its media reservations go with it.
        if not ScheduledPost.objects.filter(pk=scheduled.pk, failed_code="").delete()[0]:
            return None
        try:
            with transaction.atomic():
                return _publish(scheduled, media)
        except DomainError as error:
            # Not published: keep it (a new row, same id) with the reason, for its author to see.
            scheduled.failed_code = error.kind.code
            scheduled.save(force_insert=True)
            return None


def publish_due(limit: int = 1000) -> int:
    """Publish every post whose time has come (the worker's sweep), then arrange a run for the next one."""
    published = 0
    due = list(
        ScheduledPost.objects.filter(failed_code="", scheduled_at__lte=timezone.now())
        .order_by("scheduled_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for scheduled_id in due:
        if publish_one(scheduled_id) is not None:
            published += 1
    if len(due) == limit:
        _wake_at(timezone.now())
    else:
        resume()
    return published


def resume() -> None:
    """Make sure the next waiting post has a worker run at its time (at worker start, and after each sweep)."""
    following = ScheduledPost.objects.filter(failed_code="").order_by("scheduled_at").first()
    if following is not None:
        _wake_at(max(following.scheduled_at, timezone.now()))


def _wake_at(moment: datetime) -> None:
    """A worker run at `moment`, enqueued in the caller's transaction (durable, gone if it rolls back)."""
    wake(publish_scheduled_posts, at=moment)
