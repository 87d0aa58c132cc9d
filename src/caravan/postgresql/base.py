"""Django's PostgreSQL backend, reading `timestamptz` columns with psycopg's C loader.

Django registers its own loader for `timestamptz` on every connection: a Python subclass of psycopg's pure
Python loader that parses each value and then sets Django's time zone on it. A page of 40 statuses reads about
170 such values (posts, authors, polls, cards), and loading 40 posts' rows took 0.65 ms of CPU with it against
0.26 ms with psycopg's C loader (bench/README.md, "Issue 14: PostgreSQL reads, fourth session").

The C loader gives the same values when the server's time zone is Django's: Django sets the session's
`TimeZone` to its own zone, and the loader attaches the connection's zone, which psycopg maps to
`datetime.timezone.utc` for UTC, as Django does. It is used only for UTC (Caravan's setting) and when psycopg's
C build is installed; otherwise this is Django's backend unchanged.
"""

from datetime import UTC

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

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self._c_loader_fits():
            connection.adapters.register_loader("timestamptz", CTimestamptzLoader)
        return connection

    def create_cursor(self, name=None):
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if loader is not CTimestamptzLoader:
            return super().create_cursor(name)
        if self._c_loader_fits():
            # Django's own check would read `loader.timezone`, which the C loader has not: it agrees here.
            return self._plain_cursor(name)
        # Django's zone changed since the connection was made (a test's override_settings): its own loader.
        cursor = self._plain_cursor(name)
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
