"""Domain policies: what this server does with another server (suspend, limit, reject media, reject reports),
each with a public reason. Setting or lifting a suspension hides or shows that domain's accounts in a
background task (`apply_domain_suspension`); the federation face reads the policies to refuse, skip and drop.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.instance.domains import domain_filter, forget_cached_policies, normalise_domain
from caravan.instance.models import DomainPolicy
from caravan.timelines.services import remove_authors_from_all_feeds

MAX_REASON = 1000
MAX_NOTE = 5000


def may_moderate(user: User | None) -> bool:
    """Whether `user` may change domain policies. Staff today; the one place to switch to moderator roles."""
    return (
        user is not None and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)
    )


def check_moderator(user: User | None) -> None:
    if not may_moderate(user):
        raise DomainError(error_codes.MODERATORS_ONLY)


def check_domain(value: object) -> str:
    domain = normalise_domain(value)
    if not domain:
        raise DomainError(error_codes.DOMAIN_INVALID, field="domain")
    if domain == settings.DOMAIN.lower():
        raise DomainError(error_codes.DOMAIN_IS_OURS, field="domain")
    return domain


def set_domain_policy(
    user: User,
    domain: str,
    *,
    suspend: bool = False,
    limit: bool = False,
    reject_media: bool = False,
    reject_reports: bool = False,
    reason: str = "",
    note: str = "",
    create_only: bool = False,
) -> DomainPolicy:
    """Create or replace the policy for `domain` (normalised). A policy that newly suspends hides the domain's
    accounts in the background; one that stops suspending shows again those that suspension hid.
    `create_only` refuses a domain that has a policy already (the admin API's create)."""
    check_moderator(user)
    domain = check_domain(domain)
    reason, note = (reason or "").strip(), (note or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(error_codes.DOMAIN_REASON_TOO_LONG, field="reason", limit=MAX_REASON)
    if len(note) > MAX_NOTE:
        raise DomainError(error_codes.DOMAIN_REASON_TOO_LONG, field="note", limit=MAX_NOTE)
    if not (suspend or limit or reject_media or reject_reports):
        raise DomainError(error_codes.DOMAIN_POLICY_EMPTY, field="suspend")
    with transaction.atomic():
        policy = DomainPolicy.objects.select_for_update().filter(domain=domain).first()
        if policy is not None and create_only:
            raise DomainError(error_codes.DOMAIN_POLICY_EXISTS, field="domain")
        policy = policy or DomainPolicy(domain=domain)
        lifted_stamp = policy.suspended_since if (policy.suspend and not suspend) else None
        newly_suspended = suspend and not policy.suspend
        policy.suspend, policy.limit = suspend, limit
        policy.reject_media, policy.reject_reports = reject_media, reject_reports
        policy.reason, policy.note = reason, note
        if newly_suspended:
            policy.suspended_since = timezone.now()
        elif not suspend:
            policy.suspended_since = None
        policy.save()
        if newly_suspended:
            apply_domain_suspension.enqueue(policy.domain, policy.suspended_since.isoformat())
        if lifted_stamp is not None:
            lift_domain_suspension.enqueue(policy.domain, lifted_stamp.isoformat())
        transaction.on_commit(forget_cached_policies)
    forget_cached_policies()
    return policy


def remove_domain_policy(user: User, domain: str) -> None:
    """Remove the policy for `domain`; a suspension it held is lifted in the background."""
    check_moderator(user)
    domain = normalise_domain(domain) or str(domain)
    with transaction.atomic():
        policy = DomainPolicy.objects.select_for_update().filter(domain=domain).first()
        if policy is None:
            raise DomainError(error_codes.RECORD_NOT_FOUND)
        if policy.suspend and policy.suspended_since is not None:
            lift_domain_suspension.enqueue(policy.domain, policy.suspended_since.isoformat())
        policy.delete()
        transaction.on_commit(forget_cached_policies)
    forget_cached_policies()


def suspend_domain_accounts(domain: str, stamp: datetime) -> int:
    """Mark the accounts of `domain` (and its subdomains) that are not suspended yet as suspended with
    `stamp`; the visibility rule then hides their posts everywhere, and home feeds lose them. One UPDATE per 2,000 accounts."""
    ids = list(
        Account.objects.exclude(domain="")
        .filter(domain_filter(domain), suspended_at__isnull=True)
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 2000):
        Account.objects.filter(pk__in=ids[start : start + 2000], suspended_at__isnull=True).update(
            suspended_at=stamp
        )
    # Home feeds are materialized: their rows go too (lifting the suspension does not bring them back).
    remove_authors_from_all_feeds(ids)
    return len(ids)


def unsuspend_domain_accounts(domain: str, stamp: datetime) -> int:
    """Show again exactly the accounts a suspension of `domain` hid (those carrying its stamp)."""
    return (
        Account.objects.exclude(domain="")
        .filter(domain_filter(domain), suspended_at=stamp)
        .update(suspended_at=None)
    )


@task(queue_name="default")
def apply_domain_suspension(domain: str, stamp: str) -> int:
    policy = DomainPolicy.objects.filter(domain=domain, suspend=True).first()
    if policy is None or policy.suspended_since is None or policy.suspended_since.isoformat() != stamp:
        return 0  # lifted or replaced before this ran
    return suspend_domain_accounts(domain, policy.suspended_since)


@task(queue_name="default")
def lift_domain_suspension(domain: str, stamp: str) -> int:
    return unsuspend_domain_accounts(domain, datetime.fromisoformat(stamp))


def domain_policies() -> list[DomainPolicy]:
    """Every policy with its private note, for moderators."""
    return list(DomainPolicy.objects.order_by("domain"))


def domain_policy(policy_id: int) -> DomainPolicy:
    policy = DomainPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return policy
