"""The client API's HTTP conventions in one place: bearer-token auth and scopes, JSON (orjson) responses,
Mastodon errors (`{"error": ...}` with the right status), rate-limit headers and Link pagination headers.
"""

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from caravan import error_codes, invalidation
from caravan.accounts.models import Account, User
from caravan.accounts.security import email_confirmed
from caravan.api.params import Params, read_params
from caravan.api.scopes import expand
from caravan.bulk import Read, select_many, select_rows
from caravan.error_codes import ErrorKind
from caravan.errors import DomainError, Throttled
from caravan.ids import id_from_text
from caravan.throttling import client_address

logger = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 10.0
RATE_WINDOW = 300


@dataclass(frozen=True)
class TokenInfo:
    token_id: int
    user_id: int | None
    application_id: int
    scopes: frozenset[str]
    checksum: str  # of the token itself: unique even across databases, unlike token_id


# token checksum -> (valid until, TokenInfo | None). Revoking drops the entry in every process before any later
# request reads it (`caravan.invalidation`); where that cannot be told across processes nothing is kept.
_tokens: dict[str, tuple[float, TokenInfo | None]] = {}
TOKENS = "tokens"


class ApiError(DomainError):
    """A refusal of the client API itself (a token, a scope, a rate limit, Mastodon's "Validation failed"),
    with what Mastodon sends besides the message: `details` in the body, `headers` on the answer."""

    def __init__(
        self, kind: ErrorKind, /, *, details: dict | None = None, headers: dict | None = None, **params: Any
    ) -> None:
        super().__init__(kind, **params)
        self.details, self.headers = details, headers


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, message: str, **extra: Any) -> HttpResponse:
    return json_response({"error": message, **extra}, status=status)


def refusal(error: DomainError) -> HttpResponse:
    """Mastodon's error answer: `{"error": message}` in the request's language, with its status (and the
    details of a registration that failed validation)."""
    details = {"details": error.details} if isinstance(error, ApiError) and error.details else {}
    return error_response(error.status, error.message, **details)


def token_checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def forget_token(token: str) -> None:
    invalidation.drop(TOKENS, token_checksum(token))


def forget_checksums(checksums: list[str]) -> None:
    """Revoked tokens (`tokens.revoked`) stop working in every process at once, not after the cache's TTL."""
    if checksums:
        invalidation.drop(TOKENS, *checksums)


def _lookup_token(token: str) -> TokenInfo | None:
    from oauth2_provider.models import AccessToken

    checksum = token_checksum(token)
    now = time.monotonic()
    caching = invalidation.enabled()
    if caching:
        invalidation.catch_up()  # what other processes changed before this request
        cached = _tokens.get(checksum)
        if cached is not None and cached[0] > now:
            return cached[1]
    # A plain read by key (SQL built once): the ORM spent more building this query than running it.
    rows = select_rows(AccessToken, [checksum], key="token_checksum")
    row = min(rows, key=lambda found: found.pk) if rows else None
    info = None
    if row is not None and (row.expires is None or row.expires > datetime.now(UTC)):
        info = TokenInfo(
            row.id, row.user_id, row.application_id, frozenset(expand(row.scope.split())), checksum
        )
    if caching:
        if len(_tokens) > 50_000:
            _tokens.clear()
        _tokens[checksum] = (now + TOKEN_CACHE_SECONDS, info)
    return info


