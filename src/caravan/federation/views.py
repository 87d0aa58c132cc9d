"""HTTP endpoints of the ActivityPub face: discovery (WebFinger, host-meta, NodeInfo), actors, collections,
objects, and the inboxes. Views parse and check; reading goes through selectors and visibility, writing
through the inbox processor and domain services.
"""

import logging

import orjson
from django.conf import settings
from django.db import DataError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from caravan.accounts.models import Account, User
from caravan.federation import actors, documents, featured_tags
from caravan.federation.applying import process_activity
from caravan.federation.reading import InboxError
from caravan.federation.signatures import IncomingRequest, SignatureError
from caravan.federation.verification import (
    MAX_INBOX_BYTES,
    InboxRefusal,
    verify_inbox_post,
    verify_signature,
)
from caravan.ids import parse_int64
from caravan.instance.models import RegistrationMode
from caravan.instance.services import get_instance_settings
from caravan.negotiation import wants_activity_json
from caravan.posts.models import Pin, Post
from caravan.posts.visibility import can_read, visible_to
from caravan.social.models import Follow

logger = logging.getLogger(__name__)

AS_JSON = "application/activity+json"
JRD = "application/jrd+json"
PAGE_SIZE = 20
MAX_PAGE = 1_000_000_000


def authorized_fetch() -> bool:
    return settings.CARAVAN["AUTHORIZED_FETCH"]


def _json(data: dict, *, status: int = 200, content_type: str = AS_JSON) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), status=status, content_type=content_type)
    response["Vary"] = "Accept, Signature"
    return response


def _error(message: str, status: int) -> HttpResponse:
    return HttpResponse(orjson.dumps({"error": message}), status=status, content_type="application/json")


def _incoming(request: HttpRequest, body: bytes = b"") -> IncomingRequest:
    headers = {}
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    if request.META.get("CONTENT_TYPE"):
        headers["content-type"] = request.META["CONTENT_TYPE"]
    if request.META.get("CONTENT_LENGTH"):
        headers["content-length"] = request.META["CONTENT_LENGTH"]
    return IncomingRequest(
        method=request.method,
        path=request.get_full_path(),
        headers=headers,
        body=body,
        scheme=settings.BASE_SCHEME,
    )


def verified_signer(request: HttpRequest, body: bytes = b"") -> Account | None:
    """The actor who signed this request, or None if unsigned. Raises SignatureError for a bad signature."""
    incoming = _incoming(request, body)
    if "signature" not in incoming.headers and "authorization" not in incoming.headers:
        return None
    key, account = verify_signature(incoming)
    return account if account is not None else Account.objects.get(pk=key.account_id)


def _fetch_guard(request: HttpRequest) -> tuple[Account | None, HttpResponse | None]:
    """Who is fetching (the account whose key signed the request: what it may read is decided for that
    account, never for its server), and the refusal when authorized fetch demands a valid signature.

    With authorized fetch off, a signature that does not verify is treated as no signature: the fetcher gets
    what anyone gets (the public document), as Mastodon answers, and the reason is logged."""
    try:
        signer = verified_signer(request)
    except SignatureError as error:
        if authorized_fetch():
            return None, _error(str(error), 401)
        logger.info("unverified signature on GET %s, answered as unsigned: %s", request.path, error)
        return None, None
    if signer is None and authorized_fetch():
        return None, _error("this server requires signed requests", 401)
    return signer, None


