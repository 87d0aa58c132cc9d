"""The streaming endpoints: server-sent events under /api/v1/streaming/* and the WebSocket at
/api/v1/streaming. A request names a stream; its token must allow it (`keys_for`), and the connection then
listens on that stream's hub keys.
"""

import asyncio
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.db import close_old_connections
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from caravan.accounts.models import User
from caravan.api.http import _lookup_token, bearer_token, error_response, parse_id
from caravan.api.streaming.hubs import Subscriber, hub, stream_name
from caravan.api.streaming.rendering import AccessEnded, next_frames
from caravan.posts.rendering import normalize_tag
from caravan.timelines.models import List

HEARTBEAT_SECONDS = 15.0


# --- which hub keys a requested stream listens on ---


class StreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def required_scope(stream: str) -> str:
    """The scope a token needs for a stream: the notifications stream wants `read:notifications`, every
    other one carries statuses (Mastodon's streaming server decides the same way)."""
    return "read:notifications" if stream == "user:notification" else "read:statuses"


def keys_for(stream: str, query: dict[str, str], account_id: int, scopes: frozenset[str]) -> list[str]:
    if required_scope(stream) not in scopes:
        raise StreamError(401, "Error: Access token does not have the required scopes")
    media = query.get("only_media", "").lower() in ("1", "true", "t", "on")
    if stream == "user":
        return [f"user:{account_id}"]
    if stream == "user:notification":
        return [f"user:notification:{account_id}"]
    if stream in ("public", "public:local", "public:remote"):
        return [f"{stream}:media" if media else stream]
    if stream.endswith(":media") and stream.removesuffix(":media") in (
        "public",
        "public:local",
        "public:remote",
    ):
        return [stream]
    if stream in ("hashtag", "hashtag:local"):
        tag = normalize_tag(query.get("tag", "").lstrip("#"))
        if not tag:
            raise StreamError(400, "No tag for stream provided")
        return [f"hashtag:{'local' if stream == 'hashtag:local' else 'all'}:{tag}"]
    if stream == "list":
        list_id = query.get("list", "")
        number = parse_id(list_id)
        if not List.objects.filter(pk=number, owner_id=account_id).exists():
            raise StreamError(404, "Record not found")
        return [f"list:{number}"]  # the key publishers use, however the client wrote the id
    if stream == "direct":
        return [f"direct:{account_id}"]
    raise StreamError(400, "Unknown stream type")


def account_for_token(token: str) -> tuple[int, frozenset[str], list[str]]:
    """The account id a user token belongs to, the scopes it grants, and the keys on which the connection
    hears that its access ended; StreamError 401 when there is none (streams need a user whose account is
    usable). Each stream then checks its own scope (`keys_for`)."""
    close_old_connections()
    info = _lookup_token(token) if token else None
    if info is None or info.user_id is None:
        raise StreamError(401, "Error: Missing access token")
    if not ({"read", "read:statuses", "read:notifications"} & info.scopes):
        raise StreamError(401, "Error: Access token does not have the required scopes")
    users = User.objects.filter(pk=info.user_id, is_active=True, account__suspended_at__isnull=True)
    if settings.CARAVAN["CONFIRM_EMAIL"]:  # as the REST API: no stream before the address is confirmed
        users = users.filter(Q(email_confirmed_at__isnull=False) | Q(email=""))
    account_id = users.values_list("account_id", flat=True).first()
    if account_id is None:
        raise StreamError(401, "Error: Invalid access token")
    return account_id, info.scopes, [f"access:{account_id}", f"access:token:{info.token_id}"]


# The web pages' own streams: a signed-in page reads with its session, as it reads the page itself. A browser
# sends the session cookie with a WebSocket handshake from any site (WebSockets have no same-origin rule), so the
# cookie counts only when the handshake's Origin is this server's own: a page elsewhere cannot listen as the
# person (cross-site WebSocket hijacking). The session reads what its pages read, and nothing is written here.
SESSION_SCOPES = frozenset({"read", "read:statuses", "read:notifications"})


def own_origin() -> str:
    parts = urlsplit(settings.BASE_URL)
    return f"{parts.scheme}://{parts.netloc}".lower()


def account_for_session(headers: dict[str, str]) -> tuple[int, frozenset[str], list[str]]:
    """The signed-in web session's account, its read scopes and access keys; StreamError 401 unless the
    handshake came from one of this server's pages (Origin) with a live session of a usable account."""
    close_old_connections()
    if headers.get("origin", "").strip().lower() != own_origin():
        raise StreamError(401, "Error: Missing access token")
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except CookieError:
        raise StreamError(401, "Error: Missing access token") from None
    morsel = cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is None or not morsel.value:
        raise StreamError(401, "Error: Missing access token")
    session = import_module(settings.SESSION_ENGINE).SessionStore(morsel.value)
    # Django's own check: the session's user, its backend, and the password hash it was made with.
    user = get_user(SimpleNamespace(session=session))
    if not user.is_authenticated:
        raise StreamError(401, "Error: Invalid access token")
    account_id = (
        User.objects.filter(pk=user.pk, is_active=True, account__suspended_at__isnull=True)
        .values_list("account_id", flat=True)
        .first()
    )
    if account_id is None:
        raise StreamError(401, "Error: Invalid access token")
    return account_id, SESSION_SCOPES, [f"access:{account_id}"]


