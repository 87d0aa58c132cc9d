"""Sending Web Push messages: who is pushed what for a batch of notifications, encrypted for each subscriber
(RFC 8291 aes128gcm, or the older aesgcm draft for subscriptions that are not `standard`), signed with the
server's VAPID key (RFC 8292) and POSTed (RFC 8030) over kept-alive aiohttp connections.

Every connection goes through the federation address rule (`guarded_socket`, `PolicyResolver`): subscribers
choose the endpoints, so they could otherwise make the server reach its own network. A message is retried with
back-off when the push service answers 429 or 5xx or cannot be reached; a 404 or 410 means the subscription
is gone for good, and it is deleted.
"""

import asyncio
import base64
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import aiohttp
import http_ece
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from py_vapid import Vapid01, Vapid02

from caravan.accounts.models import Account, User
from caravan.federation.network import AddressRefused, FetchError, check_url, guarded_socket
from caravan.federation.sender import PolicyResolver
from caravan.instance.services import get_instance_settings
from caravan.instance.vapid import key_pair
from caravan.notifications.models import Notification
from caravan.posts.models import Post
from caravan.posts.rendering import html_to_text
from caravan.posts.visibility import readers_among
from caravan.push.models import Policy, PushSubscription
from caravan.social.models import Follow
from caravan.untrusted import http_url, without_bidi_controls

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PER_HOST = 32  # a few push services carry most subscriptions: many streams to each, kept alive
TOTAL_CONNECTIONS = 256
TTL_SECONDS = 48 * 3600  # as Mastodon: a phone that is off for two days still gets it
BODY_LENGTH = 140
MAX_RESPONSE_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
GONE_STATUSES = frozenset({404, 410})
DEFAULT_AVATAR = "/avatars/original/missing.png"

# The title of each push, as Mastodon words it; `name` is who caused the notification.
TITLES = {
    "mention": _("%(name)s mentioned you"),
    "status": _("%(name)s just posted"),
    "reblog": _("%(name)s boosted your post"),
    "follow": _("%(name)s followed you"),
    "follow_request": _("%(name)s asked to follow you"),
    "favourite": _("%(name)s favourited your post"),
    "poll": _("A poll by %(name)s has ended"),
    "update": _("%(name)s edited a post"),
    "admin.sign_up": _("%(name)s signed up"),
    "admin.report": _("%(name)s filed a report"),
    "quote": _("%(name)s quoted your post"),
    "quoted_update": _("%(name)s edited a post you quoted"),
}


def retry_scale() -> float:
    """The federation retry factor (tests shrink the waits with it)."""
    return settings.CARAVAN["FEDERATION_RETRY_SCALE"]


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=(attempt**4 + 15) * retry_scale())