# Discovery --------------------------------------------------------------------------------------------------


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return _cors(_error("resource is required", 400))
    account = None
    if resource.startswith("acct:") or ("@" in resource and "://" not in resource):
        handle = resource.removeprefix("acct:").lstrip("@")
        if handle.count("@") != 1:
            return _cors(_error("malformed resource", 400))
        username, domain = handle.split("@")
        if not username or not domain:
            return _cors(_error("malformed resource", 400))
        if domain.lower() != settings.DOMAIN.lower():
            return _cors(_error("not a local account", 404))
        if username.lower() == settings.DOMAIN.lower():
            return _cors(_instance_jrd())
        account = Account.objects.filter(domain="", username__iexact=username).first()
    elif resource.startswith(("https://", "http://")):
        if resource == actors.instance_actor_uri():
            return _cors(_instance_jrd())
        account = Account.objects.filter(Q(uri=resource) | Q(url=resource), domain="").first()
    else:
        return _cors(_error("malformed resource", 400))
    if account is not None and _is_deleted(account):
        return _cors(_error("gone", 410))  # deleted: the name stays taken, as Mastodon answers
    if account is None:
        return _cors(_error("not found", 404))
    data = {
        "subject": f"acct:{account.username}@{settings.DOMAIN}",
        "aliases": [account.url, account.uri],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": account.url},
            {"rel": "self", "type": AS_JSON, "href": account.uri},
            {
                "rel": "http://ostatus.org/schema/1.0/subscribe",
                "template": f"{settings.BASE_URL}/authorize_interaction?uri={{uri}}",
            },
        ],
    }
    return _cors(_json(data, content_type=JRD))


def _instance_jrd() -> HttpResponse:
    uri = actors.instance_actor_uri()
    return _json(
        {
            "subject": f"acct:{settings.DOMAIN}@{settings.DOMAIN}",
            "aliases": [uri],
            "links": [{"rel": "self", "type": AS_JSON, "href": uri}],
        },
        content_type=JRD,
    )


@require_GET
def host_meta(request: HttpRequest) -> HttpResponse:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{settings.BASE_URL}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return _cors(HttpResponse(xml, content_type="application/xrd+xml; charset=utf-8"))


@require_GET
def nodeinfo_links(request: HttpRequest) -> HttpResponse:
    return _cors(
        _json(
            {
                "links": [
                    {
                        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                        "href": f"{settings.BASE_URL}/nodeinfo/2.0",
                    },
                    {
                        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                        "href": f"{settings.BASE_URL}/nodeinfo/2.1",
                    },
                ]
            },
            content_type="application/json",
        )
    )


@require_GET
def nodeinfo(request: HttpRequest, version: str) -> HttpResponse:
    if version not in ("2.0", "2.1"):
        return _error("not found", 404)
    from datetime import timedelta

    from django.utils import timezone

    instance = get_instance_settings()
    now = timezone.now()
    local = Account.objects.filter(domain="", user__isnull=False)
    software = {"name": "caravan", "version": _version()}
    if version == "2.1":
        software["repository"] = "https://github.com/caravan-social/caravan"
        software["homepage"] = settings.BASE_URL
    data = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "openRegistrations": instance.registration_mode != RegistrationMode.CLOSED,
        "usage": {
            "users": {
                "total": local.count(),
                "activeMonth": local.filter(last_status_at__gte=now - timedelta(days=30)).count(),
                "activeHalfyear": local.filter(last_status_at__gte=now - timedelta(days=180)).count(),
            },
            "localPosts": Post.objects.filter(local=True, reblog_of__isnull=True).count(),
        },
        "metadata": {
            "nodeName": instance.title,
            "nodeDescription": instance.short_description,
            # The X-id directory's lookup endpoint (federation/directory.py, decision 0027).
            "caravanDirectory": f"{settings.BASE_URL}/directory/lookup",
        },
    }
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return _cors(_json(data, content_type=f'application/json; profile="{profile}"'))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("caravan")
    except PackageNotFoundError:
        return "0.1.0"


# Actors and collections -------------------------------------------------------------------------------------


def _local_account_or_404(username: str) -> Account | None:
    return Account.objects.filter(domain="", username__iexact=username, suspended_at__isnull=True).first()


def _is_deleted(account: Account) -> bool:
    """A local account deleted by its owner (its User gone, a tombstone left), as opposed to one the
    moderators suspended, which keeps its User for the appeal."""
    return account.suspended_at is not None and not User.objects.filter(account=account).exists()


@require_GET
def instance_actor(request: HttpRequest) -> HttpResponse:
    # Served without a signature even in authorized-fetch mode: others need it to check our signed fetches.
    return _json(documents.instance_actor_document())


