"""Notifications (v1 list, grouped v2), dismissing them, unread counts, read markers, and the notification
policy with the requests it holds (Mastodon 4.3)."""

from django.http import Http404, HttpRequest

from caravan.api import entities
from caravan.api.http import api, json_response, paginated, params, parse_id
from caravan.notifications import services as notifications
from caravan.notifications.models import Marker, Notification, NotificationPolicy, NotificationRequest
from caravan.notifications.selectors import (
    group_key_of,
    group_notifications,
    grouped_notifications,
    notifications_for,
    policy_summary,
    requests_for,
    unread_count,
)
from caravan.pagination import Page


def _query(request: HttpRequest, default_limit: int = 40) -> tuple[Page, dict]:
    p = params(request)
    account_id = p.str("account_id")
    return Page.from_params(p, default_limit=default_limit), {
        "types": p.strs("types") or None,
        "exclude_types": p.strs("exclude_types") or None,
        "from_account_id": parse_id(account_id) or None,
        "include_filtered": bool(p.bool("include_filtered", False)),
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
    """`GET /api/v2/notifications`: favourites and boosts of one post, and follows, within 12 hours form a group
    (`grouped_types` narrows that); the rest stand alone as "ungrouped-<id>". See docs/mastodon-api."""
    p = params(request)
    page, filters = _query(request)
    grouped_types = p.strs("grouped_types") or None
    groups, covered = grouped_notifications(request.viewer, page, grouped_types=grouped_types, **filters)
    rendered = {d["id"]: d for d in entities.notifications([g.latest for g in groups], request.viewer)}
    partial = p.str("expand_accounts") == "partial_avatars"
    sample_ids = {account_id for g in groups for account_id in g.sample_account_ids}
    # The latest notifications' senders came loaded, and were rendered with them: only the rest are read.
    senders = {
        g.latest.from_account_id: g.latest.from_account
        for g in groups
        if g.latest.from_account_id in sample_ids and "from_account" in g.latest._state.fields_cache
    }
    senders.update((a.id, a) for a in entities.accounts_by_id(sample_ids - senders.keys()))
    shown = {int(d["account"]["id"]): d["account"] for d in rendered.values()}
    full_ids = {g.latest.from_account_id for g in groups} if partial else sample_ids
    body: dict = {"accounts": [], "statuses": [], "notification_groups": []}
    statuses: dict[str, dict] = {}
    for group in groups:
        data = rendered.get(str(group.latest.id))
        if data is None:
            continue  # a kind the API leaves out, or a post gone since
        entry = {
            "group_key": group.key,
            "notifications_count": group.count,
            "type": data["type"],
            "most_recent_notification_id": data["id"],
            "page_min_id": str(group.page_min_id),
            "page_max_id": str(group.page_max_id),
            "latest_page_notification_at": data["created_at"],
            "sample_account_ids": [str(i) for i in group.sample_account_ids if i in senders],
        }
        if "status" in data:
            entry["status_id"] = data["status"]["id"]
            statuses[data["status"]["id"]] = data["status"]
        for extra in ("moderation_warning", "caravan_pact", "caravan_campaign"):
            if extra in data:
                entry[extra] = data[extra]
        body["notification_groups"].append(entry)
    body["statuses"] = list(statuses.values())
    body["accounts"] = [shown.get(i) or entities.account(senders[i]) for i in senders if i in full_ids]
    if partial:
        body["partial_accounts"] = [
            entities.partial_account(senders[i]) for i in senders if i not in full_ids
        ]
    response = json_response(body)
    if covered:
        response["Link"] = paginated(request, [], covered)["Link"]
    return response


def _group(request: HttpRequest, group_key: str) -> list[Notification]:
    items = list(group_notifications(request.viewer, group_key[:64])[:200])
    if not items:
        raise Http404
    return items


@api(scope="read:notifications")
def get_group(request: HttpRequest, group_key: str):
    """`GET /api/v2/notifications/:group_key`: one group, with its accounts and status."""
    items = _group(request, group_key)
    rendered = entities.notifications(items[:1], request.viewer)
    if not rendered:
        raise Http404
    data = rendered[0]
    senders = list(dict.fromkeys(n.from_account_id for n in items))
    accounts = {a.id: a for a in entities.accounts_by_id(senders)}
    entry = {
        "group_key": group_key_of(items[0]),
        "notifications_count": len(items),
        "type": data["type"],
        "most_recent_notification_id": data["id"],
        "sample_account_ids": [str(i) for i in senders[:8] if i in accounts],
    }
    if "status" in data:
        entry["status_id"] = data["status"]["id"]
    return {
        "accounts": [entities.account(accounts[i]) for i in senders[:8] if i in accounts],
        "statuses": [data["status"]] if "status" in data else [],
        "notification_groups": [entry],
    }


@api(scope="read:notifications")
def group_accounts(request: HttpRequest, group_key: str):
    """`GET /api/v2/notifications/:group_key/accounts`: everyone in the group, most recent first."""
    senders = list(dict.fromkeys(n.from_account_id for n in _group(request, group_key)))
    accounts = {a.id: a for a in entities.accounts_by_id(senders)}
    return [entities.account(accounts[i]) for i in senders if i in accounts]


@api(scope="write:notifications")
def dismiss_group(request: HttpRequest, group_key: str):
    notifications.dismiss_group(request.viewer, group_key[:64])
    return {}


def _policy(request: HttpRequest, policy: NotificationPolicy) -> dict:
    return entities.notification_policy(policy, policy_summary(request.viewer))


@api(scope="read:notifications")
def get_policy(request: HttpRequest):
    return _policy(request, notifications.policy_for(request.viewer))


@api(scope="write:notifications")
def update_policy(request: HttpRequest):
    p = params(request)
    choices = {name: p.str(name) for name in NotificationPolicy.FIELDS}
    return _policy(request, notifications.update_policy(request.viewer, **choices))


@api(scope="read:notifications")
def requests(request: HttpRequest):
    found = requests_for(request.viewer, Page.from_params(params(request), default_limit=40))
    return paginated(request, entities.notification_requests(found, request.viewer), [r.id for r in found])


def _own_request(request: HttpRequest, request_id: str) -> NotificationRequest:
    found = (
        NotificationRequest.objects.filter(pk=parse_id(request_id), recipient=request.viewer)
        .select_related("from_account", "last_post")
        .first()
    )
    if found is None:
        raise Http404
    return found


@api(scope="read:notifications")
def get_request(request: HttpRequest, request_id: str):
    return entities.notification_requests([_own_request(request, request_id)], request.viewer)[0]


@api(scope="write:notifications")
def accept_request(request: HttpRequest, request_id: str):
    notifications.accept_requests(request.viewer, [_own_request(request, request_id).id])
    return {}


@api(scope="write:notifications")
def dismiss_request(request: HttpRequest, request_id: str):
    notifications.dismiss_requests(request.viewer, [_own_request(request, request_id).id])
    return {}


@api(scope="write:notifications")
def accept_requests(request: HttpRequest):
    """Several at once (`id[]`); ids that are not the caller's are ignored, as on Mastodon."""
    notifications.accept_requests(request.viewer, params(request).ids("id")[:100])
    return {}


@api(scope="write:notifications")
def dismiss_requests(request: HttpRequest):
    notifications.dismiss_requests(request.viewer, params(request).ids("id")[:100])
    return {}


@api(scope="read:notifications")
def requests_merged(request: HttpRequest):
    # Accepting moves the held notifications in its own transaction: by the time a client asks, it is done.
    return {"merged": True}


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
