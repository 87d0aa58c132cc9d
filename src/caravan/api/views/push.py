"""Web Push subscriptions (Mastodon's /api/v1/push/subscription): one per access token."""

from django.http import HttpRequest

from caravan.api import entities
from caravan.api.http import api, params
from caravan.api.params import Params
from caravan.push import services as push
from caravan.push.models import ALERT_TYPES


def _alerts(data: Params) -> dict[str, bool | None]:
    alerts = data.dict("alerts")
    return {kind: alerts.bool(kind) for kind in ALERT_TYPES}


@api(scope="push")
def subscribe(request: HttpRequest):
    given = params(request)
    subscription, data = given.dict("subscription"), given.dict("data")
    keys = subscription.dict("keys")
    created = push.subscribe(
        request.viewer,
        request.token.token_id,
        endpoint=subscription.str("endpoint") or "",
        p256dh=keys.str("p256dh") or "",
        auth=keys.str("auth") or "",
        standard=bool(subscription.bool("standard", False)),
        alerts=_alerts(data),
        policy=data.str("policy") or given.str("policy"),  # Mastodon.py sends a bare `policy`
    )
    return entities.push_subscription(created)


@api(scope="push")
def get_subscription(request: HttpRequest):
    return entities.push_subscription(push.subscription_of(request.token.token_id))


@api(scope="push")
def update_subscription(request: HttpRequest):
    data = params(request).dict("data")
    updated = push.update_subscription(
        request.token.token_id, alerts=_alerts(data), policy=data.str("policy")
    )
    return entities.push_subscription(updated)


@api(scope="push")
def unsubscribe(request: HttpRequest):
    push.unsubscribe(request.token.token_id)
    return {}
