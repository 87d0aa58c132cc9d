"""Sending recorded deliveries: signed POSTs over pooled aiohttp connections, a per-host concurrency limit,
retries with exponential backoff over days, and servers that keep failing marked unavailable and skipped.

The Delivery rows are the source of truth: this module only moves them from pending to done or failed.
"""

import asyncio
import logging
import random
import socket
import threading
import uuid
from datetime import timedelta

import aiohttp
from aiohttp.abc import AbstractResolver
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from caravan.federation.models import Delivery, OutgoingActivity, UnavailableDomain
from caravan.federation.network import AddressRefused, FetchError, check_url, guarded_socket, resolve_host
from caravan.federation.signatures import sign_request
from caravan.instance.domains import is_suspended
from caravan.worker import wake

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 16
PER_HOST = 4
TOTAL_CONNECTIONS = 512
PERMANENT_STATUSES = {400, 403, 404, 405, 406, 410, 413, 415, 422, 501}


def retry_scale() -> float:
    """Mastodon waits attempts⁴ + 15 s (+ jitter) between tries; tests shrink that with a factor."""
    return settings.CARAVAN["FEDERATION_RETRY_SCALE"]


def unavailable_after_days() -> int:
    return settings.CARAVAN["FEDERATION_UNAVAILABLE_DAYS"]


def claim_timeout() -> timedelta:
    """How long a claimed delivery may go without its sender's heartbeat before it is made due again (the
    sender was killed mid-way). A live sender renews its claims every quarter of this."""
    return timedelta(seconds=settings.CARAVAN["DELIVERY_CLAIM_TIMEOUT"])


def backoff(attempts: int) -> timedelta:
    seconds = (attempts**4 + 15 + random.uniform(0, 10 * (attempts + 1))) * retry_scale()
    return timedelta(seconds=seconds)


class PolicyResolver(AbstractResolver):
    """aiohttp's name resolution through our policy: overrides for tests, private addresses refused (as an
    AddressRefused, which aiohttp keeps as the connection error's os_error)."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        loop = asyncio.get_running_loop()
        try:
            addresses = await loop.run_in_executor(None, resolve_host, host, port)
        except AddressRefused:
            raise
        except FetchError as error:
            raise OSError(str(error)) from None
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        return None


def _refusal(error: BaseException) -> AddressRefused | None:
    """The address policy's refusal behind an aiohttp error, if that is what it was."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None or isinstance(seen, AddressRefused):
            return seen
        seen = getattr(seen, "os_error", None) or seen.__cause__ or seen.__context__
    return None


# delivery id -> (HTTP status or None, error text, refused by the address policy: never retried)
Results = dict[int, tuple[int | None, str, bool]]


async def _send_all(jobs: list[tuple[int, str, bytes, str, str]]) -> Results:
    """POST each (delivery id, inbox, body, key id, private PEM); returns delivery id -> (status, error,
    refused)."""
    results: Results = {}
    connector = aiohttp.TCPConnector(
        limit=TOTAL_CONNECTIONS,
        limit_per_host=PER_HOST,
        resolver=PolicyResolver(),
        # Checks the address of every connection actually made, IP-literal inboxes included.
        socket_factory=guarded_socket,
        ttl_dns_cache=300,
        enable_cleanup_closed=True,
    )
    timeout = aiohttp.ClientTimeout(total=30, connect=5, sock_read=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as session:

        async def post(delivery_id: int, inbox: str, body: bytes, key_id: str, pem: str) -> None:
            try:
                check_url(inbox)  # an address literal in any spelling is judged before aiohttp parses it
            except FetchError as error:
                results[delivery_id] = (None, f"refused: {error}"[:500], True)
                return
            headers = sign_request("POST", inbox, key_id=key_id, private_key_pem=pem, body=body)
            headers["User-Agent"] = "Caravan/0.1"
            try:
                async with session.post(inbox, data=body, headers=headers, allow_redirects=False) as response:
                    await response.read()
                    results[delivery_id] = (
                        response.status,
                        "" if response.status < 300 else response.reason or "",
                        False,
                    )
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                refused = _refusal(error)
                if refused is not None:
                    results[delivery_id] = (None, f"refused: {refused}"[:500], True)
                else:
                    results[delivery_id] = (None, f"{type(error).__name__}: {error}"[:500], False)

        await asyncio.gather(*(post(*job) for job in jobs))
    return results


def _signing_keys(activity: OutgoingActivity) -> tuple[str, str]:
    from caravan.federation.actors import signing_identity

    return signing_identity(activity.actor)


def reclaim_stale_deliveries() -> int:
    """Deliveries claimed by a sender that stopped renewing its claim (killed mid-way) become pending again,
    due now; returns how many. A live sender's claims are renewed, so they are never taken from it."""
    stale = timezone.now() - claim_timeout()
    return Delivery.objects.filter(
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True), state=Delivery.SENDING
    ).update(state=Delivery.PENDING, claim="", claimed_at=None)


class _ClaimHeartbeat(threading.Thread):
    """Renews a sender's claims while its requests are in flight, from its own thread and connection."""

    def __init__(self, token: str) -> None:
        super().__init__(name="caravan-delivery-heartbeat", daemon=True)
        self.token = token
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        interval = claim_timeout().total_seconds() / 4
        try:
            while not self.stopped.wait(interval):
                Delivery.objects.filter(claim=self.token, state=Delivery.SENDING).update(
                    claimed_at=timezone.now()
                )
        except Exception:  # a missed beat only risks a resend after the timeout, never a lost delivery
            logger.exception("could not renew delivery claims")
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)


