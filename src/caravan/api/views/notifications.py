"""Notifications (v1 list, grouped v2), dismissing them, unread counts and read markers."""

from django.http import Http404, HttpRequest

from caravan.api import entities
from caravan.api.http import api, json_response, paginated, params, parse_id
from caravan.notifications import services as notifications
from caravan.notifications.models import Marker, Notification
from caravan.notifications.selectors import notifications_for, unread_count
from caravan.pagination import Page


def _query(request: HttpRequest, default_limit: int = 40) -> tuple[Page, dict]:
    p = params(request)
    account_id = p.str("account_id")
    return Page.from_params(p, default_limit=default_limit), {
        "types": p.strs("types") or None,
        "exclude_types": p.strs("exclude_types") or None,
        "from_account_id": parse_id(account_id) or None,
    }


@api(scope="read:notifications")
def list_(request: HttpRequest):
    page, filters = _query(request)
    items = notifications_for(request.viewer, page, **filters)
    return paginated(request, entities.notifications(items, request.viewer), [n.id for n in items])


@api(scope="read:notifications")
def get(request: HttpRequest, notification_id: str):
    n = (
        Notification.objects.select_related("from_account")
        .filter(pk=parse_id(notification_id), recipient=request.viewer)
        .first()
    )
    rendered = entities.notifications([n], request.viewer) if n else []
    if not rendered:
        raise Http404
    return rendered[0]


@api(scope="write:notifications")
def dismiss(request: HttpRequest, notification_id: str):
    if parse_id(notification_id):
        notifications.dismiss(request.viewer, parse_id(notification_id))
    return {}


@api(scope="write:notifications")
def clear(request: HttpRequest):
    notifications.clear(request.viewer)
    return {}


@api(scope="read:notifications")
def count_unread(request: HttpRequest):
    return {"count": unread_count(request.viewer)}


@api(scope="read:notifications")
def grouped(request: HttpRequest):
    """`GET /api/v2/notifications`: favourites and boosts of one post form a group; the rest stand alone."""
    page, filters = _query(request)
    items = notifications_for(request.viewer, page, **filters)
    rendered = entities.notifications(items, request.viewer)
    groups: dict[str, dict] = {}
    accounts: dict[str, dict] = {}
    statuses: dict[str, dict] = {}
    for data in rendered:
        accounts[data["account"]["id"]] = data["account"]
        if "status" in data:
            statuses[data["status"]["id"]] = data["status"]
        group = groups.get(data["group_key"])
        if group is None:
            group = groups[data["group_key"]] = {
                "group_key": data["group_key"],
                "notifications_count": 0,
                "type": data["type"],
                "most_recent_notification_id": data["id"],
                "page_min_id": data["id"],
                "page_max_id": data["id"],
                "latest_page_notification_at": data["created_at"],
                "sample_account_ids": [],
            }
            if "status" in data:
                group["status_id"] = data["status"]["id"]
        group["notifications_count"] += 1
        group["page_min_id"] = data["id"]
        if data["account"]["id"] not in group["sample_account_ids"] and len(group["sample_account_ids"]) < 8:
            group["sample_account_ids"].append(data["account"]["id"])
    body = {
        "accounts": list(accounts.values()),
        "statuses": list(statuses.values()),
        "notification_groups": list(groups.values()),
    }
    response = json_response(body)
    ids = [n.id for n in items]
    if ids:
        response["Link"] = paginated(request, [], ids)["Link"]
    return response


@api(scope="read:notifications")
def unread_count_v2(request: HttpRequest):
    return {"count": unread_count(request.viewer)}


@api(scope="read:statuses")
def get_markers(request: HttpRequest):
    wanted = params(request).strs("timeline") or ["home", "notifications"]
    return {
        m.timeline: entities.marker(m)
        for m in Marker.objects.filter(account=request.viewer, timeline__in=wanted)
    }


@api(scope="write:statuses")
def save_markers(request: HttpRequest):
    p = params(request)
    out = {}
    for timeline in ("home", "notifications"):
        last_read_id = p.dict(timeline).id("last_read_id") if timeline in p else None
        if last_read_id:
            out[timeline] = entities.marker(notifications.save_marker(request.viewer, timeline, last_read_id))
    return out
