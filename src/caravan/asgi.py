"""ASGI entry point: Django for HTTP, Channels for the streaming WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

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
