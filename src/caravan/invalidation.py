"""Caches kept in one process, emptied in every process.

A few reads are kept for seconds in each process: rendered statuses (`api.status_cache`) and access tokens
(`api.http`). When what one holds changes, `drop(cache, key)` empties this process's copy at
once, and again when the transaction commits, and tells every other process; before a process reads one of
these caches it applies what the others told (`catch_up`). A change that completed before a request began is
never served from a stale copy, in any process (decision 0044).

How the others are told depends on the database:
- SQLite (one machine): a row in the `caravan_invalidation` table, written in the changing transaction. SQLite
  commits one transaction at a time, so row ids come in commit order and a reader asks for the ids above the
  last one it saw: one indexed read per request.
- PostgreSQL with Redis (`CARAVAN_REDIS_URL`): an entry in a Redis stream, added when the transaction commits
  (before the response that made the change is sent); a reader asks for the entries after the last one it saw.
- PostgreSQL without Redis: concurrent transactions commit in any order, so ids say nothing about what a
  reader has missed. The caches are off (`enabled()` is False): every read goes to the database.

A process that has not looked for over STALE_SECONDS drops everything it holds (what it holds lives
`TTL` seconds at most anyway) and starts from the newest message; old messages can then be pruned.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

TABLE = "caravan_invalidation"  # the model is instance.models.CacheInvalidation (this layer has no models)
STREAM = "caravan:invalidations:"  # and the database's name: servers sharing a Redis keep apart
STALE_SECONDS = 30.0  # longer than any cache here keeps an entry
KEEP_SECONDS = 120.0  # messages older than this are pruned
BATCH = 1000  # a reader that finds this many messages at once drops everything instead
EVERYTHING = "*"

# cache name -> (drop these keys, drop everything)
_caches: dict[str, tuple[Callable[[list[str]], None], Callable[[], None]]] = {}
_lock = threading.Lock()
_cursor: list = [None, 0.0]  # [last message seen (row id or stream id), monotonic time of the last look]
_writes = [0]
_redis = []


def register(name: str, drop_keys: Callable[[list[str]], None], drop_all: Callable[[], None]) -> None:
    _caches[name] = (drop_keys, drop_all)


def _mode() -> str:
    if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        return "table"
    return "redis" if settings.REDIS_URL else "off"


def enabled() -> bool:
    """Whether the per-process caches may keep anything (see the module's note)."""
    return _mode() != "off"


def redis_client():
    """This process's client of CARAVAN_REDIS_URL (connections pooled, safe across threads), for what keeps state
    in Redis: this module's stream and streaming's register of listened keys."""
    if not _redis:
        import redis

        _redis.append(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5))
    return _redis[0]


def _apply(name: str, keys: list[str]) -> None:
    found = _caches.get(name)
    if found is None:
        return
    drop_keys, drop_all = found
    if EVERYTHING in keys:
        drop_all()
    else:
        drop_keys(keys)


def _drop_all_here() -> None:
    for _, drop_all in _caches.values():
        drop_all()


def drop(name: str, *keys: object) -> None:
    """Empty these keys of cache `name` here now and on commit, and in every other process (EVERYTHING: the
    whole cache)."""
    texts = [str(k) for k in keys]
    _apply(name, texts)
    transaction.on_commit(lambda: _apply(name, texts))
    mode = _mode()
    if mode == "table":
        rows = [(name, key, time.time()) for key in texts]
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.executemany(f"INSERT INTO {TABLE} (cache, key, at) VALUES (%s, %s, %s)", rows)  # noqa: S608
            _writes[0] += 1
            if _writes[0] % 500 == 0:
                cursor.execute(f"DELETE FROM {TABLE} WHERE at < %s", [time.time() - KEEP_SECONDS])  # noqa: S608
    elif mode == "redis":
        transaction.on_commit(lambda: _publish(name, texts))


def _stream() -> str:
    return STREAM + str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])


def _publish(name: str, keys: list[str]) -> None:
    pipe = redis_client().pipeline(transaction=False)
    for key in keys:
        pipe.xadd(_stream(), {"c": name, "k": key}, maxlen=100_000, approximate=True)
    pipe.execute()


def catch_up() -> None:
    """Apply what other processes told since this one last looked (call before reading a cache)."""
    mode = _mode()
    if mode == "off":
        return
    with _lock:
        now = time.monotonic()
        cursor, looked = _cursor
        if cursor is None or now - looked > STALE_SECONDS:
            _drop_all_here()
            _cursor[:] = [_newest(mode), now]
            return
        messages, cursor = _read(mode, cursor)
        _cursor[:] = [cursor, now]
    if len(messages) >= BATCH:
        _drop_all_here()
        return
    by_cache: dict[str, list[str]] = {}
    for name, key in messages:
        by_cache.setdefault(name, []).append(key)
    for name, keys in by_cache.items():
        _apply(name, keys)


def _newest(mode: str):
    if mode == "table":
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {TABLE}")  # noqa: S608
            return cursor.fetchone()[0] or 0
    newest = redis_client().xrevrange(_stream(), count=1)
    return newest[0][0] if newest else b"0-0"


def _read(mode: str, cursor):
    if mode == "table":
        with connections[DEFAULT_DB_ALIAS].cursor() as db:
            db.execute(
                f"SELECT id, cache, key FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [cursor, BATCH],
            )
            rows = db.fetchall()
        return [(name, key) for _, name, key in rows], (rows[-1][0] if rows else cursor)
    found = redis_client().xread({_stream(): cursor}, count=BATCH)
    entries = found[0][1] if found else []
    messages = [(fields[b"c"].decode(), fields[b"k"].decode()) for _, fields in entries]
    return messages, (entries[-1][0] if entries else cursor)


def forget_cursor() -> None:
    """Start afresh (tests that empty the database under a running process)."""
    _cursor[:] = [None, 0.0]
