"""A lean ASGI front for the inboxes. Busy servers receive far more activities than page views, and Django's
request cycle costs ~3 ms here; this path checks size, JSON, the HTTP signature (keys cached in memory) and
the actor/origin rules itself, stores the activity as an InboxItem in micro-batched transactions, answers 202
once it is committed, and leaves applying it to the `process_inbox` task. Every other request goes to Django.
"""

import asyncio
import logging
import re

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings

from caravan.federation.signatures import IncomingRequest, SignatureError, parse_request_signature

logger = logging.getLogger(__name__)

INBOX_PATH = re.compile(r"^/(?:inbox|actor/inbox|users/(?P<username>[A-Za-z0-9_]{1,64})/inbox)$")
MAX_BODY = 1024 * 1024
BATCH = 500
MAX_CACHED_KEYS = 50_000

# key id -> (account id, actor uri, public key PEM, domain)
_keys: dict[str, tuple[int, str, str, str]] = {}
_local_usernames: set[str] = set()


def _lookup_key(key_id: str, refresh_uri: str = "") -> tuple[int, str, str, str] | None:
    from caravan.accounts.models import Account
    from caravan.federation import actors

    if refresh_uri:
        account = Account.objects.filter(uri=refresh_uri).first()
        account = actors.refresh_key(account) if account is not None else None
    else:
        account = actors.account_for_key(key_id)
    if account is None or not account.public_key_pem:
        return None
    entry = (account.id, account.uri, account.public_key_pem, account.domain)
    if len(_keys) >= MAX_CACHED_KEYS:
        _keys.clear()  # crude but bounded: the busy senders are back in the cache within seconds
    _keys[key_id] = entry
    return entry


def _local_user_exists(username: str) -> bool:
    from caravan.accounts.models import Account

    return Account.objects.filter(domain="", username__iexact=username, suspended_at__isnull=True).exists()


def _known_actor(uri: str) -> bool:
    from caravan.accounts.models import Account

    return Account.objects.filter(uri=uri).exists()


def store_items(items: list[tuple[int, bytes]]) -> None:
    """Commit a batch of verified activities and make sure a task will process them."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from caravan.federation.models import InboxItem
    from caravan.federation.tasks import process_inbox

    with transaction.atomic():
        InboxItem.objects.bulk_create([InboxItem(signer_id=signer, body=body) for signer, body in items])
        waiting = DBTaskResult.objects.ready().filter(task_path__endswith="process_inbox").exists()
        if not waiting:
            process_inbox.enqueue()


class _Batcher:
    """Gathers concurrent requests' activities into one INSERT transaction; each waits for its commit."""

    def __init__(self) -> None:
        self.pending: list[tuple[int, bytes, asyncio.Future]] = []
        self.runner: asyncio.Task | None = None

    async def add(self, signer_id: int, body: bytes) -> None:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((signer_id, body, future))
        if self.runner is None or self.runner.done():
            self.runner = asyncio.ensure_future(self._run())
        await future

    async def _run(self) -> None:
        store = sync_to_async(store_items, thread_sensitive=False)
        while self.pending:
            await asyncio.sleep(0.002)  # let concurrent requests join this batch
            batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
            try:
                await store([(signer, body) for signer, body, _ in batch])
            except Exception as error:  # noqa: BLE001 - each waiting request answers 503, none is lost silently
                logger.exception("could not store inbox items")
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for _, _, future in batch:
                    if not future.done():
                        future.set_result(None)


async def _respond(send, status: int, message: str = "") -> None:
    body = orjson.dumps({"error": message}) if message else b""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InboxFrontend:
    """ASGI middleware: POSTs to an inbox are handled here, everything else by `app`."""

    def __init__(self, app) -> None:
        self.app = app
        self.batchers: dict[int, _Batcher] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            match = INBOX_PATH.match(scope["path"])
            if match is not None:
                return await self.handle(scope, receive, send, match.group("username"))
        return await self.app(scope, receive, send)

    async def _read_body(self, scope, receive) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    if int(value) > MAX_BODY:
                        return None
                except ValueError:
                    return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def handle(self, scope, receive, send, username: str | None) -> None:
        body = await self._read_body(scope, receive)
        if body is None:
            return await _respond(send, 413, "activity too large")
        if username is not None and username.lower() not in _local_usernames:
            if not await sync_to_async(_local_user_exists, thread_sensitive=False)(username):
                return await _respond(send, 404, "not found")
            _local_usernames.add(username.lower())
        try:
            activity = orjson.loads(body)
        except orjson.JSONDecodeError:
            return await _respond(send, 400, "the body is not JSON")
        if not isinstance(activity, dict):
            return await _respond(send, 400, "an activity must be a JSON object")
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            path += "?" + scope["query_string"].decode("latin-1")
        incoming = IncomingRequest("POST", path, headers, body, scheme=settings.BASE_SCHEME)
        try:
            parsed = parse_request_signature(incoming)
        except SignatureError as error:
            return await _respond(send, 401, str(error))
        actor_uri = activity.get("actor") if isinstance(activity.get("actor"), str) else ""
        if (
            activity.get("type") == "Delete"
            and actor_uri
            and activity.get("object") == actor_uri
            and not await sync_to_async(_known_actor, thread_sensitive=False)(actor_uri)
        ):
            return await _respond(send, 202)  # an actor we never knew deleting itself: nothing to fetch
        entry = _keys.get(parsed.key_id)
        if entry is None:
            entry = await sync_to_async(_lookup_key, thread_sensitive=False)(parsed.key_id)
            if entry is None:
                return await _respond(send, 401, "the signing key cannot be found")
        if not parsed.verify(entry[2]):
            # The actor may have rotated its key: fetch it again, once.
            entry = await sync_to_async(_lookup_key, thread_sensitive=False)(parsed.key_id, entry[1])
            if entry is None or not parsed.verify(entry[2]):
                return await _respond(send, 401, "the signature does not verify")
        signer_id, signer_uri, _pem, _domain = entry
        from caravan.federation.actors import origin
        from caravan.federation.inbox import _id

        if _id(activity.get("actor")) != signer_uri:
            return await _respond(send, 401, "the activity's actor is not the signer")
        activity_id = _id(activity)
        if activity_id and origin(activity_id) != origin(signer_uri):
            return await _respond(send, 403, "the activity id is not on the actor's server")
        if not isinstance(activity.get("type"), str):
            return await _respond(send, 400, "an activity needs a type")
        loop_id = id(asyncio.get_running_loop())
        batcher = self.batchers.setdefault(loop_id, _Batcher())
        try:
            await batcher.add(signer_id, body)
        except Exception:  # noqa: BLE001
            return await _respond(send, 503, "try again later")
        return await _respond(send, 202)
