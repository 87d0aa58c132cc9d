"""Knowing remote actors: signed fetches of remote documents, turning an actor document into an Account
(through accounts.services), public keys for signature checks, and WebFinger look-ups of @user@domain handles.

Identity always comes from the URL we fetched, never from what the document says about itself
(CVE-2024-23832): a document whose `id` differs from the fetched URL is fetched again from that id, once, and
must then match.
"""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import IntegrityError

from caravan.accounts.models import Account
from caravan.accounts.services import ensure_keypair, generate_keypair
from caravan.federation.models import InstanceActor
from caravan.federation.network import AP_ACCEPT, AP_CONTENT_TYPES, FetchError, http_request
from caravan.federation.signatures import sign_request
from caravan.moderation.remote_suspensions import follow_remote_suspension
from caravan.posts.rendering import sanitize_html
from caravan.profiles import upsert_remote_account
from caravan.untrusted import http_url, valid_remote_handle, without_bidi_controls

logger = logging.getLogger(__name__)

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased: two ids share an origin when these are equal."""
    parts = urlsplit(url or "")
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def domain_of(url: str) -> str:
    return (urlsplit(url or "").netloc or "").lower()


def is_local_uri(url: str) -> bool:
    return origin(url) == origin(settings.BASE_URL)


def instance_actor_uri() -> str:
    return f"{settings.BASE_URL}/actor"


def instance_actor_keys() -> InstanceActor:
    actor = InstanceActor.objects.filter(pk=1).first()
    if actor is None:
        private_pem, public_pem = generate_keypair()
        try:
            actor = InstanceActor.objects.create(pk=1, public_key_pem=public_pem, private_key_pem=private_pem)
        except IntegrityError:
            actor = InstanceActor.objects.get(pk=1)
    return actor


def signing_identity(account: Account | None = None) -> tuple[str, str]:
    """(key id, private key PEM) to sign with: the account's own key, or the instance actor's."""
    if account is not None and account.is_local:
        account = ensure_keypair(account)
        return account.key_id, account.private_key_pem
    actor = instance_actor_keys()
    return f"{instance_actor_uri()}#main-key", actor.private_key_pem


def fetch_json(url: str, *, signer: Account | None = None, accept: str = AP_ACCEPT) -> dict:
    """GET an ActivityPub document with a signed request; its id must be the URL fetched (else fetched once
    more from its own id). Raises FetchError."""
    document, final_url = _signed_get(url, signer, accept)
    if document.get("id") != final_url:
        claimed = document.get("id")
        if not isinstance(claimed, str) or not claimed.startswith(("http://", "https://")):
            raise FetchError("document without a usable id")
        document, final_url = _signed_get(claimed, signer, accept)
        if document.get("id") != final_url:
            raise FetchError("document id does not match where it was fetched")
    return document


def _signed_get(url: str, signer: Account | None, accept: str) -> tuple[dict, str]:
    key_id, private_pem = signing_identity(signer)
    headers = sign_request("GET", url, key_id=key_id, private_key_pem=private_pem, accept=accept)
    response = http_request("GET", url, headers=headers)
    if response.status == 410:
        raise FetchError("gone", 410)
    if response.status != 200:
        raise FetchError(f"{url} answered {response.status}", response.status)
    if accept == AP_ACCEPT and response.content_type.split(";")[0].strip().lower() not in AP_CONTENT_TYPES:
        raise FetchError(f"{url} is not an ActivityPub document ({response.content_type})")
    return response.json(), response.url


def type_of(document: dict) -> str:
    """A document's type when it is a string ("" otherwise): `type` may arrive as an object, a list or a
    number, and must not break a set look-up."""
    kind = document.get("type")
    return kind if isinstance(kind, str) else ""


def as_list(value) -> list:
    """A property that may be absent, one value or a list, as a list (documents from elsewhere vary)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _url_of(value) -> str:
    """The http(s) URL a property names (a string, a Link or Image object, or a list of them); else ""."""
    value = _first(value)
    if isinstance(value, dict):
        return _url_of(value.get("href") or value.get("url"))
    return http_url(value)


