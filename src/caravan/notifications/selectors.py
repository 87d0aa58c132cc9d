"""Reading notifications, the requests a notification policy holds, and the v2 groups."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from caravan.accounts.models import Account
from caravan.accounts.services import load_accounts
from caravan.bulk import select_rows
from caravan.ids import id_from_text
from caravan.notifications.models import Marker, Notification, NotificationRequest
from caravan.pagination import Page, paginate, paginate_compiled

# How many notifications one v2 page may read while it gathers its groups (a burst of favourites on one post
# fills one group; the page stops here rather than read without end).
GROUP_SCAN_LIMIT = 2000
SAMPLE_ACCOUNTS = 8  # Mastodon's NotificationGroup::SAMPLE_ACCOUNTS_SIZE
SAMPLE_SCAN = 40  # a group's newest notifications read for its sample (one sender may have several)


def _listed(
    recipient: Account | int,
    *,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
    from_account_id: int | None = None,
    include_filtered: bool = False,
) -> QuerySet[Notification]:
    queryset: QuerySet[Notification] = Notification.objects.filter(recipient=recipient).select_related(
        "from_account", "post"
    )
    if not include_filtered:
        queryset = queryset.filter(filtered=False)
    if types:
        queryset = queryset.filter(type__in=types)
    if exclude_types:
        queryset = queryset.exclude(type__in=exclude_types)
    if from_account_id:
        queryset = queryset.filter(from_account_id=from_account_id)
    return queryset


def notifications_for(
    recipient: Account,
    page: Page,
    *,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
    from_account_id: int | None = None,
    include_filtered: bool = False,
) -> list[Notification]:
    """The recipient's notifications, newest first; those its policy filtered only with `include_filtered`."""

    def build(recipient_id: int, **sender: int):
        return _listed(
            recipient_id,
            types=types,
            exclude_types=exclude_types,
            from_account_id=sender.get("from_account_id"),
            include_filtered=include_filtered,
        ).values_list("id", flat=True)

    shape = ("notifications", tuple(types or ()), tuple(exclude_types or ()), include_filtered)
    sender = {"from_account_id": from_account_id} if from_account_id else {}
    ids = paginate_compiled(shape, build, page, recipient_id=recipient.id, **sender)
    loaded = _load(ids, recipient)
    return [loaded[i] for i in ids if i in loaded]


def _load(ids, recipient: Account) -> dict[int, Notification]:
    """The recipient's notifications with these ids, with their senders, by plain reads by key (the ORM's
    select_related of a 45-field account was most of a page's cost)."""
    loaded = {n.id: n for n in select_rows(Notification, ids) if n.recipient_id == recipient.id}
    senders = load_accounts({n.from_account_id for n in loaded.values()})
    for n in loaded.values():
        if n.from_account_id in senders:
            n._state.fields_cache["from_account"] = senders[n.from_account_id]
    return loaded


