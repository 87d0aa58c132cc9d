"""ASGI entry point: Django for HTTP, Channels for the streaming WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()


def _build():
    from channels.routing import ProtocolTypeRouter

    from caravan.federation.asgi_inbox import InboxFrontend

    # Inbox POSTs take a lean path (signature check, durable queue, 202); everything else is Django.
    routes = {"http": InboxFrontend(django_application)}
    try:
        from caravan.api.streaming import websocket_application
    except ImportError:
        websocket_application = None
    if websocket_application is not None:
        routes["websocket"] = websocket_application
    return ProtocolTypeRouter(routes)


application = _build()