# --- server-sent events ------------------------------------------------------------------------------------


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("OK", content_type="text/plain")


async def sse(request: HttpRequest, stream: str) -> HttpResponse:
    stream = stream.strip("/").replace("/", ":")
    query = dict(request.GET.items())
    try:
        account_id, scopes, access_keys = await sync_to_async(account_for_token)(bearer_token(request))
        keys = await sync_to_async(keys_for)(stream, query, account_id, scopes)
    except StreamError as error:
        return error_response(error.status, error.message)
    local = hub()
    subscriber = Subscriber()
    subscriber.notifications = "read:notifications" in scopes
    name = stream_name(stream, query)
    for key in keys:
        subscriber.name(key, name)
    for key in keys + access_keys:
        await local.add(subscriber, key)

    async def messages():
        pump = asyncio.ensure_future(local.pump(subscriber))
        try:
            yield b":)\n\n"
            while True:
                try:
                    # Only the wait is timed: a batch taken from the queue is always rendered and sent.
                    # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation (the client
                    # went away) that arrives as a message does.
                    async with asyncio.timeout(HEARTBEAT_SECONDS):
                        first = await subscriber.get()
                except TimeoutError:
                    yield b":thump\n\n"
                    continue
                frames = await next_frames(subscriber, account_id, first)
                for _stream, event, payload in frames:
                    yield f"event: {event}\ndata: {payload}\n\n".encode()
        except AccessEnded:
            return  # the response ends; a client that connects again is refused
        finally:
            pump.cancel()
            await local.close(subscriber)

    response = StreamingHttpResponse(messages(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- WebSocket ---


def _make_consumer():
    from channels.generic.websocket import AsyncWebsocketConsumer

    class StreamingConsumer(AsyncWebsocketConsumer):
        """`/api/v1/streaming`: subscribe/unsubscribe messages; frames carry `stream`, `event`, `payload`."""

        async def connect(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
            headers = {k.decode().lower(): v.decode() for k, v in self.scope.get("headers", [])}
            protocols = self.scope.get("subprotocols") or []
            token, protocol = "", None
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
            elif query.get("access_token"):
                token = query["access_token"]
            elif protocols:
                token = protocol = protocols[0]
            try:
                if token:
                    self.account_id, self.scopes, access_keys = await sync_to_async(account_for_token)(token)
                else:  # a page of this server, signed in: its session cookie, from its own origin only
                    self.account_id, self.scopes, access_keys = await sync_to_async(account_for_session)(
                        headers
                    )
            except StreamError:
                await self.close(code=4001)
                return
            self.hub = hub()
            self.subscriber = Subscriber()
            self.subscriber.notifications = "read:notifications" in self.scopes
            self.streams: dict[tuple, tuple[list[str], list[str]]] = {}  # subscription -> (name, keys)
            await self.accept(subprotocol=protocol)
            self.sender = asyncio.ensure_future(self._forward())
            self.pump = asyncio.ensure_future(self.hub.pump(self.subscriber))
            for key in access_keys:
                await self.hub.add(self.subscriber, key)
            if query.get("stream"):
                await self._subscribe(query["stream"], query)

        async def _forward(self) -> None:
            while True:
                try:
                    frames = await next_frames(self.subscriber, self.account_id)
                except AccessEnded:
                    await self.close(code=4001)
                    return
                for stream, event, payload in frames:
                    frame = {"stream": stream, "event": event}
                    if payload or event != "filters_changed":
                        frame["payload"] = payload
                    await self.send(text_data=orjson.dumps(frame).decode())

        async def _subscribe(self, stream: str, message: dict) -> None:
            query = {k: str(v) for k, v in message.items() if isinstance(v, str | int)}
            try:
                keys = await sync_to_async(keys_for)(stream, query, self.account_id, self.scopes)
            except StreamError as error:
                await self.send(
                    text_data=orjson.dumps({"error": error.message, "status": error.status}).decode()
                )
                return
            name = stream_name(stream, query)
            for key in keys:
                self.subscriber.name(key, name)
                await self.hub.add(self.subscriber, key)
            self.streams[(stream, query.get("tag", ""), query.get("list", ""))] = (name, keys)

        async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
            try:
                message = orjson.loads(text_data or bytes_data or b"{}")
            except orjson.JSONDecodeError:
                return
            if not isinstance(message, dict) or not isinstance(message.get("stream"), str):
                return
            if message.get("type") == "subscribe":
                await self._subscribe(message["stream"], message)
            elif message.get("type") == "unsubscribe":
                identity = (message["stream"], str(message.get("tag", "")), str(message.get("list", "")))
                name, removed = self.streams.pop(identity, (None, []))
                for key in removed:
                    if not self.subscriber.unname(key, name):
                        await self.hub.remove(self.subscriber, key)

        async def disconnect(self, code: int) -> None:
            for task_name in ("sender", "pump"):
                task = getattr(self, task_name, None)
                if task is not None:
                    task.cancel()
            if getattr(self, "subscriber", None) is not None:
                await self.hub.close(self.subscriber)

    return StreamingConsumer


def _websocket_application():
    from channels.routing import URLRouter
    from django.urls import re_path

    consumer = _make_consumer()
    return URLRouter([re_path(r"^api/v1/streaming/?$", consumer.as_asgi())])


websocket_application = _websocket_application()
