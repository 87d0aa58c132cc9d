"""Plain multi-row INSERTs for the few bulk paths (imports), and plain reads of rows by key for the hot read
paths: the SQL is built once per model, not per call.

Django's bulk_create spends most of a 100,000-post import building SQL; `insert_rows` is the same insert, made
cheaply. Objects must already carry their primary keys (or have an auto-increment one left unset).
Django compiles a queryset's SQL on every call: for a page of 40 posts with their authors that compiling was
about a third of loading them (bench/api_reads.py). `select_rows` is the same SELECT, with the same converters,
giving the same model instances.
"""

import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import orjson
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import models as m
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.constants import OnConflict
from django.utils.dateparse import parse_datetime

# Fields whose database value is the attribute itself (ints, strings, booleans, floats, foreign key ids):
# both backends' drivers adapt these as they are. Others (dates, JSON, files) go through the field.
PLAIN_FIELDS = (m.CharField, m.TextField, m.IntegerField, m.BooleanField, m.FloatField, m.ForeignKey)


def _plain(field: m.Field) -> bool:
    if isinstance(field, m.ForeignKey):
        return isinstance(field.target_field, m.IntegerField)
    return isinstance(field, PLAIN_FIELDS) and not isinstance(field, m.GenericIPAddressField)


def insert_rows(model: type[m.Model], objects: list[m.Model], *, ignore_conflicts: bool = False) -> None:
    if not objects:
        return
    # The real connection, not the `django.db.connection` proxy (a thread-local lookup on every use).
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not (isinstance(f, m.AutoField | m.BigAutoField) and getattr(objects[0], f.attname) is None)
    ]
    ops = connection.ops
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES ({placeholders})"
    )
    if ignore_conflicts:
        sql += " " + ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    plain = [(f, f.attname, _plain(f)) for f in fields]
    rows = [
        [
            getattr(obj, name) if is_plain else field.get_db_prep_save(field.pre_save(obj, True), connection)
            for field, name, is_plain in plain
        ]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            # One post's rows: psycopg's executemany sets up a pipeline (110 against 80 µs of CPU).
            cursor.execute(sql, rows[0])
        else:
            for start in range(0, len(rows), 2000):
                cursor.executemany(sql, rows[start : start + 2000])
    if not ignore_conflicts:
        # Every row exists now: a later save() of one of these objects updates it, as after bulk_create.
        for obj in objects:
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


@cache
def _select(model: type[m.Model], vendor: str) -> tuple[str, list[str], list[tuple[int, list, m.Field]]]:
    """The SELECT of every concrete column of `model` (up to its WHERE), their attribute names, and the
    converters Django's compiler would apply to each column (dates and booleans on SQLite, JSON, decimals...)."""
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    ops = connection.ops
    fields = list(meta.concrete_fields)
    utc_sqlite = vendor == "sqlite" and connection.timezone_name == "UTC"

    def column_sql(field: m.Field) -> str:
        name = ops.quote_name(field.column)
        if utc_sqlite and isinstance(field, m.DateTimeField):
            # Read as text: the sqlite3 module would otherwise parse it through Django's Python converter
            # (registered for the declared type) before _sqlite_utc_datetime looks at it again.
            return f"CAST({name} AS TEXT)"
        return name

    columns = ", ".join(column_sql(f) for f in fields)
    sql = f"SELECT {columns} FROM {ops.quote_name(meta.db_table)} WHERE "  # noqa: S608 - names from the model
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        found = ops.get_db_converters(column) + column.get_db_converters(connection)
        if isinstance(field, m.JSONField) and field.decoder is None:
            found = [_json_value]  # what JSONField.from_db_value does, with orjson
        elif utc_sqlite and isinstance(field, m.DateTimeField):
            found = [_sqlite_utc_datetime]  # what the SQLite backend's converter does, in C
        elif vendor == "sqlite" and isinstance(field, m.BooleanField):
            # The sqlite3 module already made a bool of it, from the column's declared type "bool" (Django
            # registers that converter): Django's own would look at each of a page's ~300 again.
            found = [f for f in found if f != ops.convert_booleanfield_value]
        if found:
            converters.append((index, found, column))
    return sql, [f.attname for f in fields], converters


def _json_value(value, expression, connection):
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # beyond orjson (integers past 64 bits): as Django reads it
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value


def _sqlite_utc_datetime(value, expression, connection):
    # Never given NULL: select_rows skips converters for it.
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:  # not ISO 8601 as Python reads it: as Django's own converter would
            value = parse_datetime(value)
            if value is None:
                return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def among(column: str, values: list, vendor: str) -> tuple[str, list]:
    """`column` is one of `values` (not empty), as SQL and its parameters.

    On PostgreSQL, one array parameter: psycopg merges parameters into the statement in Python, element by
    element (a regular expression for each), and a long IN list cost it about 0.2 ms a statement. Integers
    (ids) go as one text literal of the array, which the server parses: psycopg's array dumper cost 0.75 ms of
    viewer_state's six lists of 40 ids (bench/README.md, "sixth session")."""
    if vendor == "postgresql":
        ints = all(type(value) is int for value in values)  # not bool: str(True) is no integer
        if ints and min(values) >= BIGINT_MIN and max(values) <= BIGINT_MAX:  # the server refuses wider ones
            return f"{column} = ANY(%s::bigint[])", [int_array(values)]
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def int_array(values) -> str:
    """Integers as the text of a PostgreSQL array (`%s::bigint[]`), one parameter the server parses."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def column(model: type[m.Model], field: str = "pk") -> str:
    """The quoted column of a field of `model` ("pk": its primary key), for SQL written around the ORM."""
    meta = model._meta
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(
        (meta.pk if field == "pk" else meta.get_field(field)).column
    )


@dataclass(frozen=True)
class Read:
    """The rows of `model` that meet `condition` (SQL on its own table, with its parameters). A read that
    `needs` another of the same `select_many` is not made when that one found nothing, where reads run one by
    one (SQLite: the tags of posts that have none); in one round trip it costs nothing to ask."""

    model: type[m.Model]
    condition: str
    params: list
    needs: "Read | None" = None

    @classmethod
    def among(cls, model: type[m.Model], values, key: str = "pk") -> "Read | None":
        """The rows whose `key` is among `values`; None when there are none to ask for."""
        values = list(values)
        if not values:
            return None
        return cls(model, *among(column(model, key), values, connections[DEFAULT_DB_ALIAS].vendor))

    @classmethod
    def via(cls, model: type[m.Model], other: "Read", field: str) -> "Read":
        """The rows of `model` that `field` of `other`'s rows points at (a subquery, so both can go in one
        round trip); not made one by one when `other` found nothing."""
        pointers = (
            f"SELECT {column(other.model, field)} FROM {other.model._meta.db_table} WHERE {other.condition}"  # noqa: S608
        )
        return cls(model, f"{column(model)} IN ({pointers})", other.params, needs=other)


def select_rows(model: type[m.Model], values, *, key: str = "pk") -> list[m.Model]:
    """The rows of `model` whose `key` is among `values`, as model instances (in no particular order)."""
    return select_many(Read.among(model, values, key))[0]


@dataclass(frozen=True)
class Rows:
    """The plain rows (tuples) of a statement of its own, with its parameters."""

    sql: str
    params: list
    needs: None = None  # as Read's: a statement of its own needs no other


def _statement(read: Read | Rows, vendor: str) -> str:
    return read.sql if isinstance(read, Rows) else _select(read.model, vendor)[0] + read.condition


# Rows read ahead (`ReadAhead`) for the code running inside it: {(statement, parameters): rows}.
_ahead: ContextVar[dict | None] = ContextVar("caravan_reads_ahead", default=None)


def select_many(*reads: Read | Rows | None) -> list[list]:
    """Each read's rows: model instances for a `Read` (in no particular order), tuples for `Rows`, none for
    None.

    On PostgreSQL the reads go in one round trip: a page of statuses made 16 round trips of 0.1-0.3 ms each,
    more than their planning and execution on the server (bench/README.md, "sixth session"). Each is a
    statement prepared there and planned once (`caravan.postgresql`'s `prepared_reads`, decision 0052), so
    every statement given here must be one whose plan suits any parameters: a read by key. SQLite runs in the
    process: one statement after another. A read made ahead (`ReadAhead`) is taken from there."""
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = connection.vendor
    ahead = _ahead.get()
    found: list[list | None] = [None] * len(reads)
    asked: list[tuple[int, str]] = []
    for index, read in enumerate(reads):
        if read is None:
            found[index] = []
            continue
        statement = _statement(read, vendor)
        if ahead and (rows := ahead.pop(_key(statement, read.params), None)) is not None:
            found[index] = rows
        else:
            asked.append((index, statement))
    positions = {id(reads[index]): number for number, (index, _) in enumerate(asked)}
    statements = [
        (statement, reads[index].params, positions.get(id(reads[index].needs))) for index, statement in asked
    ]
    for (index, _), rows in zip(asked, _run(statements, connection), strict=True):
        found[index] = rows
    return [
        rows if isinstance(read, Rows | None) else _instances(read.model, rows, connection)
        for read, rows in zip(reads, found, strict=True)
    ]


def _key(statement: str, params: list) -> tuple:
    return statement, tuple(tuple(p) if isinstance(p, list) else p for p in params)


class ReadAhead:
    """On PostgreSQL, reads made now, in one round trip, for the code run inside `with` this object to find:
    the first `select_many` (or `select_rows`) asking the very same statement and parameters gets these rows
    instead of querying. A read asked differently, or again, is queried as usual, so a read made ahead in
    vain costs only its own work. Only for reads whose rows cannot change meanwhile (a page being rendered).
    On SQLite nothing is read ahead."""

    def __init__(self, *reads: Read | Rows | None) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        asked = [
            (_statement(read, connection.vendor), read.params, None) for read in reads if read is not None
        ]
        if connection.vendor != "postgresql":
            asked = []  # in the process, a statement costs no round trip: each is made where it is asked
        self._rows = {
            _key(statement, params): rows
            for (statement, params, _), rows in zip(asked, _run(asked, connection), strict=True)
        }
        self._tokens: list = []

    def __enter__(self) -> "ReadAhead":
        self._tokens.append(_ahead.set(self._rows))
        return self

    def __exit__(self, *exc) -> None:
        _ahead.reset(self._tokens.pop())


def _run(statements: list[tuple[str, list, int | None]], connection) -> list[list]:
    """The rows of each (statement, parameters, the position of the one it needs): prepared statements in one
    round trip on PostgreSQL, one after another on SQLite (skipping a statement whose needed one found
    nothing)."""
    if not statements:
        return []
    found: list[list] = []
    if connection.vendor == "postgresql":
        with connection.prepared_reads([(sql, params) for sql, params, _ in statements]) as cursor:
            cursor.execute(
                "; ".join(sql for sql, _, _ in statements),
                [param for _, params, _ in statements for param in params],
            )
            found.append(cursor.fetchall())
            while cursor.nextset():
                found.append(cursor.fetchall())
        return found
    with connection.cursor() as cursor:
        for sql, params, needs in statements:
            if needs is not None and not found[needs]:
                found.append([])
                continue
            cursor.execute(sql, params)
            found.append(cursor.fetchall())
    return found


def _instances(model: type[m.Model], rows: list, connection) -> list[m.Model]:
    _, names, converters = _select(model, connection.vendor)
    objects = []
    # What Model.from_db does, less the per-field loop of Model.__init__ (a third of loading a page's authors,
    # who have 45 fields): every concrete field's value goes straight into the instance's __dict__, where
    # __init__ would have put it. Only while nothing listens to the model's init signals.
    plain = not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))
    new, update = model.__new__, dict.update
    for row in rows:
        if converters:
            row = list(row)
            for index, functions, expression in converters:
                value = row[index]
                if value is None:  # every converter gives None back for NULL (most of an account's dates)
                    continue
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
        if plain:
            obj = new(model)
            update(obj.__dict__, zip(names, row, strict=True))
            state = obj._state = ModelState()
            state.adding, state.db = False, DEFAULT_DB_ALIAS
        else:
            obj = model.from_db(DEFAULT_DB_ALIAS, names, row)
        objects.append(obj)
    return objects
