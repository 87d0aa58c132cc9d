"""CORS for the client API: browser apps on any origin may call the API, the token and revoke endpoints and
the well-known documents (credentials travel in the Authorization header, never in cookies).
"""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/")
EXPOSED = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key"


class CorsMiddleware:
    # Sync and async: under ASGI a sync-only middleware costs two thread hops on every request.
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self._acall(request)
        if not request.path.startswith(CORS_PREFIXES):
            return self.get_response(request)
        response = _preflight(request) or self.get_response(request)
        return _allow(response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(CORS_PREFIXES):
            return await self.get_response(request)
        response = _preflight(request) or await self.get_response(request)
        return _allow(response)


def _preflight(request: HttpRequest) -> HttpResponse | None:
    if request.method != "OPTIONS" or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in request.META:
        return None
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "POST, PUT, DELETE, GET, PATCH, OPTIONS"
    response["Access-Control-Allow-Headers"] = request.META.get(
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "Authorization, Content-Type, Idempotency-Key"
    )
    response["Access-Control-Max-Age"] = "86400"
    return response


def _allow(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED
    return response