def bearer_token(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.GET.get("access_token", "") or (
        request.POST.get("access_token", "")
        if request.method == "POST" and request.content_type != "application/json"
        else ""
    )


def authenticate(request: HttpRequest) -> None:
    """Set request.token (TokenInfo|None), request.viewer (Account|None) and request.api_user (User|None),
    and activate the user's interface language."""
    request.token, request.viewer, request.api_user = None, None, None
    token = bearer_token(request)
    if not token:
        return
    info = _lookup_token(token)
    if info is None:
        raise ApiError(error_codes.TOKEN_INVALID)
    request.token = info
    if info.user_id is not None:
        user = _load_user(info.user_id)
        if user is None or not user.is_active or user.account is None:
            raise ApiError(error_codes.TOKEN_INVALID)
        if user.account.suspended_at is not None:  # the moderators suspended it: the account is unusable
            raise ApiError(error_codes.ACCOUNT_SUSPENDED)
        if not email_confirmed(user):  # CARAVAN_CONFIRM_EMAIL: Mastodon's 403 until the link is followed
            raise ApiError(error_codes.EMAIL_NOT_CONFIRMED_API)
        request.api_user, request.viewer = user, user.account
        # As on the web pages: the user's interface language first, else what the middleware chose from
        # the request (Accept-Language). Error messages and validators speak it.
        if user.interface_language:
            translation.activate(user.interface_language)
            request.LANGUAGE_CODE = user.interface_language


def _load_user(user_id: int) -> User | None:
    """The token's user with its account, read fresh on every request (two plain reads by key, one round trip):
    whatever changed them (disabled, suspended, confirmed, deleted) holds at once in every process."""
    user_read = Read.among(User, [user_id])
    users, accounts = select_many(user_read, Read.via(Account, user_read, "account"))
    if not users:
        return None
    user = users[0]
    if user.account_id is not None:
        user._state.fields_cache["account"] = accounts[0] if accounts else None
    return user


def _forget_checksums_here(checksums: list[str]) -> None:
    for checksum in checksums:
        _tokens.pop(checksum, None)


invalidation.register(TOKENS, _forget_checksums_here, _tokens.clear)


def _rate_limit_headers(request: HttpRequest) -> dict[str, str]:
    limit = settings.CARAVAN["API_RATE_LIMIT"]
    if not limit:
        return {}
    now = int(time.time())
    window = now // RATE_WINDOW
    # Keyed by the token's checksum, not its row id: a shared Redis outlives any one database's ids.
    who = f"t{request.token.checksum[:32]}" if request.token else f"ip{client_address(request)}"
    key = f"api-rate:{who}:{window}"
    if cache.add(key, 1, RATE_WINDOW + 5):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:
            used = 1
    reset = datetime.fromtimestamp((window + 1) * RATE_WINDOW, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - used)),
        "X-RateLimit-Reset": reset,
    }
    if used > limit:
        raise ApiError(error_codes.RATE_LIMITED, headers=headers)
    return headers


def response_for_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """The JSON answer (`{"error": ...}`) for an exception raised while serving a client API request."""
    if isinstance(error, DomainError):
        return refusal(error)
    if isinstance(error, Http404 | ObjectDoesNotExist):
        return refusal(DomainError(error_codes.RECORD_NOT_FOUND))
    if isinstance(error, RequestDataTooBig):
        return refusal(DomainError(error_codes.REQUEST_TOO_LARGE))
    if isinstance(error, SuspiciousOperation | MultiPartParserError):  # a body Django refuses to read
        return refusal(DomainError(error_codes.REQUEST_UNREADABLE))
    # A client must always get JSON, even for our own bugs.
    logger.error("client API error on %s %s", request.method, request.path, exc_info=error)
    return refusal(DomainError(error_codes.INTERNAL_ERROR))


def json_errors(view: Callable) -> Callable:
    """For views outside `api()` (the OAuth token and revoke endpoints): any error is a JSON answer."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - every error becomes a JSON answer
            return response_for_error(request, error)

    return wrapper


def grants(token: TokenInfo, scope: str | tuple[str, ...]) -> bool:
    """Whether the token's scopes (parents expanded) include the scope, or one of the alternatives."""
    wanted = (scope,) if isinstance(scope, str) else scope
    return any(s in token.scopes for s in wanted)


