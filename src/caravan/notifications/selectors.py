"""Reading notifications."""

from django.db.models import QuerySet

from caravan.accounts.models import Account
from caravan.notifications.models import Marker, Notification
from caravan.pagination import Page, paginate


def notifications_for(
    recipient: Account,
    page: Page,
    *,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
    from_account_id: int | None = None,
) -> list[Notification]:
    queryset: QuerySet[Notification] = Notification.objects.filter(recipient=recipient).select_related(
        "from_account", "post"
    )
    if types:
        queryset = queryset.filter(type__in=types)
    if exclude_types:
        queryset = queryset.exclude(type__in=exclude_types)
    if from_account_id:
        queryset = queryset.filter(from_account_id=from_account_id)
    return paginate(queryset, page, key="id")


def unread_count(recipient: Account) -> int:
    marker = Marker.objects.filter(account=recipient, timeline="notifications").first()
    last_read = marker.last_read_id if marker else 0
    return Notification.objects.filter(recipient=recipient, id__gt=last_read).count()