@require_GET
def actor(request: HttpRequest, username: str) -> HttpResponse:
    account = Account.objects.filter(domain="", username__iexact=username).first()
    if account is None:
        return _error("not found", 404)
    if _is_deleted(account):
        # A deleted account: others that still know it learn it is gone for good (as Mastodon answers).
        return _error("gone", 410)
    # A suspended one is still served, as a profile-less actor saying `suspended: true` (documents); its
    # collections and posts answer 404 like anything unreadable (Mastodon answers 403 there, but here an
    # unreadable post never says it exists, and the actor already tells others of the suspension).
    if not wants_activity_json(request.headers.get("Accept", "")):
        return HttpResponseRedirect(account.url or f"/@{account.username}")
    signer, refusal = _fetch_guard(request)
    if refusal is not None:
        if refusal.status_code == 401 and authorized_fetch() and "signature" not in request.headers:
            # As Mastodon: an unsigned fetch gets only what is needed to check this actor's signatures.
            full = documents.actor_document(account)
            stub_keys = (
                "@context",
                "id",
                "type",
                "preferredUsername",
                "inbox",
                "outbox",
                "publicKey",
                "endpoints",
            )
            return _json({key: full[key] for key in stub_keys if key in full})
        return refusal
    return _json(documents.actor_document(account))


def _page_number(request: HttpRequest) -> int | None:
    page = request.GET.get("page")
    if page is None:
        return None
    # ASCII digits only, and small enough that the page's offset fits the database's integers.
    number = parse_int64(page)
    return min(max(1, number), MAX_PAGE) if number is not None else 1


