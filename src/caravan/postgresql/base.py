"""Django's PostgreSQL backend, reading `timestamptz` columns with psycopg's C loader.

Django registers its own loader for `timestamptz` on every connection: a Python subclass of psycopg's pure
Python loader that parses each value and then sets Django's time zone on it. A page of 40 statuses reads about
170 such values (posts, authors, polls, cards), and loading 40 posts' rows took 0.65 ms of CPU with it against
0.26 ms with psycopg's C loader (bench/README.md, "Issue 14: PostgreSQL reads, fourth session").

The C loader gives the same values when the server's time zone is Django's: Django sets the session's
`TimeZone` to its own zone, and the loader attaches the connection's zone, which psycopg maps to
`datetime.timezone.utc` for UTC, as Django does. It is used only for UTC (Caravan's setting) and when psycopg's
C build is installed; otherwise this is Django's backend unchanged.

It also runs `caravan.bulk`'s reads by key as statements prepared on the server (`prepared_reads`): Django
binds every parameter on the client and sends each query as text, which the server parses and plans each
time; for those reads the planning cost more than the execution (decision 0052).
"""

from collections.abc import Sequence
from datetime import UTC
from types import SimpleNamespace

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader

try:
    from psycopg_binary._psycopg import TimestamptzLoader as CTimestamptzLoader
except ImportError:  # psycopg's pure Python build, or psycopg_c
    try:
        from psycopg_c._psycopg import TimestamptzLoader as CTimestamptzLoader
    except ImportError:
        CTimestamptzLoader = None


class DatabaseWrapper(base.DatabaseWrapper):
    def _c_loader_fits(self) -> bool:
        return CTimestamptzLoader is not None and self.timezone is UTC

    def get_connection_params(self):
        params = super().get_connection_params()
        # A prepared statement is planned once, for any parameters: only `prepared_reads` prepares any (reads by
        # key, where one plan fits every key), and PostgreSQL's default planned each of them again on every
        # run (choosing between a custom and a generic plan by cost, it kept the custom ones).
        params["options"] = f"{params.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self._c_loader_fits():
            connection.adapters.register_loader("timestamptz", CTimestamptzLoader)
        # Only the statements `prepared_reads` asks to prepare are prepared: Django's own queries bind on the
        # client and are never prepared, and no statement is prepared for having run often.
        connection.prepare_threshold = PREPARE_NEVER_BY_COUNT
        connection.prepared_max = PREPARED_MAX
        return connection

    def prepared_reads(self, statements: Sequence[tuple[str, list]]):
        """A cursor (Django's wrapper, so the query log and its counts see one query) whose `execute(sql,
        params)` runs `statements` (each a statement and its parameters; `sql` and `params` are only what the
        log shows: the statements joined), each prepared on the server the first time this connection runs
        it, all of them in one round trip; `fetchall` and `nextset` give each one's rows in turn."""
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparedReads(self, statements))

    def create_cursor(self, name=None):
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if loader is not CTimestamptzLoader:
            return super().create_cursor(name)
        return self.in_zone(self._plain_cursor(name))

    def in_zone(self, cursor):
        """`cursor`, reading timestamps in Django's zone: where the connection's loader does not (Django's zone
        changed since the connection was made: a test's override_settings), Django's own loader on it."""
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        # Django's own check reads `loader.timezone`, which the C loader has not.
        fits = self._c_loader_fits() if loader is CTimestamptzLoader else self.timezone == loader.timezone
        if not fits:
            register_tzloader(self.timezone, cursor)
        return cursor

    def _plain_cursor(self, name):
        """The cursor Django's create_cursor makes, before its check of the loader."""
        if not name:
            return self.connection.cursor()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            # A server-side cursor that still binds on the client, as Django's.
            return base.ServerSideCursor(
                self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
            )
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)


# psycopg prepares a statement that has run this many times; Django turns that off (prepare_threshold None),
# which also turns off preparing on request. So high that it never comes, as Django wants.
PREPARE_NEVER_BY_COUNT = 2**31
# Prepared statements a connection keeps (psycopg's default is 100): `bulk` has a few per model it reads.
PREPARED_MAX = 500


class PreparedReads:
    """What `DatabaseWrapper.prepared_reads` runs: psycopg cursors binding on the server, in pipeline mode."""

    def __init__(self, wrapper: DatabaseWrapper, statements: Sequence[tuple[str, list]]) -> None:
        self._wrapper, self._statements = wrapper, statements
        self._results: list[list] = []
        self._query = None  # what Django's query log reads back (`last_executed_query`)

    def execute(self, sql: str, params=None) -> None:
        connection = self._wrapper.connection
        cursors = []
        try:
            if len(self._statements) == 1:  # a pipeline costs more CPU than the round trip it would save
                cursors.append(self._cursor(connection))
                cursors[0].execute(*self._statements[0], prepare=True)
            else:
                with connection.pipeline():
                    for statement, statement_params in self._statements:
                        cursors.append(self._cursor(connection))
                        cursors[-1].execute(statement, statement_params, prepare=True)
            self._results = [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()
        self._query = SimpleNamespace(query=sql.encode())

    def _cursor(self, connection: psycopg.Connection) -> psycopg.Cursor:
        return self._wrapper.in_zone(psycopg.Cursor(connection))

    def fetchall(self) -> list:
        return self._results[0] if self._results else []

    def nextset(self) -> bool | None:
        if len(self._results) < 2:
            self._results = []
            return None
        self._results.pop(0)
        return True

    def close(self) -> None:
        self._results = []
