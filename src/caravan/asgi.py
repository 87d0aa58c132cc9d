"""ASGI entry point: Django for HTTP, Channels for the streaming WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")

import django  # noqa: E402
from asgiref.sync import iscoroutinefunction, sync_to_async  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.core.handlers.base import BaseHandler  # noqa: E402
from django.http import FileResponse  # noqa: E402
from django.urls import Resolver404, get_resolver, set_script_prefix  # noqa: E402


class OneHopHandler(ASGIHandler):
    """Django's ASGI handler, with all of a request's synchronous work done in one hop to its thread.

    Django's own handler hands a request to a thread four times: for the `request_started` signal, CSRF's
    `process_view`, the view, and `close()` (the `request_finished` signal), each a queue and a wake-up
    between the event loop and the thread. Here the body is read on the event loop, then one hop runs the
    signal, the middleware in their synchronous form (all of ours have one) and the view, and closes the
    response, as a WSGI server's thread would; the event loop sends the bytes. A streaming response (a file,
    a download) is sent and closed as Django does. Async views (the server-sent events stream) take
    Django's path unchanged. Decision 0048 has the figures."""

    def __init__(self) -> None:
        super().__init__()  # the async chain, for async views
        self.sync_handler = BaseHandler()
        self.sync_handler.load_middleware(is_async=False)

    def _is_async_view(self, path: str) -> bool:
        try:
            return iscoroutinefunction(get_resolver().resolve(path).func)
        except Resolver404:
            return False

    async def handle(self, scope, receive, send):
        if self._is_async_view(scope["path"]):
            return await super().handle(scope, receive, send)
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        """On the request's thread: what WSGIHandler.__call__ does, short of sending."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.sync_handler.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # as Django's: the server chunks what it sends
        if not response.streaming:
            response.close()  # request_finished: this thread's database connection is looked after here
        return response


def get_asgi_application() -> OneHopHandler:
    django.setup(set_prefix=False)
    return OneHopHandler()


django_application = get_asgi_application()


class RequestThreads:
    """Runs each HTTP request's synchronous code (middleware, views, the ORM) on one of a few long-lived
    threads, rather than on a thread Django starts and joins for every request.

    A thread per request also meant a database connection per request (connections belong to threads):
    ~3 ms of every API call on SQLite went to opening one and registering its functions. On these threads
    connections persist (CONN_MAX_AGE) like under a WSGI server's thread pool. Each request still runs all
    its thread-sensitive code on one thread, as Django requires; docs/decisions/0012 has the figures.
    """

    def __init__(self, app, size: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.app = app
        self.executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"caravan-request-{n}") for n in range(size)
        ]
        self.active = [0] * size  # requests in progress per thread (a streaming response holds its thread)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from asgiref.sync import ThreadSensitiveContext

        index = min(range(len(self.active)), key=self.active.__getitem__)
        self.active[index] += 1
        try:
            async with ThreadSensitiveContext(executor=self.executors[index]):
                await self.app(scope, receive, send)
        finally:
            self.active[index] -= 1


def _build():
    # Imported here, after get_asgi_application() has set Django up: no app module may load before that.
    from channels.routing import ProtocolTypeRouter
    from django.conf import settings

    from caravan.federation.asgi_inbox import InboxFrontend

    # Inbox POSTs take a lean path (signature check, durable queue, 202); everything else is Django.
    threads = settings.CARAVAN["REQUEST_THREADS"]
    django_http = RequestThreads(django_application, threads) if threads else django_application
    routes = {"http": InboxFrontend(django_http)}
    try:
        from caravan.api.streaming.endpoints import websocket_application
    except ImportError:
        websocket_application = None
    if websocket_application is not None:
        routes["websocket"] = websocket_application
    return ProtocolTypeRouter(routes)


application = _build()