def deliver_due(activity_id: int | None = None, *, limit: int = 20_000) -> int:
    """Send every pending delivery that is due (of one activity, or all); returns how many were attempted."""
    now = timezone.now()
    reclaim_stale_deliveries()
    due = Q(state=Delivery.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if activity_id is not None:
        due &= Q(activity_id=activity_id)
    candidate_ids = list(Delivery.objects.filter(due).values_list("pk", flat=True)[:limit])
    if not candidate_ids:
        return 0
    token = uuid.uuid4().hex
    for start in range(0, len(candidate_ids), 2000):
        Delivery.objects.filter(pk__in=candidate_ids[start : start + 2000], state=Delivery.PENDING).update(
            state=Delivery.SENDING, claim=token, claimed_at=now
        )
    deliveries = list(
        Delivery.objects.filter(claim=token, state=Delivery.SENDING).select_related(
            "activity", "activity__actor"
        )
    )
    if not deliveries:
        return 0
    unavailable = set(
        UnavailableDomain.objects.filter(
            unavailable=True, domain__in={d.domain for d in deliveries}
        ).values_list("domain", flat=True)
    )
    keys: dict[int, tuple[str, str]] = {}
    jobs = []
    skipped = []
    defederated = []
    for delivery in deliveries:
        if delivery.domain in unavailable:
            skipped.append(delivery.pk)
            continue
        if is_suspended(delivery.domain):
            defederated.append(delivery.pk)  # recorded before the suspension: dropped, never sent
            continue
        activity = delivery.activity
        if activity.pk not in keys:
            keys[activity.pk] = _signing_keys(activity)
        key_id, pem = keys[activity.pk]
        jobs.append((delivery.pk, delivery.inbox_url, bytes(activity.body), key_id, pem))
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(state=Delivery.FAILED, last_error="server unavailable")
    if defederated:
        Delivery.objects.filter(pk__in=defederated).update(
            state=Delivery.FAILED, last_error="domain suspended", claim=""
        )
    results = {}
    if jobs:
        heartbeat = _ClaimHeartbeat(token)
        heartbeat.start()
        try:
            results = asyncio.run(_send_all(jobs))
        finally:
            heartbeat.stop()
    _record_results(deliveries, results, token)
    schedule_retries()
    return len(jobs)


def _record_results(deliveries: list[Delivery], results: Results, token: str) -> None:
    """Record what each request got, on the rows this sender still holds (`token`)."""
    now = timezone.now()
    done, ok_domains, failed_domains = [], set(), set()
    with transaction.atomic():
        for delivery in deliveries:
            if delivery.pk not in results:
                continue
            status, error, refused = results[delivery.pk]
            if status is not None and 200 <= status < 300:
                done.append(delivery.pk)
                ok_domains.add(delivery.domain)
                continue
            attempts = delivery.attempts + 1
            permanent = refused or status in PERMANENT_STATUSES or attempts >= MAX_ATTEMPTS
            Delivery.objects.filter(pk=delivery.pk, claim=token).update(
                attempts=attempts,
                last_status=status,
                last_error=error[:500],
                state=Delivery.FAILED if permanent else Delivery.PENDING,
                claim="",
                next_attempt_at=None if permanent else now + backoff(attempts),
            )
            if not refused and (status is None or status >= 500):
                failed_domains.add(delivery.domain)
        if done:
            for start in range(0, len(done), 2000):
                Delivery.objects.filter(pk__in=done[start : start + 2000], claim=token).update(
                    state=Delivery.DONE, delivered_at=now, last_status=200, last_error="", claim=""
                )
        if ok_domains:
            mark_available(ok_domains)
        for domain in failed_domains - ok_domains:
            _note_failure(domain, now.date().isoformat())


def mark_available(domains) -> None:
    UnavailableDomain.objects.filter(domain__in=list(domains)).delete()


def _note_failure(domain: str, day: str) -> None:
    row, _ = UnavailableDomain.objects.get_or_create(domain=domain)
    days = list(row.failure_days or [])
    if day not in days:
        days.append(day)
    row.failure_days = days[-30:]
    row.unavailable = len(days) >= unavailable_after_days()
    row.save(update_fields=["failure_days", "unavailable", "updated_at"])


def schedule_retries() -> None:
    """Make sure a task wakes up for the earliest pending retry, and for the moment the oldest claim in
    flight would turn stale (so a delivery whose sender was killed is sent again without waiting for
    other work)."""
    from caravan.federation.tasks import deliver_retries

    moments = []
    next_retry = (
        Delivery.objects.filter(state=Delivery.PENDING, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_retry is not None:
        moments.append(next_retry)
    oldest_claim = (
        Delivery.objects.filter(state=Delivery.SENDING, claimed_at__isnull=False)
        .order_by("claimed_at")
        .values_list("claimed_at", flat=True)
        .first()
    )
    if oldest_claim is not None:
        moments.append(oldest_claim + claim_timeout() + timedelta(seconds=1))
    if not moments:
        return
    wake(deliver_retries, min(moments))