def actor_fields(document: dict, uri: str) -> dict:
    """Account attributes from an actor document fetched from `uri` (already checked to be its id)."""
    if type_of(document) not in ACTOR_TYPES:
        raise FetchError(f"not an actor: {document.get('type')}")
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username.strip():
        raise FetchError("actor without preferredUsername")
    username, domain = username.strip(), domain_of(uri)
    if not valid_remote_handle(username, domain):
        # Mastodon's rule: a name that could hold spaces, bidi controls or look-alike punctuation is refused
        # rather than cut down, since a changed name would be someone else's handle.
        raise FetchError(f"actor name {username[:80]!r}@{domain[:80]!r} is not an acceptable handle")
    key = _first(document.get("publicKey")) or {}
    if not isinstance(key, dict):
        key = {}
    if key and key.get("owner") not in (None, uri):
        key = {}
    if not isinstance(key.get("id"), str) or origin(key["id"]) != origin(uri):
        # A key id names a document on the actor's own server; claiming one elsewhere would let an actor
        # squat another's key id (key squatting), so such a key is not kept.
        key = {}
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    fields = []
    for item in as_list(document.get("attachment")):
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            fields.append(
                {
                    "name": without_bidi_controls(str(item.get("name", "")))[:255],
                    "value": sanitize_html(str(item.get("value", "")))[:2000],
                    "verified_at": None,
                }
            )
    also_known_as = as_list(document.get("alsoKnownAs"))
    summary = sanitize_html(str(document.get("summary") or ""))
    name = document.get("name")
    return {
        "username": username,
        "domain": domain,
        "display_name": without_bidi_controls(name if isinstance(name, str) else "")[:100],
        "note": summary,
        "note_html": summary,
        "fields": fields[:16],
        "url": _url_of(document.get("url")) or uri,
        "avatar_remote_url": _url_of(document.get("icon")),
        "header_remote_url": _url_of(document.get("image")),
        "locked": bool(document.get("manuallyApprovesFollowers")),
        "bot": type_of(document) in ("Service", "Application"),
        "group": document.get("type") == "Group",
        "discoverable": bool(document.get("discoverable", False)),
        "inbox_url": _url_of(document.get("inbox")),
        "outbox_url": _url_of(document.get("outbox")),
        "shared_inbox_url": _url_of(endpoints.get("sharedInbox")),
        "followers_url": _url_of(document.get("followers")),
        "following_url": _url_of(document.get("following")),
        "featured_url": _url_of(document.get("featured")),
        "public_key_pem": str(key.get("publicKeyPem") or ""),
        "key_id": str(key.get("id") or ""),
        "also_known_as": [a for a in also_known_as if http_url(a)][:20],
    }


def store_actor(document: dict, uri: str) -> Account:
    """Store the actor as its server describes it, including whether that server says it is suspended
    (`suspended: true`: hidden here too until the server says otherwise)."""
    attributes = actor_fields(document, uri)
    account = upsert_remote_account(uri, **attributes)
    return follow_remote_suspension(account, document.get("suspended") is True)


def fetch_actor(uri: str) -> Account:
    """Fetch (or refresh) a remote actor by its id; raises FetchError."""
    document = fetch_json(uri)
    if document.get("id") != uri:
        uri = document["id"]
    return store_actor(document, uri)


def resolve_actor(uri: str, *, refresh: bool = False) -> Account | None:
    """The Account for an actor id: local, stored, or fetched now. None when it cannot be had."""
    if not isinstance(uri, str) or not uri:
        return None
    account = Account.objects.filter(uri=uri).first()
    if account is not None and (account.is_local or not refresh):
        return account
    if is_local_uri(uri):
        return None
    try:
        return fetch_actor(uri)
    except FetchError as error:
        logger.info("could not fetch actor %s: %s", uri, error)
        return account


def key_document_uri(key_id: str) -> str:
    """The document a key id names: the key id without its fragment (an actor, or a separate key)."""
    return key_id.split("#", 1)[0]


