"""Id-based pagination, Mastodon style: max_id (older than), since_id (newer than), min_id (just newer than)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from caravan import error_codes
from caravan.errors import DomainError
from caravan.ids import parse_int64

MAX_LIMIT = 80


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    @classmethod
    def from_params(cls, params, default_limit: int = 20, max_limit: int = MAX_LIMIT) -> "Page":
        """Read a page from a mapping of request parameters; bad numbers get a clear error."""

        def as_id(name: str) -> int | None:
            value = params.get(name)
            if value in (None, ""):
                return None
            number = parse_int64(value)
            if number is None or number < 0:
                raise DomainError(error_codes.PAGE_ID_NOT_NUMERIC, field=name, name=name)
            return number

        limit_value = params.get("limit")
        limit = default_limit if limit_value in (None, "") else parse_int64(limit_value)
        if limit is None:
            raise DomainError(error_codes.PAGE_LIMIT_NOT_NUMBER, field="limit")
        return cls(
            max_id=as_id("max_id"),
            since_id=as_id("since_id"),
            min_id=as_id("min_id"),
            limit=max(1, min(limit, max_limit)),
        )


def paginate(queryset: QuerySet, page: Page, *, key: str = "id") -> list:
    """Apply a page to a queryset ordered by `key`; always returns newest first."""
    if page.max_id is not None:
        queryset = queryset.filter(**{f"{key}__lt": page.max_id})
    if page.since_id is not None:
        queryset = queryset.filter(**{f"{key}__gt": page.since_id})
    if page.min_id is not None:
        rows = list(queryset.filter(**{f"{key}__gt": page.min_id}).order_by(key)[: page.limit])
        rows.reverse()
        return rows
    return list(queryset.order_by(f"-{key}")[: page.limit])