def _paged(request: HttpRequest, url: str, total: int, items_for_page) -> HttpResponse:
    page = _page_number(request)
    if page is None:
        return _json(documents.collection(url, total=total, first=f"{url}?page=1"))
    items = items_for_page((page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    next_url = f"{url}?page={page + 1}" if len(items) > PAGE_SIZE else None
    return _json(
        documents.collection_page(
            f"{url}?page={page}", items[:PAGE_SIZE], total=total, next_url=next_url, part_of=url
        )
    )


@require_GET
def outbox(request: HttpRequest, username: str) -> HttpResponse:
    account = _local_account_or_404(username)
    if account is None:
        return _error("not found", 404)
    signer, refusal = _fetch_guard(request)
    if refusal is not None:
        return refusal
    # What the signing account may read (public posts for an unsigned fetch); imported copies never federate.
    posts = Post.objects.filter(account=account, imported=False).filter(visible_to(signer))

    def items(start: int, end: int) -> list:
        page = (
            posts.select_related("account", "reblog_of", "reblog_of__account", "in_reply_to")
            .prefetch_related("mentions__account", "post_tags__tag", "media_attachments")
            .order_by("-id")[start:end]
        )
        out = []
        for post in page:
            activity = (
                documents.announce_activity(post) if post.reblog_of_id else documents.create_activity(post)
            )
            activity.pop("@context", None)
            out.append(activity)
        return out

    return _paged(request, account.outbox_url, account.statuses_count, items)


def _follow_collection(request: HttpRequest, username: str, followers: bool) -> HttpResponse:
    account = _local_account_or_404(username)
    if account is None:
        return _error("not found", 404)
    signer, refusal = _fetch_guard(request)
    if refusal is not None:
        return refusal
    if followers:
        query = Follow.objects.filter(target_account=account).order_by("-id")
        field, url, total = "account__uri", account.followers_url, account.followers_count
    else:
        query = Follow.objects.filter(account=account).order_by("-id")
        field, url, total = "target_account__uri", account.following_url, account.following_count
    return _paged(
        request, url, total, lambda start, end: list(query.values_list(field, flat=True)[start:end])
    )


def followers(request: HttpRequest, username: str) -> HttpResponse:
    return _follow_collection(request, username, True) if request.method == "GET" else _error("GET only", 405)


def following(request: HttpRequest, username: str) -> HttpResponse:
    return (
        _follow_collection(request, username, False) if request.method == "GET" else _error("GET only", 405)
    )


@require_GET
def featured(request: HttpRequest, username: str) -> HttpResponse:
    account = _local_account_or_404(username)
    if account is None:
        return _error("not found", 404)
    signer, refusal = _fetch_guard(request)
    if refusal is not None:
        return refusal
    readable = Post.objects.filter(account=account, imported=False).filter(visible_to(signer))
    pinned = [
        pin.post
        for pin in Pin.objects.filter(account=account, post__in=readable.values("pk"))
        .select_related("post__account")
        .order_by("-id")
    ]
    items = [documents.note_object(post) for post in pinned]
    return _json(documents.collection(account.featured_url, total=len(items), first=None, items=items))


@require_GET
def featured_tag_collection(request: HttpRequest, username: str) -> HttpResponse:
    account = _local_account_or_404(username)
    if account is None:
        return _error("not found", 404)
    if not wants_activity_json(request.headers.get("Accept", "")):
        return HttpResponseRedirect(account.url or f"/@{account.username}")
    _signer, refusal = _fetch_guard(request)
    if refusal is not None:
        return refusal
    return _json(featured_tags.collection_document(account))


# Objects ----------------------------------------------------------------------------------------------------


def _readable_post(
    request: HttpRequest, username: str, post_id: int
) -> tuple[Post | None, HttpResponse | None]:
    post = (
        Post.objects.select_related("account", "reblog_of__account", "in_reply_to")
        .filter(pk=post_id, account__domain="", account__username__iexact=username, imported=False)
        .first()
    )
    if post is None:
        return None, _error("not found", 404)
    if not wants_activity_json(request.headers.get("Accept", "")):
        return None, HttpResponseRedirect(f"/@{post.account.username}/{post.id}")
    signer, refusal = _fetch_guard(request)
    if refusal is not None:
        return None, refusal
    # Decided for the account whose key signed the fetch: another account of a follower's server, or that
    # server's instance actor, is not a follower. The same 404 as for a missing post reveals nothing.
    if not can_read(post, signer):
        return None, _error("not found", 404)
    return post, None


@require_GET
def status(request: HttpRequest, username: str, post_id: int) -> HttpResponse:
    post, refusal = _readable_post(request, username, post_id)
    if refusal is not None:
        return refusal
    if post.reblog_of_id:
        return _json(documents.announce_activity(post))
    return _json(documents.with_context(documents.note_object(post)))


@require_GET
def status_activity(request: HttpRequest, username: str, post_id: int) -> HttpResponse:
    post, refusal = _readable_post(request, username, post_id)
    if refusal is not None:
        return refusal
    if post.reblog_of_id:
        return _json(documents.announce_activity(post))
    return _json(documents.create_activity(post))


# Inboxes ----------------------------------------------------------------------------------------------------


@csrf_exempt
def inbox(request: HttpRequest, username: str | None = None) -> HttpResponse:
    """The inbox, processed in the request (WSGI, the test client); `caravan serve` answers inbox POSTs in
    `asgi_inbox` instead. Both check with `verify_inbox_post`."""
    if request.method != "POST":
        return _error("POST an activity here", 405)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error("bad Content-Length", 400)
    if length > MAX_INBOX_BYTES:
        return _error("activity too large", 413)
    try:
        verified = verify_inbox_post(_incoming(request, request.body), username=username)
    except InboxRefusal as refusal:
        return _error(refusal.message, refusal.status)
    if verified.signer is None:
        return HttpResponse(status=202)
    signer = verified.account or Account.objects.get(pk=verified.signer.account_id)
    from caravan.federation.sender import mark_available

    mark_available([signer.domain])
    try:
        # ActivityPub answers in English whatever the sending server asks for (domain errors in the answer
        # included): the words are for the other server's logs and admins.
        with translation.override("en"):
            result = process_activity(verified.activity, signer)
    except InboxError as error:
        return _error(str(error), error.status)
    except (DataError, OverflowError):
        # A number or date the database cannot hold (a tally of 2**64, a year 9000 date): the activity's
        # fault, and nothing of it was stored.
        logger.info("inbox activity from %s has out-of-range values", signer.uri, exc_info=True)
        return _error("a value in the activity is out of range", 422)
    response = HttpResponse(status=202)
    response["X-Caravan-Result"] = result
    return response


inbox_for_user = inbox
