"""Changing Web Push subscriptions, and queueing the pushes that new notifications call for.

A subscription belongs to one access token (Mastodon keeps one per token: a new one replaces it). What it is
sent is decided when a notification is recorded: a durable `deliver_push` task is enqueued in the same
transaction, for the notifications whose recipients have a subscription at all; the task applies alerts,
policy and the visibility rule when it sends (`push.sending`).
"""

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.federation.network import FetchError, check_url
from caravan.notifications.models import Notification
from caravan.push import tasks
from caravan.push.models import ALERT_TYPES, Policy, PushSubscription

MAX_ENDPOINT_LENGTH = 2048


def _base64url(value: str) -> bytes | None:
    if not value or len(value) > 200 or not value.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def check_keys(p256dh: str, auth: str) -> None:
    """The subscriber's keys must be usable for RFC 8291: a point on P-256 and a 16-byte secret."""
    point, secret = _base64url(p256dh), _base64url(auth)
    if point is None or secret is None or len(point) != 65 or len(secret) != 16:
        raise DomainError(error_codes.PUSH_KEYS_INVALID, field="subscription[keys]")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise DomainError(error_codes.PUSH_KEYS_INVALID, field="subscription[keys][p256dh]") from None


def check_endpoint(endpoint: str) -> str:
    """An http(s) URL with a host; an address literal must pass the outbound address rule now, and every
    address it resolves to is checked again when a push is sent (`federation.network.guarded_socket`)."""
    endpoint = endpoint.strip()
    if (
        not endpoint
        or len(endpoint) > MAX_ENDPOINT_LENGTH
        or not endpoint.isascii()
        or any(c.isspace() or ord(c) < 32 for c in endpoint)
    ):
        raise DomainError(error_codes.PUSH_ENDPOINT_INVALID, field="subscription[endpoint]")
    try:
        check_url(endpoint)
    except FetchError:
        raise DomainError(error_codes.PUSH_ENDPOINT_INVALID, field="subscription[endpoint]") from None
    if "@" in endpoint.split("//", 1)[1].split("/", 1)[0]:
        raise DomainError(error_codes.PUSH_ENDPOINT_INVALID, field="subscription[endpoint]")
    return endpoint


def _alerts(given: dict[str, bool | None], current: dict | None = None) -> dict[str, bool]:
    alerts = {kind: bool((current or {}).get(kind, False)) for kind in ALERT_TYPES}
    for kind, value in given.items():
        if kind in alerts and value is not None:
            alerts[kind] = value
    return alerts


def _policy(policy: str | None, current: str = Policy.ALL) -> str:
    if policy is None:
        return current
    if policy not in Policy.values:
        raise DomainError(error_codes.PUSH_POLICY_UNKNOWN, field="data[policy]")
    return policy


def subscribe(
    account: Account,
    token_id: int,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    standard: bool = False,
    alerts: dict[str, bool | None] | None = None,
    policy: str | None = None,
) -> PushSubscription:
    """Subscribe the token to push notifications, replacing the subscription it had. Checks everything
    before writing anything."""
    endpoint = check_endpoint(endpoint)
    check_keys(p256dh, auth)
    chosen_policy = _policy(policy)
    with transaction.atomic():
        PushSubscription.objects.filter(access_token_id=token_id).delete()
        return PushSubscription.objects.create(
            access_token_id=token_id,
            account=account,
            endpoint=endpoint,
            key_p256dh=p256dh,
            key_auth=auth,
            standard=standard,
            alerts=_alerts(alerts or {}),
            policy=chosen_policy,
        )


def subscription_of(token_id: int) -> PushSubscription:
    subscription = PushSubscription.objects.filter(access_token_id=token_id).first()
    if subscription is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return subscription


def update_subscription(
    token_id: int, *, alerts: dict[str, bool | None] | None = None, policy: str | None = None
) -> PushSubscription:
    """Change what the token's subscription is sent (only the data part: a new endpoint is a new POST)."""
    subscription = subscription_of(token_id)
    subscription.policy = _policy(policy, subscription.policy)
    subscription.alerts = _alerts(alerts or {}, subscription.alerts)
    subscription.save(update_fields=["policy", "alerts", "updated_at"])
    return subscription


def unsubscribe(token_id: int) -> None:
    PushSubscription.objects.filter(access_token_id=token_id).delete()


def forget_account_subscriptions(account_id: int) -> int:
    """A suspended, disabled or deleted account is pushed nothing more: its subscriptions go."""
    deleted, _ = PushSubscription.objects.filter(account_id=account_id).delete()
    return deleted


def queue_pushes(notifications: list[Notification]) -> None:
    """In the transaction that records the notifications: one durable task for those whose recipient has a
    subscription wanting their type (one query; most recipients have none, and then no task is written)."""
    pushable = [n for n in notifications if n.type in ALERT_TYPES]
    if not pushable:
        return
    wants = PushSubscription.objects.filter(account_id__in={n.recipient_id for n in pushable}).exclude(
        policy=Policy.NONE
    )
    wanted = {
        (account_id, kind)
        for account_id, alerts in wants.values_list("account_id", "alerts")
        for kind, on in alerts.items()
        if on
    }
    ids = [n.id for n in pushable if (n.recipient_id, n.type) in wanted]
    if ids:
        tasks.deliver_push.enqueue(ids)


def _on_moderated(account: Account, action, **_) -> None:
    # Read again: the event may carry the account as it was before the action.
    if Account.objects.filter(pk=account.id, domain="", suspended_at__isnull=False).exists():
        forget_account_subscriptions(account.id)


def connect_events() -> None:
    events.listen("notifications.recorded", lambda notifications, **_: queue_pushes(notifications))
    events.listen("account.signed_out", lambda account_id, **_: forget_account_subscriptions(account_id))
    events.listen("account.moderated", _on_moderated)
