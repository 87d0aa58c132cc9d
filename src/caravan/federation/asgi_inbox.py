"""A lean ASGI front for the inboxes. Busy servers receive far more activities than page views, and Django's
request cycle costs ~3 ms here; this path reads the body (size-limited), checks it with the same
`verification.verify_inbox_post` as the Django view (keys cached in memory), stores the activity as an
InboxItem in micro-batched transactions, answers 202 once it is committed, and leaves applying it to the
`process_inbox` task. When the queue's backlog passes CARAVAN_INBOX_BACKLOG_LIMIT it answers 503 with
Retry-After instead of queueing without bound. Every other request goes to Django.
"""

import asyncio
import logging
import re
import time

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation

from caravan.federation.signatures import IncomingRequest
from caravan.federation.verification import (
    MAX_INBOX_BYTES,
    InboxRefusal,
    KeyCache,
    verify_inbox_post,
)
from caravan.worker import wake

logger = logging.getLogger(__name__)

INBOX_PATH = re.compile(r"^/(?:inbox|actor/inbox|users/(?P<username>[A-Za-z0-9_]{1,64})/inbox)$")
BATCH = 500
BACKLOG_CHECK_SECONDS = 1.0
RETRY_AFTER_SECONDS = 60


def backlog_exceeded(limit: int) -> bool:
    """Whether more than `limit` activities wait in the queue (counting stops at limit + 1)."""
    from caravan.federation.models import InboxItem

    if limit <= 0:
        return False
    return InboxItem.objects.filter(state=InboxItem.QUEUED).order_by()[: limit + 1].count() > limit


def store_items(items: list[tuple[int, bytes]]) -> None:
    """Commit a batch of verified activities and make sure a task will process them."""
    from django.db import transaction

    from caravan.federation.models import InboxItem
    from caravan.federation.tasks import process_inbox

    with transaction.atomic():
        InboxItem.objects.bulk_create([InboxItem(signer_id=signer, body=body) for signer, body in items])
        wake(process_inbox)


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


async def _respond(send, status: int, message: str = "", headers: list | None = None) -> None:
    body = orjson.dumps({"error": message}) if message else b""
    all_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": all_headers + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class InboxFrontend:
    """ASGI middleware: POSTs to an inbox are handled here, everything else by `app`."""

    def __init__(self, app) -> None:
        self.app = app
        self.batchers: dict[int, _Batcher] = {}
        self.keys = KeyCache()
        self.backlog_full = False
        self.backlog_checked_at = 0.0

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
                    if int(value) > MAX_INBOX_BYTES:
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
            if size > MAX_INBOX_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _backlog_exceeded(self) -> bool:
        """The queue's backlog against the limit, counted at most once a second per process."""
        now = time.monotonic()
        if now - self.backlog_checked_at >= BACKLOG_CHECK_SECONDS:
            self.backlog_checked_at = now
            limit = settings.CARAVAN["INBOX_BACKLOG_LIMIT"]
            self.backlog_full = await sync_to_async(backlog_exceeded, thread_sensitive=False)(limit)
        return self.backlog_full

    async def handle(self, scope, receive, send, username: str | None) -> None:
        if await self._backlog_exceeded():
            retry_after = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
            return await _respond(send, 503, "too many activities are waiting; try again later", retry_after)
        body = await self._read_body(scope, receive)
        if body is None:
            return await _respond(send, 413, "activity too large")
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
            try:
                # A known key and user are checked right here on the event loop (no thread hop: ~20% of ingest
                # throughput); Django refuses a database query here, and then the check runs in a thread.
                verified = verify_inbox_post(incoming, username=username, cache=self.keys)
            except SynchronousOnlyOperation:
                verify = sync_to_async(verify_inbox_post, thread_sensitive=False)
                verified = await verify(incoming, username=username, cache=self.keys)
        except InboxRefusal as refusal:
            return await _respond(send, refusal.status, refusal.message)
        if verified.signer is None:
            return await _respond(send, 202)
        loop_id = id(asyncio.get_running_loop())
        batcher = self.batchers.setdefault(loop_id, _Batcher())
        try:
            await batcher.add(verified.signer.account_id, body)
        except Exception:  # noqa: BLE001
            return await _respond(send, 503, "try again later")
        return await _respond(send, 202)
