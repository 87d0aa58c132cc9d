"""Reading the domain policies where other apps need them: which policy covers a domain (its own or a parent
domain's, the most specific winning, as Mastodon's domain blocks do), which domains are suspended, and the
marks a policy puts on its domain's accounts.

The inbox asks on every POST, so the set of policies is kept in memory; a change empties it in every process
before their next read (`forget_cached_policies`, through `caravan.invalidation`; kept no longer than
`CACHE_SECONDS` in any case, and not at all where processes cannot be told).
"""

import time
from datetime import datetime

from django.db.models import Q

from caravan import invalidation
from caravan.instance.models import DomainPolicy
from caravan.untrusted import valid_domain

CACHE_SECONDS = 10.0
_cache: dict[str, object] = {"at": 0.0, "policies": {}}


def normalise_domain(value: object) -> str:
    """The form a policy's domain is stored in (lower-case ASCII, IDNA for internationalised names, no
    scheme, path or trailing dot), or "" when `value` is not a domain `untrusted.valid_domain` accepts."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].rstrip(".")
    if text.startswith("*."):  # Mastodon's exports may write wildcards; a policy covers subdomains anyway
        text = text[2:]
    host, sep, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    try:
        host = host.encode("idna").decode("ascii") if not host.startswith("[") else host
    except (UnicodeError, ValueError):
        return ""
    text = (host + sep + port).lower()
    return text if valid_domain(text) else ""


def candidate_domains(domain: str) -> list[str]:
    """`domain` and every parent domain a policy could be written for, most specific first
    ("a.b.example:8443" gives itself, "a.b.example", "b.example", "example")."""
    domain = (domain or "").lower()
    if not domain:
        return []
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    names = [domain] if domain != host else []
    labels = host.split(".")
    names += [".".join(labels[i:]) for i in range(len(labels))]
    return names


def domain_filter(domain: str, field: str = "domain") -> Q:
    """Rows whose `field` (an account's or a delivery's domain) is `domain` or one of its subdomains, with or
    without a port."""
    return (
        Q(**{field: domain})
        | Q(**{f"{field}__endswith": "." + domain})
        | Q(**{f"{field}__startswith": domain + ":"})
        | (Q(**{f"{field}__contains": "." + domain + ":"}))
    )


def _policies() -> dict[str, DomainPolicy]:
    now = time.monotonic()
    caching = invalidation.enabled()
    if caching:
        invalidation.catch_up()
    if not caching or now - float(_cache["at"]) > CACHE_SECONDS:
        _cache["policies"] = {p.domain: p for p in DomainPolicy.objects.all()}
        _cache["at"] = now
    return _cache["policies"]  # type: ignore[return-value]


def _forget_here(_keys=None) -> None:
    _cache["at"] = 0.0


def forget_cached_policies() -> None:
    """Every process reads the policies again (call inside the changing transaction)."""
    invalidation.drop(POLICIES, invalidation.EVERYTHING)


POLICIES = "domain_policies"
invalidation.register(POLICIES, _forget_here, _forget_here)


def policy_for(domain: str) -> DomainPolicy | None:
    """The policy that covers `domain` (a remote account's or URL's authority), or None; "" (local) has none."""
    policies = _policies()
    if not policies:
        return None
    for name in candidate_domains(domain):
        if name in policies:
            return policies[name]
    return None


def is_suspended(domain: str) -> bool:
    policy = policy_for(domain)
    return policy is not None and policy.suspend


def account_marks(domain: str) -> dict[str, datetime]:
    """The moderation marks the policy covering `domain` puts on that domain's accounts ({"suspended_at":
    its suspension's stamp, "limited_at": its limit's stamp}, the effects it has), each written with the stamp
    that lets lifting the policy take off exactly what it put on. A new account of the domain is stored with
    them; lifting an account's own action leaves the domain's mark in place. Read from the database, not the
    cache: a few seconds' delay here would let an account in past a policy's background task for good."""
    names = candidate_domains(domain)
    found = {p.domain: p for p in DomainPolicy.objects.filter(domain__in=names)} if names else {}
    policy = next((found[name] for name in names if name in found), None)
    if policy is None:
        return {}
    marks = {}
    if policy.suspend and policy.suspended_since is not None:
        marks["suspended_at"] = policy.suspended_since
    if policy.limit and policy.limited_since is not None:
        marks["limited_at"] = policy.limited_since
    return marks


def rejects_media(domain: str) -> bool:
    policy = policy_for(domain)
    return policy is not None and (policy.reject_media or policy.suspend)


def rejects_reports(domain: str) -> bool:
    policy = policy_for(domain)
    return policy is not None and (policy.reject_reports or policy.suspend)


def public_policies() -> list[DomainPolicy]:
    """Every policy, by domain, for the public list (`/api/v1/instance/domain_blocks`, the about pages)."""
    return list(DomainPolicy.objects.order_by("domain"))
