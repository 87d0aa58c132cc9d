"""Checking incoming requests before anything is stored or applied. Both inbox fronts (the ASGI front that
`caravan serve` uses, and the Django view) call `verify_inbox_post`: size, JSON, HTTP signature, the signer's
key, and the rules that tie the activity to its signer live here once. Signed GETs use `verify_signature`.
"""

import logging
from dataclasses import dataclass

import orjson

from caravan.accounts.models import Account
from caravan.federation import actors
from caravan.federation.actors import domain_of, origin
from caravan.federation.signatures import (
    IncomingRequest,
    ParsedSignature,
    SignatureError,
    parse_request_signature,
)
from caravan.instance.domains import is_suspended

logger = logging.getLogger(__name__)

MAX_INBOX_BYTES = 1024 * 1024


class InboxRefusal(Exception):
    """The request is refused before anything is stored: answer `status` with `message`."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignerKey:
    """Who signed: the account's id, actor id, public key and domain (what the ASGI front caches)."""

    account_id: int
    uri: str
    public_key_pem: str
    domain: str

    @classmethod
    def of(cls, account: Account) -> "SignerKey":
        return cls(account.pk, account.uri, account.public_key_pem, account.domain)


class KeyCache:
    """Verified keys by key id, in memory and bounded; loading a key from the database on every activity
    would cost more than checking the signature."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.entries: dict[str, SignerKey] = {}
        self.local_usernames: set[str] = set()

    def get(self, key_id: str) -> SignerKey | None:
        return self.entries.get(key_id)

    def put(self, key_id: str, key: SignerKey) -> None:
        if len(self.entries) >= self.size:
            self.entries.clear()  # crude but bounded: the busy senders are back within seconds
        self.entries[key_id] = key


@dataclass
class VerifiedInboxPost:
    activity: dict
    signer: SignerKey | None  # None: accepted with nothing to do (an actor we never knew deleting itself)
    account: Account | None = None  # the signer's Account when it was loaded on the way


def verify_signature(
    incoming: IncomingRequest, cache: KeyCache | None = None, parsed: ParsedSignature | None = None
) -> tuple[SignerKey, Account | None]:
    """The key that signed `incoming`, checked; raises SignatureError. A key that does not verify is asked
    for once more from its owner (rotated keys, or a stored actor that only claimed the key id)."""
    parsed = parsed or parse_request_signature(incoming)
    if is_suspended(domain_of(parsed.key_id)):
        # A defederated server's keys are neither fetched nor trusted: a signed GET is answered as unsigned.
        raise SignatureError("this server does not federate with your domain")
    key = cache.get(parsed.key_id) if cache is not None else None
    account = None
    if key is None:
        account = actors.account_for_key(parsed.key_id)
        if account is None or not account.public_key_pem:
            raise SignatureError("the signing key cannot be found")
        key = SignerKey.of(account)
    if not parsed.verify(key.public_key_pem):
        if account is None:
            account = Account.objects.filter(pk=key.account_id).first()
        owner = actors.refresh_key_owner(parsed.key_id, account) if account is not None else None
        if owner is None or not owner.public_key_pem or not parsed.verify(owner.public_key_pem):
            raise SignatureError("the signature does not verify")
        account, key = owner, SignerKey.of(owner)
    if cache is not None:
        cache.put(parsed.key_id, key)
    return key, account


def _id(value) -> str:
    from caravan.federation.reading import id_of as activity_id

    return activity_id(value)


def _local_user_exists(username: str, cache: KeyCache | None) -> bool:
    if cache is not None and username.lower() in cache.local_usernames:
        return True
    exists = Account.objects.filter(domain="", username__iexact=username, suspended_at__isnull=True).exists()
    if exists and cache is not None:
        cache.local_usernames.add(username.lower())
    return exists


def parse_activity(body: bytes) -> dict:
    """The activity in a request body, or InboxRefusal (400) for anything that is not a usable activity:
    not JSON (including nesting deeper than 1024 and numbers beyond a double), not an object, no string
    type, no actor, an id that is not a string."""
    try:
        activity = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InboxRefusal("the body is not JSON", 400) from None
    if not isinstance(activity, dict):
        raise InboxRefusal("an activity must be a JSON object", 400)
    if not isinstance(activity.get("type"), str) or not _id(activity.get("actor")):
        raise InboxRefusal("an activity needs a type and an actor", 400)
    if "id" in activity and not isinstance(activity["id"], str):
        raise InboxRefusal("an activity id must be a string", 400)
    return activity


def verify_inbox_post(
    incoming: IncomingRequest, *, username: str | None = None, cache: KeyCache | None = None
) -> VerifiedInboxPost:
    """Everything an inbox checks before it queues or applies an activity; raises InboxRefusal.

    `username` is the user of `/users/<username>/inbox` (None for the shared inbox). Nothing is written
    except what fetching an unknown key stores (its actor).
    """
    if len(incoming.body) > MAX_INBOX_BYTES:
        raise InboxRefusal("activity too large", 413)
    if username is not None and not _local_user_exists(username, cache):
        raise InboxRefusal("not found", 404)
    activity = parse_activity(incoming.body)
    try:
        parsed = parse_request_signature(incoming)
    except SignatureError as error:
        raise InboxRefusal(str(error), 401) from None
    actor_uri = _id(activity.get("actor"))
    if is_suspended(domain_of(actor_uri)):
        # Checked before any key is fetched: a defederated server gets no request from us either.
        raise InboxRefusal("this server does not federate with your domain", 403)
    if (
        activity["type"] == "Delete"
        and _id(activity.get("object")) == actor_uri
        and not Account.objects.filter(uri=actor_uri).exists()
    ):
        return VerifiedInboxPost(activity, None)  # an actor we never knew deleting itself: nothing to fetch
    try:
        signer, account = verify_signature(incoming, cache, parsed)
    except SignatureError as error:
        raise InboxRefusal(str(error), 401) from None
    if actor_uri != signer.uri:
        raise InboxRefusal("the activity's actor is not the signer", 401)
    activity_id = _id(activity)
    if activity_id and origin(activity_id) != origin(signer.uri):
        raise InboxRefusal("the activity id is not on the actor's server", 403)
    return VerifiedInboxPost(activity, signer, account)
