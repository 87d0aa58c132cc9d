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
from caravan.accounts.services import ensure_keypair, generate_keypair, upsert_remote_account
from caravan.federation.models import InstanceActor
from caravan.federation.network import AP_ACCEPT, AP_CONTENT_TYPES, FetchError, http_request
from caravan.federation.signatures import sign_request
from caravan.posts.rendering import sanitize_html
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
    if document.get("type") not in ACTOR_TYPES:
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
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    fields = []
    for item in document.get("attachment") or []:
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            fields.append(
                {
                    "name": without_bidi_controls(str(item.get("name", "")))[:255],
                    "value": sanitize_html(str(item.get("value", "")))[:2000],
                    "verified_at": None,
                }
            )
    also_known_as = document.get("alsoKnownAs") or []
    if isinstance(also_known_as, str):
        also_known_as = [also_known_as]
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
        "bot": document.get("type") in ("Service", "Application"),
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
    attributes = actor_fields(document, uri)
    return upsert_remote_account(uri, **attributes)


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


def account_for_key(key_id: str) -> Account | None:
    """The actor owning `key_id` (actor#main-key, or a separate key document whose owner points back)."""
    account = Account.objects.filter(key_id=key_id).first()
    if account is not None:
        return account
    actor_uri = key_id.split("#", 1)[0]
    account = Account.objects.filter(uri=actor_uri).first()
    if account is not None and account.key_id == key_id:
        return account
    if is_local_uri(actor_uri):
        return Account.objects.filter(uri=actor_uri, domain="").first()
    try:
        document = fetch_json(actor_uri)
    except FetchError as error:
        logger.info("could not fetch key %s: %s", key_id, error)
        return None
    if document.get("type") not in ACTOR_TYPES and document.get("owner"):
        # A separate key document: its owner must point back to it.
        owner_uri = document.get("owner")
        try:
            owner_doc = fetch_json(owner_uri)
        except FetchError:
            return None
        key = _first(owner_doc.get("publicKey")) or {}
        if not isinstance(key, dict) or key.get("id") != key_id:
            return None
        return _store_signer(owner_doc, owner_uri, key_id)
    account = _store_signer(document, document.get("id", actor_uri), key_id)
    return account if account is not None and account.key_id == key_id else None


def _store_signer(document: dict, uri: str, key_id: str) -> Account | None:
    try:
        return store_actor(document, uri)
    except FetchError as error:
        logger.info("refused the actor of key %s: %s", key_id, error)
        return None


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
    """posts.services calls this for unknown @user@domain mentions in local posts."""
    try:
        return webfinger(username, domain)
    except Exception:  # a mention that cannot be resolved stays plain text; never fail the post for it
        logger.warning("webfinger failed for %s@%s", username, domain, exc_info=True)
        return None