def unread_count(recipient: Account) -> int:
    # Every page's badge asks: one statement, written out (the ORM spent ten times the query's own time building
    # a marker lookup and a count). No marker counts everything.
    notifications, markers = Notification._meta.db_table, Marker._meta.db_table
    sql = (
        f"SELECT COUNT(*) FROM {notifications} WHERE recipient_id = %s AND NOT filtered AND id > "  # noqa: S608
        f"COALESCE((SELECT last_read_id FROM {markers} WHERE account_id = %s AND timeline = %s), 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [recipient.id, recipient.id, "notifications"])
        return cursor.fetchone()[0]


@dataclass
class Group:
    """One v2 notification group as a page shows it: its newest notification in the page, the count and the
    sample of accounts up to the page's newest, and the oldest of its notifications the page covers."""

    key: str
    latest: Notification
    count: int = 1
    sample_account_ids: list[int] = field(default_factory=list)
    page_min_id: int = 0
    page_max_id: int = 0


def group_key_of(n: Notification, grouped_types: list[str] | None = None) -> str:
    return _group_key(n.id, n.group_key, n.type, grouped_types)


def _group_key(n_id: int, group_key: str, n_type: str, grouped_types: list[str] | None) -> str:
    if group_key and (not grouped_types or n_type in grouped_types):
        return group_key
    return f"ungrouped-{n_id}"


def grouped_notifications(
    recipient: Account,
    page: Page,
    *,
    grouped_types: list[str] | None = None,
    **filters,
) -> tuple[list[Group], list[int]]:
    """A page of v2 groups, newest first, and the ids of the notifications the page covered (for its Link).

    As Mastodon's `paginate_groups_by_max_id`: notifications are read newest first (oldest first with
    `min_id`) until `page.limit` distinct groups are seen; each group then reports its count and sample
    accounts over all its notifications up to the page's newest id."""
    queryset = _listed(recipient, **filters)
    ascending = page.min_id is not None
    if page.max_id is not None:
        queryset = queryset.filter(id__lt=page.max_id)
    if page.min_id is not None:
        queryset = queryset.filter(id__gt=page.min_id)
    elif page.since_id is not None:
        queryset = queryset.filter(id__gt=page.since_id)
    # The scan reads ids, keys and types only (a page may pass over hundreds of favourites of one post); the
    # newest notification of each group is loaded afterwards, with its sender and post, in one query.
    latest: dict[str, int] = {}
    bounds: dict[str, list[int]] = {}
    covered: list[int] = []
    for n_id, n_group_key, n_type in _scan(queryset, ascending, max(page.limit * 4, 100)):
        key = _group_key(n_id, n_group_key, n_type, grouped_types)
        if key not in latest and len(latest) >= page.limit:
            break
        covered.append(n_id)
        if key not in latest:
            latest[key], bounds[key] = n_id, [n_id, n_id]
        else:
            latest[key] = max(latest[key], n_id)
            bounds[key] = [min(bounds[key][0], n_id), max(bounds[key][1], n_id)]
    # Their senders come along; their posts do not (every face loads posts through `load_posts`, by id).
    loaded = _load(latest.values(), recipient)
    groups = {
        key: Group(key=key, latest=loaded[n_id], page_min_id=bounds[key][0], page_max_id=bounds[key][1])
        for key, n_id in latest.items()
        if n_id in loaded
    }
    if not covered:
        return [], []
    newest = max(covered)
    real_keys = [key for key in groups if not key.startswith("ungrouped-")]
    if real_keys:
        in_groups = Notification.objects.filter(
            recipient=recipient, group_key__in=real_keys, filtered=False, id__lte=newest
        )
        # Each group's count and newest senders, for every group in one query: windows per group (a count
        # and a rank), not a query each.
        ranked = in_groups.annotate(
            rank=Window(RowNumber(), partition_by=F("group_key"), order_by=F("id").desc()),
            total=Window(Count("id"), partition_by=F("group_key")),
        ).filter(rank__lte=SAMPLE_SCAN)
        senders: dict[str, list[int]] = {key: [] for key in real_keys}
        for key, sender, _rank, total in ranked.values_list(
            "group_key", "from_account_id", "rank", "total"
        ).order_by("group_key", "rank"):
            senders[key].append(sender)
            groups[key].count = total
        for key in real_keys:
            groups[key].sample_account_ids = list(dict.fromkeys(senders[key]))[:SAMPLE_ACCOUNTS]
    for group in groups.values():
        if not group.sample_account_ids:
            group.sample_account_ids = [group.latest.from_account_id]
    ordered = sorted(groups.values(), key=lambda g: g.latest.id, reverse=True)
    return ordered, sorted(covered, reverse=True)


def _scan(queryset: QuerySet[Notification], ascending: bool, batch: int):
    """(id, group key, type) of the notifications in order, up to GROUP_SCAN_LIMIT, read in batches by id (a
    page usually needs the first only). Not a server-side cursor: outside a transaction PostgreSQL's (WITH
    HOLD) computed all 2,000 rows before the first was read."""
    rows = queryset.order_by("id" if ascending else "-id").values_list("id", "group_key", "type")
    read = 0
    while read < GROUP_SCAN_LIMIT:
        found = list(rows[: min(batch, GROUP_SCAN_LIMIT - read)])
        yield from found
        read += len(found)
        if len(found) < batch:
            return
        last = found[-1][0]
        rows = rows.filter(id__gt=last) if ascending else rows.filter(id__lt=last)


def group_notifications(recipient: Account, group_key: str) -> QuerySet[Notification]:
    """The notifications of one group, newest first (none if the key names no group of the recipient)."""
    queryset = Notification.objects.filter(recipient=recipient, filtered=False).select_related("from_account")
    if group_key.startswith("ungrouped-"):
        return queryset.filter(pk=id_from_text(group_key.removeprefix("ungrouped-")) or 0)
    return queryset.filter(group_key=group_key).order_by("-id")


def has_requests(recipient: Account) -> bool:
    """Whether the recipient's policy holds anyone back: a cheap check before reading them (most hold none)."""
    return NotificationRequest.objects.filter(recipient=recipient).exists()


def requests_for(recipient: Account, page: Page) -> list[NotificationRequest]:
    """The recipient's pending requests, newest first; suspended senders' are left out, as on Mastodon."""
    queryset = NotificationRequest.objects.filter(
        recipient=recipient, from_account__suspended_at__isnull=True
    ).select_related("from_account", "last_post")
    return paginate(queryset, page, key="id")


def policy_summary(recipient: Account) -> dict[str, int]:
    """Mastodon's policy summary: senders with pending requests (capped at 100) and the notifications held."""
    pending = NotificationRequest.objects.filter(recipient=recipient, from_account__suspended_at__isnull=True)
    return {
        "pending_requests_count": min(pending.count(), 100),
        "pending_notifications_count": pending.aggregate(n=Sum("notifications_count"))["n"] or 0,
    }
