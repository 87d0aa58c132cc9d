"""Scheduled statuses (Mastodon's `/api/v1/scheduled_statuses`): list, get, change the time, cancel. Scheduling
itself is `POST /api/v1/statuses` with `scheduled_at` (statuses.py)."""

from django.http import HttpRequest

from caravan.api import entities
from caravan.api.http import api, paginated, params, parse_id
from caravan.pagination import Page, paginate
from caravan.posts.models import ScheduledPost
from caravan.publishing import scheduling


def scheduled_status(scheduled: ScheduledPost) -> dict:
    """The ScheduledStatus entity; `params` echoes what the post was scheduled with, as Mastodon does."""
    media = scheduling.media_of(scheduled)
    poll = scheduled.poll
    return {
        "id": str(scheduled.id),
        "scheduled_at": entities.iso(scheduled.scheduled_at),
        "params": {
            "text": scheduled.text,
            "poll": None
            if not poll
            else {
                "options": list(poll.get("options") or []),
                "expires_in": int(poll.get("expires_in") or 86400),
                "multiple": bool(poll.get("multiple")),
                "hide_totals": bool(poll.get("hide_totals")),
            },
            "media_ids": [str(item.id) for item in media] or None,
            "sensitive": scheduled.sensitive,
            "spoiler_text": scheduled.spoiler_text,
            "visibility": scheduled.visibility,
            "in_reply_to_id": scheduled.in_reply_to_id_given,
            "language": scheduled.language or None,
            "application_id": scheduled.application_id or 0,
            "scheduled_at": None,
            "idempotency": scheduled.idempotency or None,
            "with_rate_limit": False,
        },
        "media_attachments": [entities.media_attachment(item) for item in media],
    }


@api(scope="read:statuses")
def list_scheduled(request: HttpRequest):
    waiting = scheduling.pending_for(request.viewer).prefetch_related("media__media")
    rows = paginate(waiting, Page.from_params(params(request)))
    return paginated(request, [scheduled_status(row) for row in rows], [row.id for row in rows])


@api(scope="read:statuses")
def get_scheduled(request: HttpRequest, object_id: str):
    return scheduled_status(scheduling.get_pending(request.viewer, parse_id(object_id)))


@api(scope="write:statuses")
def update_scheduled(request: HttpRequest, object_id: str):
    moment = scheduling.parse_time(params(request).str("scheduled_at") or "")
    return scheduled_status(scheduling.reschedule(request.viewer, parse_id(object_id), moment))


@api(scope="write:statuses")
def cancel_scheduled(request: HttpRequest, object_id: str):
    scheduling.cancel(request.viewer, parse_id(object_id))
    return {}
