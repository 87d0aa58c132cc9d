"""Limits on guessing passwords and on mass sign-ups, shared by the web pages, the OAuth sign-in page and the
client API. Counters live in Django's cache (Redis when CARAVAN_REDIS_URL is set, so every process shares them).

Sign-in failures are counted per account and per address, separately: a success resets neither, so signing in to
one's own account between guesses at someone else's buys nothing. Sign-up attempts are counted per address and
per network (IPv4 /24, IPv6 /48), so an attacker who holds a whole network cannot sign up from each of its
addresses in turn.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from caravan import error_codes
from caravan.accounts.models import User
from caravan.error_codes import ErrorKind
from caravan.errors import Throttled

if TYPE_CHECKING:
    from caravan.accounts.models import User


@dataclass(frozen=True)
class Limit:
    name: str
    setting: str  # the CARAVAN setting holding how many are allowed per window; 0 turns the limit off
    seconds: int
    refusal: ErrorKind  # what the refused person reads, with the minutes to wait

    @property
    def allowed(self) -> int:
        return settings.CARAVAN[self.setting]


# Mastodon allows 25 sign-in and 25 sign-up attempts per address in 5 minutes (rack-attack); an account's own
# failures are limited per hour, as a guesser can use many addresses.
FAILED_SIGN_INS_PER_ACCOUNT = Limit(
    "sign-in-account", "SIGN_IN_FAILURES_PER_ACCOUNT", 3600, error_codes.FAILED_SIGN_INS_TO_ACCOUNT
)
FAILED_SIGN_INS_PER_ADDRESS = Limit(
    "sign-in-address", "SIGN_IN_FAILURES_PER_ADDRESS", 300, error_codes.FAILED_SIGN_INS_FROM_NETWORK
)
SIGN_UPS_PER_ADDRESS = Limit(
    "sign-up-address", "SIGN_UPS_PER_ADDRESS", 300, error_codes.SIGN_UPS_FROM_NETWORK
)
# A network is many subscribers (a campus, a mobile carrier's NAT), so its limit is wider and counted per hour.
SIGN_UPS_PER_NETWORK = Limit(
    "sign-up-network", "SIGN_UPS_PER_NETWORK", 3600, error_codes.SIGN_UPS_FROM_NETWORK
)
# Password reset emails asked for, per account (whatever name it is asked by) and per address, per hour.
PASSWORD_RESETS_PER_ACCOUNT = Limit(
    "reset-account", "PASSWORD_RESETS_PER_ACCOUNT", 3600, error_codes.PASSWORD_RESETS_FOR_ACCOUNT
)
PASSWORD_RESETS_PER_ADDRESS = Limit(
    "reset-address", "PASSWORD_RESETS_PER_ADDRESS", 3600, error_codes.PASSWORD_RESETS_FROM_NETWORK
)
# Campaign joins, level changes and leaves per account per hour: one account cannot flap a count or flood a chart.
CAMPAIGN_CHANGES_PER_ACCOUNT = Limit(
    "campaign-account", "CAMPAIGN_JOINS_PER_HOUR", 3600, error_codes.CAMPAIGN_JOINS_TOO_FAST
)
# Lookups in the X-id directory per asking server per hour.
DIRECTORY_LOOKUPS_PER_SERVER = Limit(
    "directory-server", "DIRECTORY_LOOKUPS_PER_HOUR", 3600, error_codes.DIRECTORY_LOOKUPS_THROTTLED
)


def client_address(request: HttpRequest) -> str:
    """The address a request came from. With CARAVAN_BEHIND_PROXY, `caravan serve` (uvicorn's proxy_headers)
    has already put the client's address from X-Forwarded-For here, trusting that header only from the
    proxies in FORWARDED_ALLOW_IPS (loopback by default), so a client cannot choose its own address."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def address_key(address: str) -> str:
    """IPv6 addresses are counted per /64: one subscriber usually holds a whole /64."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def network_key(address: str) -> str:
    """The network an address belongs to, as sign-up limits, holds and the moderators' clusters count it:
    IPv4 per /24, IPv6 per /48 (a site's usual allocation); "" for what is not an address."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if isinstance(ip, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network((ip, prefix), strict=False))


def account_key(user_id: int | None, identifier: str) -> str:
    """One counter per account however it is named (username or email); one per unknown name typed."""
    if user_id is not None:
        return f"user{user_id}"
    return "name" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def _key(limit: Limit, who: str, index: int) -> str:
    return f"throttle:{limit.name}:{who}:{index}"


def _tally(limit: Limit, who: str, add: bool) -> tuple[float, int]:
    """A sliding window over the last `limit.seconds`: (how many are counted now, seconds until one more would
    be allowed). Counters are kept per fixed window and the previous window weighs by how much of it still lies
    within the last `seconds`: fixed windows alone let twice the limit through around each boundary."""
    seconds = limit.seconds
    now = time.time()
    index = int(now // seconds)
    elapsed = now - index * seconds
    key = _key(limit, who, index)
    if not add:
        current = int(cache.get(key, 0))
    elif cache.add(key, 1, 2 * seconds + 5):  # kept for two windows: the next one still weighs it
        current = 1
    else:
        try:
            current = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, 2 * seconds + 5)
            current = 1
    previous = int(cache.get(_key(limit, who, index - 1), 0))
    counted = current + previous * (1 - elapsed / seconds)
    room = limit.allowed - 1  # what may be counted for one more to pass
    if current <= room:  # waiting for the previous window to weigh less
        wait = seconds * (1 - (room - current) / previous) - elapsed if previous else 0
    else:  # waiting for this window to end and then weigh less
        wait = (seconds - elapsed) + seconds * (1 - room / current)
    # Nothing counted now lies within the last `seconds` once they have passed (the estimate may disagree).
    return counted, max(1, min(seconds, math.ceil(wait)))


def _count(limit: Limit, who: str) -> tuple[float, int]:
    return _tally(limit, who, add=False)


def _add(limit: Limit, who: str) -> tuple[float, int]:
    return _tally(limit, who, add=True)


def _refuse(limit: Limit, retry_after: int) -> Throttled:
    return Throttled(limit.refusal, retry_after=retry_after)


def check_sign_in(user_id: int | None, identifier: str, address: str) -> None:
    """Before a password is even looked at: raises Throttled when this account or this address has failed too
    often lately (a right password then fails too, or the limit would only slow down wrong guesses)."""
    for limit, who in (
        (FAILED_SIGN_INS_PER_ACCOUNT, account_key(user_id, identifier)),
        (FAILED_SIGN_INS_PER_ADDRESS, address_key(address)),
    ):
        if limit.allowed:
            count, retry_after = _count(limit, who)
            if count >= limit.allowed:
                raise _refuse(limit, retry_after)


def note_failed_sign_in(user_id: int | None, identifier: str, address: str) -> None:
    _add(FAILED_SIGN_INS_PER_ACCOUNT, account_key(user_id, identifier))
    _add(FAILED_SIGN_INS_PER_ADDRESS, address_key(address))


def check_password(request: HttpRequest, identifier: str, password: str) -> "User | None":
    """A sign-in's password check under the limits: the User that `identifier` names (username in any case,
    or email address) when `password` is theirs; otherwise None, counted as a failure. Raises Throttled,
    without looking at the password, when that account or this address has failed too often lately."""
    from django.contrib.auth import authenticate

    name = identifier.strip().lstrip("@")
    found = (
        User.objects.filter(username__iexact=name).first()
        or User.objects.filter(email__iexact=name).exclude(email="").first()
    )
    user_id, address = (found.pk if found else None), client_address(request)
    check_sign_in(user_id, name, address)
    user = authenticate(request, username=found.username, password=password) if found else None
    if user is None:
        note_failed_sign_in(user_id, name, address)
    return user


def check_sign_up(address: str) -> None:
    """Counts one sign-up attempt from `address` and from its network; raises Throttled past either limit."""
    network = network_key(address)
    for limit, who in ((SIGN_UPS_PER_ADDRESS, address_key(address)), (SIGN_UPS_PER_NETWORK, network)):
        if who:
            charge(limit, who)


def charge(limit: Limit, who: str) -> None:
    """Counts one more of `limit` for `who`; raises Throttled past the limit (a limit set to 0 is off)."""
    if limit.allowed:
        count, retry_after = _add(limit, who)
        if count > limit.allowed:
            raise _refuse(limit, retry_after)


def check_campaign_change(account_id: int) -> None:
    """Counts one campaign join, level change or leave by this account; raises Throttled past the limit."""
    charge(CAMPAIGN_CHANGES_PER_ACCOUNT, f"account{account_id}")


def check_password_reset_address(address: str) -> None:
    """Counts one password reset request from this address; raises Throttled past the limit (shown as 429)."""
    charge(PASSWORD_RESETS_PER_ADDRESS, address_key(address))


def may_send_password_reset(user_id: int) -> bool:
    """Counts one reset email for this account; False past the limit. The page answers the same either way,
    so that it never tells whether an account exists."""
    try:
        charge(PASSWORD_RESETS_PER_ACCOUNT, account_key(user_id, ""))
    except Throttled:
        return False
    return True
