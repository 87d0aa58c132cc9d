"""Id-based pagination, Mastodon style: max_id (older than), since_id (newer than), min_id (just newer than)."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
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
    rows = list(_paged(queryset, page, key))
    if page.min_id is not None:
        rows.reverse()
    return rows


def _paged(queryset: QuerySet, page: Page, key: str) -> QuerySet:
    """The page's slice of `queryset`: newest first, or, after `min_id`, the oldest first."""
    if page.max_id is not None:
        queryset = queryset.filter(**{f"{key}__lt": page.max_id})
    if page.since_id is not None:
        queryset = queryset.filter(**{f"{key}__gt": page.since_id})
    if page.min_id is not None:
        return queryset.filter(**{f"{key}__gt": page.min_id}).order_by(key)[: page.limit]
    return queryset.order_by(f"-{key}")[: page.limit]


# Stand-ins for a page's bounds and a shape's ids while its SQL is compiled: negative, never a real id here.
_STAND_IN = -7_919_000_000
_BOUNDS = ("max_id", "since_id", "min_id")
_COMPILED: dict[Hashable, tuple[str, list, bool]] = {}
COMPILED_SHAPES = 512  # kept at most: shapes are named by request parameters (a notification type list...)


def paginate_compiled(
    shape: Hashable, build: Callable[..., QuerySet], page: Page, *, key: str = "id", **ids: int
) -> list:
    """`paginate(build(**ids), page, key=key)` for a queryset of ids (`values_list` of one integer column, read
    without converters) whose SQL is compiled once per shape: the ORM spent about 0.35 ms building and
    compiling a timeline's page query, four times the query itself on SQLite (bench/README.md).

    `build` must make the same SQL for the same `shape` whatever the `ids` it is given, each of them used as a
    plain parameter: `shape` names everything else that changes the query. Nothing the viewer may or may not
    read belongs here: such rules are asked where they are written (posts.visibility)."""
    bounds = tuple(name for name in _BOUNDS if getattr(page, name) is not None)
    cache_key = (shape, key, bounds, page.limit, tuple(ids))
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        names = [*bounds, *ids]
        stand_ins = {name: _STAND_IN - n for n, name in enumerate(names)}
        stand_in_page = Page(limit=page.limit, **{name: stand_ins[name] for name in bounds})
        queryset = _paged(build(**{name: stand_ins[name] for name in ids}), stand_in_page, key)
        sql, params = queryset.query.sql_with_params()
        by_value = {value: name for name, value in stand_ins.items()}
        # Each parameter: the name of a bound or id to put in, with the type the ORM gave it (psycopg's Int8 for
        # a foreign key on PostgreSQL), or None and a constant of the shape.
        slots = [
            (by_value[p], type(p))
            if isinstance(p, int) and not isinstance(p, bool) and p in by_value
            else (None, p)
            for p in params
        ]
        missing = set(names) - {name for name, _ in slots if name is not None}
        if missing:  # a value went into the SQL in another form: there would be nothing to put it back into
            raise ValueError(
                f"paginate_compiled: the SQL of {shape!r} has no parameter for {sorted(missing)}"
            )
        if len(_COMPILED) >= COMPILED_SHAPES:  # shapes named by request parameters: kept within bounds
            _COMPILED.clear()
        compiled = _COMPILED[cache_key] = (sql, slots, page.min_id is not None)
    sql, slots, oldest_first = compiled
    values = []
    for name, constant_or_type in slots:
        if name is None:
            values.append(constant_or_type)
        else:
            values.append(constant_or_type(getattr(page, name) if name in _BOUNDS else ids[name]))
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, values)
        rows = [row[0] for row in cursor.fetchall()]
    if oldest_first:
        rows.reverse()
    return rows
