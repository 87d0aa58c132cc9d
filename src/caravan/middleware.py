"""Django's own middleware that only reads the request and writes headers, run on the event loop under ASGI.

Django runs a `MiddlewareMixin` middleware in an async chain by handing its `process_request` and
`process_response` to a thread each time (`sync_to_async`): two thread hops per middleware per request, about
0.15 ms each here, some 2 ms of every page and API call in all. Where a hook does no I/O (settings, headers,
cookies, a lazy user or session store) the hop buys nothing, so these call it directly; the session and
messages hop only when they will write (a modified session is saved, stored messages may go to the session).
CSRF's `process_view` (which reads a POST body) is still handed to a thread by Django. Should a hook here ever
touch the database on the event loop, Django raises `SynchronousOnlyOperation` rather than block: the suite
fails loudly, nothing waits silently.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.middleware import clickjacking, common, csrf, security


class _InLoop:
    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(_InLoop, security.SecurityMiddleware):
    pass


class CommonMiddleware(_InLoop, common.CommonMiddleware):
    pass


class AuthenticationMiddleware(_InLoop, auth.AuthenticationMiddleware):
    pass


class XFrameOptionsMiddleware(_InLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class CsrfViewMiddleware(_InLoop, csrf.CsrfViewMiddleware):
    """The token from the cookie and the cookie set again: headers only (CSRF_USE_SESSIONS is off)."""


class SessionMiddleware(sessions.SessionMiddleware):
    async def __acall__(self, request):
        self.process_request(request)  # a lazy store: the session is read where it is first used, in the view
        response = await self.get_response(request)
        if request.session.modified or settings.SESSION_SAVE_EVERY_REQUEST:
            return await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
        return self.process_response(request, response)  # cookies and Vary only


class MessageMiddleware(messages.MessageMiddleware):
    async def __acall__(self, request):
        self.process_request(request)  # a lazy storage
        response = await self.get_response(request)
        stored = getattr(request, "_messages", None)
        if stored is not None and (stored.used or stored.added_new):
            return await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
        return self.process_response(request, response)  # nothing to store
