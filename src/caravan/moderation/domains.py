"""Domain policies: what this server does with another server (suspend, limit, reject media, reject reports),
each with a public reason. Setting or lifting a suspension hides or shows that domain's accounts in a
background task (`apply_domain_suspension`); the federation face reads the policies to refuse, skip and drop.
"""

import csv
import io
from dataclasses import dataclass, field
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
from caravan.moderation.services import check_moderator
from caravan.timelines.services import remove_authors_from_all_feeds

MAX_REASON = 1000
MAX_NOTE = 5000


def check_domain(value: object) -> str:
    domain = normalise_domain(value)
    if not domain:
        raise DomainError(error_codes.POLICY_DOMAIN_INVALID, field="domain")
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


# Mastodon's domain-blocks CSV (Moderation > Federation > Export/Import, and shared blocklists)

CSV_HEADER = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"]
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 20_000


def severity_of(policy: DomainPolicy) -> str:
    """Mastodon's severity: suspend, silence (our limit) or noop (only media or reports rejected)."""
    return "suspend" if policy.suspend else "silence" if policy.limit else "noop"


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheets; a leading apostrophe keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def export_domain_policies_csv(user: User) -> str:
    """Every policy as Mastodon writes its domain-blocks export (the private note stays here)."""
    check_moderator(user)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for policy in DomainPolicy.objects.order_by("domain"):
        writer.writerow(
            [
                policy.domain,
                severity_of(policy),
                "true" if policy.reject_media else "false",
                "true" if policy.reject_reports else "false",
                _cell(policy.reason.replace("\r", " ").replace("\n", " ")),
                "false",
            ]
        )
    return out.getvalue()


@dataclass
class CsvImportResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # a policy existed already: the local choice stands
    invalid: list[int] = field(default_factory=list)  # line numbers that name no domain or no known severity


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


def import_domain_policies_csv(user: User, data: bytes) -> CsvImportResult:
    """Add the policies of a Mastodon domain-blocks CSV. Domains that already have a policy keep it (a shared
    list imported again changes nothing, and never weakens a stricter local choice); unreadable rows are
    reported by line. A header-less file of bare domains suspends them, as Mastodon's import does."""
    check_moderator(user)
    if len(data) > MAX_CSV_BYTES:
        raise DomainError(error_codes.DOMAIN_CSV_INVALID, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(error_codes.DOMAIN_CSV_INVALID, field="file") from None
    rows = list(csv.reader(io.StringIO(text)))[: MAX_CSV_ROWS + 1]
    header = [name.strip().lower().lstrip("#") for name in rows[0]] if rows else []
    if header and "domain" in header:
        rows = rows[1:]
        first_line = 2
    elif header and rows[0] and normalise_domain(rows[0][0]):
        header, first_line = [], 1
    else:
        raise DomainError(error_codes.DOMAIN_CSV_INVALID, field="file")
    columns = {name: index for index, name in enumerate(header)} or {"domain": 0}

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    result = CsvImportResult()
    for line, row in enumerate(rows, start=first_line):
        if not row or not any(part.strip() for part in row):
            continue
        domain = normalise_domain(cell(row, "domain"))
        severity = (cell(row, "severity") or "suspend").strip().lower()
        if not domain or domain == settings.DOMAIN.lower() or severity not in ("suspend", "silence", "noop"):
            result.invalid.append(line)
            continue
        reject_media, reject_reports = (
            _truthy(cell(row, "reject_media")),
            _truthy(cell(row, "reject_reports")),
        )
        if severity == "noop" and not (reject_media or reject_reports):
            result.invalid.append(line)  # a policy that does nothing
            continue
        if DomainPolicy.objects.filter(domain=domain).exists() or domain in result.created:
            result.skipped.append(domain)
            continue
        set_domain_policy(
            user,
            domain,
            suspend=severity == "suspend",
            limit=severity == "silence",
            reject_media=reject_media,
            reject_reports=reject_reports,
            reason=cell(row, "public_comment")[:MAX_REASON],
        )
        result.created.append(domain)
    return result