def api(*, auth: str = "user", scope: str | tuple[str, ...] | None = None) -> Callable:
    """Wrap a view that returns JSON-ready data (or an HttpResponse).

    auth: "user" (a user's token), "app" (any token), "optional" (token used when given), "none".
    scope: the granular scope a token must grant ("read:statuses"), or a tuple of alternatives; parents
    (read) grant it too. It is checked whenever a token is given, also where no token is needed: a token
    without `read` reads nothing, as on Mastodon (403 "outside the authorized scopes").
    The view keeps `auth` and `scope` as attributes, so tests can check every route against them.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            headers: dict[str, str] = {}
            try:
                authenticate(request)
                if auth in ("user", "app") and request.token is None:
                    raise ApiError(error_codes.TOKEN_INVALID)
                if scope and request.token is not None and not grants(request.token, scope):
                    raise ApiError(error_codes.SCOPE_MISSING)
                if auth == "user" and request.viewer is None:
                    raise ApiError(error_codes.USER_REQUIRED)
                if auth == "user" and not request.api_user.approved:
                    raise ApiError(error_codes.LOGIN_PENDING_APPROVAL)
                headers = _rate_limit_headers(request)
                result = view(request, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - every error becomes a JSON answer
                response = response_for_error(request, error)
                if isinstance(error, ApiError) and error.headers is not None:
                    headers = error.headers
                elif isinstance(error, Throttled):
                    headers = {**headers, "Retry-After": str(error.retry_after)}
            else:
                response = result if isinstance(result, HttpResponse) else json_response(result)
            for name, value in headers.items():
                response[name] = value
            return response

        wrapper.csrf_exempt = True
        wrapper.api_auth, wrapper.api_scope = auth, scope
        return wrapper

    return decorate


def route(**handlers: Callable) -> Callable:
    """One URL, a view per HTTP method (GET=..., POST=...); others get a JSON 405."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method) or (handlers.get("GET") if request.method == "HEAD" else None)
        if handler is None:
            return refusal(DomainError(error_codes.METHOD_NOT_ALLOWED))
        return handler(request, *args, **kwargs)

    dispatch.handlers = handlers  # what each method runs (tests walk every route's handlers)
    return dispatch


def params(request: HttpRequest) -> Params:
    return read_params(request)


def paginated(request: HttpRequest, data: list, ids: list[int]) -> HttpResponse:
    """A page of results with Mastodon's Link header (next = older via max_id, prev = newer via min_id)."""
    response = json_response(data)
    if ids:
        keep = [
            (k, v)
            for k, values in request.GET.lists()
            for v in values
            if k not in ("max_id", "min_id", "since_id", "access_token") and "," not in v
        ]
        base = f"{settings.BASE_URL}{request.path}"
        next_url = f"{base}?{urlencode([*keep, ('max_id', str(ids[-1]))])}"
        prev_url = f"{base}?{urlencode([*keep, ('min_id', str(ids[0]))])}"
        response["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
    return response


def offset_paginated(request: HttpRequest, data: list, offset: int, limit: int) -> HttpResponse:
    """Results paged by offset (follow suggestions, search); Link carries the next offset."""
    response = json_response(data)
    if len(data) >= limit:
        keep = [(k, v) for k, v in request.GET.items() if k not in ("offset", "access_token")]
        response["Link"] = (
            f"<{settings.BASE_URL}{request.path}?{urlencode([*keep, ('offset', str(offset + limit))])}>; "
            'rel="next"'
        )
    return response


def parse_id(value: Any) -> int:
    """An id from a URL or parameter; 0 (matches nothing) when it is not a 64-bit number in ASCII digits."""
    return id_from_text(value) or 0


def parse_ids(values: list) -> list[int]:
    return [number for number in (parse_id(v) for v in values) if number]


def account_or_404(account_id: str) -> Account:
    number = parse_id(account_id)
    found = select_rows(Account, [number]) if number else []  # a plain read by key: every account page asks
    if not found or found[0].suspended_at is not None:
        raise Http404
    return found[0]