def account_for_key(key_id: str) -> Account | None:
    """The actor owning `key_id`: a stored actor on the key's own server that lists it (preferring the actor
    the key id's document is), else the owner named by the key id's own document, fetched now."""
    if not isinstance(key_id, str) or not key_id.startswith(("http://", "https://")):
        return None
    document_uri = key_document_uri(key_id)
    # Only actors of the key's own origin can own it: a row left by an actor elsewhere that claimed this
    # key id (before such claims were refused) must not stand in for the real owner.
    candidates = [
        account
        for account in Account.objects.filter(key_id=key_id)
        if origin(account.uri) == origin(key_id) and account.public_key_pem
    ]
    for account in candidates:
        if account.uri == document_uri:
            return account
    if len(candidates) == 1:
        return candidates[0]
    return fetch_key_owner(key_id)


def fetch_key_owner(key_id: str) -> Account | None:
    """Ask the key id's own document who owns the key: an actor document whose publicKey is this key, or a
    key document whose owner (on the same server) lists it. The owner is stored with that key, and any
    other actor that claimed this key id loses it. None when no owner can be established."""
    document_uri = key_document_uri(key_id)
    if is_local_uri(document_uri):
        return Account.objects.filter(uri=document_uri, domain="").first()
    try:
        document = fetch_json(document_uri)
        if type_of(document) in ACTOR_TYPES:
            owner_uri, owner_document = document["id"], document
        else:
            owner_uri = _url_of(document.get("owner"))
            if not owner_uri or origin(owner_uri) != origin(key_id):
                return None
            owner_document = fetch_json(owner_uri)
        account = store_actor(owner_document, owner_uri)
    except FetchError as error:
        logger.info("could not fetch key %s: %s", key_id, error)
        return None
    if account.key_id != key_id or not account.public_key_pem:
        return None
    Account.objects.filter(key_id=key_id).exclude(pk=account.pk).update(key_id="", public_key_pem="")
    return account


def refresh_key(account: Account) -> Account:
    """Re-fetch an actor whose signature failed with the key we had (it may have rotated its key)."""
    if account.is_local:
        return account
    if account.fetched_at and datetime.now(UTC) - account.fetched_at < timedelta(seconds=10):
        return account
    try:
        return fetch_actor(account.uri)
    except FetchError:
        return account


def refresh_key_owner(key_id: str, account: Account) -> Account | None:
    """A signature with `key_id` did not verify with `account`'s stored key: ask again who owns the key now
    (the owner may have rotated it, or `account` only claimed it), at most once per 10 seconds per actor."""
    if account.is_local:
        return account
    if account.fetched_at and datetime.now(UTC) - account.fetched_at < timedelta(seconds=10):
        return account
    if account.uri == key_document_uri(key_id):
        return refresh_key(account)
    return fetch_key_owner(key_id)


def webfinger(username: str, domain: str) -> Account | None:
    """Find @username@domain through WebFinger and fetch its actor; the actor's own handle must match back."""
    if not domain or domain.lower() == settings.DOMAIN.lower():
        return None
    if not valid_remote_handle(username, domain.lower()):
        logger.info("not looking up %r@%r: not an acceptable handle", username[:80], domain[:80])
        return None
    scheme = "http" if settings.BASE_SCHEME == "http" else "https"
    resource = quote(f"acct:{username}@{domain}", safe=":@")
    try:
        response = http_request(
            "GET",
            f"{scheme}://{domain}/.well-known/webfinger?resource={resource}",
            headers={"Accept": "application/jrd+json, application/json"},
        )
        if response.status != 200:
            return None
        jrd = response.json()
    except FetchError:
        return None
    href = ""
    for link in jrd.get("links") or []:
        if (
            isinstance(link, dict)
            and link.get("rel") == "self"
            and str(link.get("type", "")).split(";")[0].strip() in AP_CONTENT_TYPES
        ):
            href = str(link.get("href") or "")
            break
    if not href:
        return None
    account = resolve_actor(href)
    if account is None or account.username.lower() != username.lower():
        return None
    return account


def resolve_mention(username: str, domain: str) -> Account | None:
    """publishing.drafts calls this for unknown @user@domain mentions in local posts."""
    try:
        return webfinger(username, domain)
    except Exception:  # a mention that cannot be resolved stays plain text; never fail the post for it
        logger.warning("webfinger failed for %s@%s", username, domain, exc_info=True)
        return None