@dataclass
class Message:
    subscription: "Subscriber"
    notification_id: int
    payload: bytes
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _truncate(text: str, length: int = BODY_LENGTH) -> str:
    text = " ".join(without_bidi_controls(text).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > length // 2 else cut) + "…"


def _icon(account: Account) -> str:
    if account.avatar:
        url = account.avatar.url
        return url if url.startswith(("http://", "https://")) else f"{settings.BASE_URL}{url}"
    return http_url(account.avatar_remote_url) or f"{settings.BASE_URL}{DEFAULT_AVATAR}"


def _shown(notification_id: int, kind: str, sender: Account, post: Post | None, locale: str) -> dict:
    """What Mastodon pushes for a notification (its `Web::NotificationSerializer`) but the access token: the
    same for every subscriber reading in `locale`. The caller has checked that they may read the post."""
    with translation.override(locale):
        title = str(TITLES[kind]) % {"name": sender.name}
    if post is not None:
        text = post.spoiler_text or html_to_text(post.content) or post.text
    else:
        text = html_to_text(sender.note) if sender.domain else sender.note
    return {
        "preferred_locale": locale,
        "notification_id": notification_id,
        "notification_type": kind,
        "icon": _icon(sender),
        "title": title,
        "body": _truncate(text),
    }


def _policy_allows(subscription: "Subscriber", sender_id: int, follows: set[tuple[int, int]]) -> bool:
    if subscription.policy == Policy.ALL:
        return True
    if subscription.policy == Policy.FOLLOWED:
        return (subscription.account_id, sender_id) in follows
    if subscription.policy == Policy.FOLLOWER:
        return (sender_id, subscription.account_id) in follows
    return False


@dataclass(frozen=True)
class Subscriber:
    """What sending needs of a subscription, read as plain values (thousands at a time)."""

    id: int
    account_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: bool
    alerts: dict
    policy: str
    token: str
    expires: datetime | None

    def wants(self, notification_type: str) -> bool:
        return bool(self.alerts.get(notification_type)) and self.policy != Policy.NONE


SUBSCRIBER_FIELDS = (
    "id",
    "account_id",
    "endpoint",
    "key_p256dh",
    "key_auth",
    "standard",
    "alerts",
    "policy",
    "access_token__token",
    "access_token__expires",
)


def messages_for(notification_ids: list[int], only: set[tuple[int, int]] | None = None) -> list[Message]:
    """The messages a batch of notifications calls for: each recipient's subscriptions that want the type,
    whose policy lets the sender through, for a post the recipient may still read, while the recipient may
    still sign in. `only` limits it to (subscription id, notification id) pairs (a retry). Reads plain values
    and loads as models only the few senders and posts, so ten thousand notifications cost little."""
    rows = list(
        Notification.objects.filter(pk__in=notification_ids).values_list(
            "id", "type", "recipient_id", "from_account_id", "post_id"
        )
    )
    if not rows:
        return []
    recipients = {row[2] for row in rows}
    subscriptions: dict[int, list[Subscriber]] = {}
    for values in (
        PushSubscription.objects.filter(account_id__in=recipients)
        .exclude(policy=Policy.NONE)
        .values_list(*SUBSCRIBER_FIELDS)
    ):
        subscriber = Subscriber(*values)
        subscriptions.setdefault(subscriber.account_id, []).append(subscriber)
    # Who may still be told anything: signed-in access not disabled, account not suspended.
    active = User.objects.filter(
        account_id__in=subscriptions, is_active=True, account__suspended_at__isnull=True
    )
    users = dict(active.values_list("account_id", "locale"))
    senders = {a.id: a for a in Account.objects.filter(pk__in={row[3] for row in rows})}
    posts = {
        p.id: p
        for p in Post.objects.filter(pk__in={row[4] for row in rows if row[4]}).select_related(
            "account", "reblog_of", "reblog_of__account"
        )
    }
    follows: set[tuple[int, int]] = set()
    if any(s.policy in (Policy.FOLLOWED, Policy.FOLLOWER) for subs in subscriptions.values() for s in subs):
        follows = set(
            Follow.objects.filter(account_id__in=subscriptions, target_account_id__in=senders).values_list(
                "account_id", "target_account_id"
            )
        ) | set(
            Follow.objects.filter(account_id__in=senders, target_account_id__in=subscriptions).values_list(
                "account_id", "target_account_id"
            )
        )
    # Asked when sending, not when the notification was made: a post that has become unreadable to someone
    # since (an edit, a block, a suspension) sends nothing of itself. One question per post, for all its readers.
    readers: dict[int, set[int]] = {}
    for post_id, post in posts.items():
        readers[post_id] = readers_among(
            post, {row[2] for row in rows if row[4] == post_id and row[2] in users}
        )
    languages = {code for code, _ in settings.LANGUAGES}
    now = timezone.now()
    shown: dict[tuple[int, str], bytes] = {}
    messages = []
    for notification_id, kind, recipient_id, sender_id, post_id in rows:
        if recipient_id not in users or kind not in TITLES:
            continue
        if post_id is not None and (post_id not in posts or recipient_id not in readers[post_id]):
            continue
        language = users[recipient_id] if users[recipient_id] in languages else settings.LANGUAGE_CODE
        for subscriber in subscriptions.get(recipient_id, ()):
            if only is not None and (subscriber.id, notification_id) not in only:
                continue
            if subscriber.expires is not None and subscriber.expires <= now:
                continue
            if not subscriber.wants(kind) or not _policy_allows(subscriber, sender_id, follows):
                continue
            if (notification_id, language) not in shown:
                # The shared part serialised once; the token goes in front ({"access_token": ..., ...}).
                shown[notification_id, language] = orjson.dumps(
                    _shown(notification_id, kind, senders[sender_id], posts.get(post_id), language)
                )[1:]
            token = orjson.dumps({"access_token": subscriber.token})[:-1]
            messages.append(
                Message(subscriber, notification_id, token + b"," + shown[notification_id, language])
            )
    return messages


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_") + "=" * (-len(data) % 4))


class _VapidHeaders:
    """VAPID authorisation per push service origin, signed once and reused until near its expiry (the JWT
    names only the origin, so every subscription on one push service shares it)."""

    LIFETIME = 12 * 3600

    def __init__(self) -> None:
        keys = key_pair()
        pem = keys.private_pem.encode()
        self.public_key = keys.public_key
        self.standard = Vapid02.from_pem(pem)
        self.legacy = Vapid01.from_pem(pem)
        # RFC 8292's contact: the admin's address, else the server's own URL (py_vapid's strict check would
        # refuse an http:// one, which a server behind a proxy or under test may have).
        contact = get_instance_settings().contact_email
        self.subject = f"mailto:{contact}" if contact else settings.BASE_URL
        for signer in (self.standard, self.legacy):
            signer.conf["no-strict"] = True
        self.signed: dict[tuple[str, bool], tuple[float, dict[str, str]]] = {}

    def for_endpoint(self, endpoint: str, standard: bool) -> dict[str, str]:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self.signed.get((audience, standard))
        if cached is not None and cached[0] > now + 3600:
            return cached[1]
        claims = {"aud": audience, "sub": self.subject, "exp": int(now + self.LIFETIME)}
        signer = self.standard if standard else self.legacy
        headers = {str(k): str(v) for k, v in signer.sign(claims).items()}
        self.signed[(audience, standard)] = (claims["exp"], headers)
        return headers


def encrypt(messages: list[Message]) -> None:
    """Encrypt each payload for its subscriber with a fresh ephemeral key (RFC 8291) and set its headers."""
    vapid = _VapidHeaders()
    for message in messages:
        subscription = message.subscription
        ephemeral = ec.generate_private_key(ec.SECP256R1())
        salt = os.urandom(16)
        version = "aes128gcm" if subscription.standard else "aesgcm"
        message.body = http_ece.encrypt(
            message.payload,
            salt=salt,
            private_key=ephemeral,
            dh=_unb64(subscription.key_p256dh),
            auth_secret=_unb64(subscription.key_auth),
            version=version,
        )
        headers = {
            "Content-Encoding": version,
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
            "User-Agent": "Caravan/0.1",
        }
        vapid_headers = vapid.for_endpoint(subscription.endpoint, subscription.standard)
        if subscription.standard:
            headers["Authorization"] = vapid_headers["Authorization"]
        else:
            point = ephemeral.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            headers["Authorization"] = vapid_headers["Authorization"]
            headers["Encryption"] = f"salt={_b64(salt)}"
            headers["Crypto-Key"] = f"dh={_b64(point)};p256ecdsa={vapid.public_key}"
        message.headers = headers


def _refused(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _step in range(5):
        if seen is None:
            return False
        if isinstance(seen, AddressRefused):
            return True
        seen = getattr(seen, "os_error", None) or seen.__cause__ or seen.__context__
    return False


# per message: (HTTP status or None, error text, refused by the address rule)
Result = tuple[int | None, str, bool]


async def _post_all(messages: list[Message]) -> list[Result]:
    connector = aiohttp.TCPConnector(
        limit=TOTAL_CONNECTIONS,
        limit_per_host=PER_HOST,
        resolver=PolicyResolver(),
        socket_factory=guarded_socket,  # the address rule on every connection actually made
        ttl_dns_cache=300,
    )
    timeout = aiohttp.ClientTimeout(total=30, connect=5, sock_read=10)
    # A request waits for its push service's turn here, not inside aiohttp: its timeouts then measure the request
    # itself, never the queue of ten thousand behind it.
    turns: dict[str, asyncio.Semaphore] = {}
    everyone = asyncio.Semaphore(TOTAL_CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as session:

        async def post(message: Message) -> Result:
            endpoint = message.subscription.endpoint
            try:
                check_url(endpoint)  # an address literal is judged before aiohttp parses it
            except FetchError as error:
                return None, f"refused: {error}"[:500], True
            turn = turns.setdefault(urlsplit(endpoint).netloc.lower(), asyncio.Semaphore(PER_HOST))
            async with turn, everyone:
                return await send_one(session, message)

        return await asyncio.gather(*(post(message) for message in messages))


async def send_one(session: aiohttp.ClientSession, message: Message) -> Result:
    """POST one encrypted message; its answer read up to MAX_RESPONSE_BYTES."""
    try:
        async with session.post(
            message.subscription.endpoint,
            data=message.body,
            headers=message.headers,
            allow_redirects=False,
        ) as response:
            await response.content.read(MAX_RESPONSE_BYTES)
            return response.status, response.reason or "", False
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        if _refused(error):
            return None, f"refused: {error}"[:500], True
        return None, f"{type(error).__name__}: {error}"[:500], False


@dataclass
class Outcome:
    delivered: int = 0
    gone: list[int] = field(default_factory=list)  # subscription ids deleted
    retry: list[tuple[int, int]] = field(default_factory=list)  # (subscription id, notification id)
    dropped: int = 0


def send(messages: list[Message]) -> Outcome:
    """Encrypt and POST the messages; delete the subscriptions their push service says are gone. Returns what
    happened, with the messages worth another try."""
    outcome = Outcome()
    if not messages:
        return outcome
    encrypt(messages)
    results = asyncio.run(_post_all(messages))
    for message, (status, error, refused) in zip(messages, results, strict=True):
        key = (message.subscription.id, message.notification_id)
        if status is not None and 200 <= status < 300:
            outcome.delivered += 1
        elif status in GONE_STATUSES or refused:
            # Gone for good, or an endpoint the address rule refuses: either way it will never take a push.
            outcome.gone.append(message.subscription.id)
        elif status is None or status in RETRY_STATUSES or status >= 500:
            outcome.retry.append(key)
        else:
            outcome.dropped += 1
            logger.info("push %s to subscription %s refused: %s %s", key[1], key[0], status, error)
    if outcome.gone:
        PushSubscription.objects.filter(pk__in=set(outcome.gone)).delete()
    return outcome


def push_notifications(notification_ids: list[int], *, only: list | None = None) -> Outcome:
    """Push a batch of notifications to every subscription that wants them (the `deliver_push` task's
    work). Messages to retry are left in the outcome for the task to schedule."""
    pairs = {(int(s), int(n)) for s, n in only} if only is not None else None
    return send(messages_for(notification_ids, pairs))
