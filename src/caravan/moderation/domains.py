"""Domain policies: what this server does with another server (suspend, limit, reject media, reject reports),
each with a public reason. Setting or lifting a suspension or a limit marks or un-marks that domain's accounts
in a background task (`apply_domain_suspension`, `apply_domain_limit`), with a stamp so that lifting takes off
only what the policy put on; the federation face reads the policies to refuse, skip and drop.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.instance.domains import domain_filter, forget_cached_policies, normalise_domain
from caravan.instance.models import DomainPolicy
from caravan.moderation.models import ActionKind, ModerationAction
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
        changes = [_change(policy, "suspend", suspend), _change(policy, "limit", limit)]
        policy.suspend, policy.limit = suspend, limit
        policy.reject_media, policy.reject_reports = reject_media, reject_reports
        policy.reason, policy.note = reason, note
        policy.save()
        for change in changes:
            change.enqueue(policy.domain)
        forget_cached_policies()  # here and in every process, now and when this commits
    return policy


@dataclass
class _MarkChange:
    """What a policy change does to one of its marks: a new stamp to apply, an old one to lift, or neither."""

    apply_task: object = None
    lift_task: object = None
    stamp: datetime | None = None

    def enqueue(self, domain: str) -> None:
        if self.apply_task is not None:
            self.apply_task.enqueue(domain, self.stamp.isoformat())
        if self.lift_task is not None:
            self.lift_task.enqueue(domain, self.stamp.isoformat())


def _change(policy: DomainPolicy, effect: str, wanted: bool) -> _MarkChange:
    """Set the stamp of `effect` ("suspend" or "limit") on `policy` for its new value, and say which task the
    change needs: a newly set effect marks the accounts with a new stamp, a dropped one un-marks the old."""
    since, (apply_task, lift_task) = f"{EFFECTS[effect]}_since", TASKS[effect]
    had, stamp = getattr(policy, effect), getattr(policy, since)
    if wanted and not had:
        setattr(policy, since, timezone.now())
        return _MarkChange(apply_task=apply_task, stamp=getattr(policy, since))
    if not wanted:
        setattr(policy, since, None)
        if had and stamp is not None:
            return _MarkChange(lift_task=lift_task, stamp=stamp)
    return _MarkChange()


def remove_domain_policy(user: User, domain: str) -> None:
    """Remove the policy for `domain`; a suspension it held is lifted in the background."""
    check_moderator(user)
    domain = normalise_domain(domain) or str(domain)
    with transaction.atomic():
        policy = DomainPolicy.objects.select_for_update().filter(domain=domain).first()
        if policy is None:
            raise DomainError(error_codes.RECORD_NOT_FOUND)
        for effect in EFFECTS:
            _change(policy, effect, False).enqueue(policy.domain)
        policy.delete()
        forget_cached_policies()  # here and in every process, now and when this commits


# A policy's effect, the name of the stamp it writes ("suspend" writes `DomainPolicy.suspended_since` into
# `Account.suspended_at`), and the kind of moderator action that can hold the same mark on one account.
EFFECTS = {"suspend": "suspended", "limit": "limited"}
KINDS = {"suspend": ActionKind.SUSPEND, "limit": ActionKind.LIMIT}
BATCH = 2000


def mark_domain_accounts(domain: str, effect: str, stamp: datetime) -> list[int]:
    """Mark the accounts of `domain` (and its subdomains) that do not carry the mark yet with `stamp`; the
    visibility rule then hides (suspend) or holds back (limit) their posts on every read path. One UPDATE
    per 2,000 accounts; returns the ids marked."""
    mark = f"{EFFECTS[effect]}_at"
    ids = list(
        Account.objects.exclude(domain="")
        .filter(domain_filter(domain), **{f"{mark}__isnull": True})
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        Account.objects.filter(pk__in=ids[start : start + BATCH], **{f"{mark}__isnull": True}).update(
            **{mark: stamp}
        )
    return ids


def unmark_domain_accounts(domain: str, effect: str, stamp: datetime) -> int:
    """Take the mark off exactly the accounts the policy's `effect` marked (those carrying its stamp), except
    those a moderator's own standing action of the same kind holds, and accounts deleted since."""
    mark = f"{EFFECTS[effect]}_at"
    held = ModerationAction.objects.filter(kind=KINDS[effect], lifted_at__isnull=True).values(
        "target_account_id"
    )
    marked = (
        Account.objects.exclude(domain="")
        .filter(domain_filter(domain), **{mark: stamp})
        .exclude(pk__in=held)
        .exclude(deleted_at__isnull=False)
    )
    if effect == "suspend":
        # An account its own server says is suspended stays hidden, now with that server's stamp.
        marked.filter(remote_suspended_at__isnull=False).update(suspended_at=F("remote_suspended_at"))
    return marked.update(**{mark: None})


def suspend_domain_accounts(domain: str, stamp: datetime) -> int:
    """Suspend the domain's accounts with `stamp`: from then on every read path hides them (home feeds skip
    their rows). Deleting those feed rows is left to `purge_suspended_domain_feeds`."""
    return len(mark_domain_accounts(domain, "suspend", stamp))


def unsuspend_domain_accounts(domain: str, stamp: datetime) -> int:
    """Show again exactly the accounts a suspension of `domain` hid (those carrying its stamp)."""
    return unmark_domain_accounts(domain, "suspend", stamp)


def _current_stamp(domain: str, effect: str, stamp: str) -> datetime | None:
    """The policy's stamp for `effect` if it is still `stamp` (else the change was lifted or replaced before
    its task ran, and the task does nothing)."""
    policy = DomainPolicy.objects.filter(domain=domain, **{effect: True}).first()
    since = getattr(policy, f"{EFFECTS[effect]}_since", None) if policy is not None else None
    return since if since is not None and since.isoformat() == stamp else None


@task(queue_name="default")
def apply_domain_suspension(domain: str, stamp: str) -> int:
    """Hide the domain's accounts (seconds, however many there are), then leave the feed rows' deletion to
    its own, paced task."""
    since = _current_stamp(domain, "suspend", stamp)
    if since is None:
        return 0
    hidden = suspend_domain_accounts(domain, since)
    purge_suspended_domain_feeds.enqueue(domain, stamp)
    return hidden


# The purge works at most this share of the time and rests the rest, so that readers and writers on a small
# machine keep their speed while millions of rows go.
PURGE_DUTY = 0.5


@task(queue_name="default")
def purge_suspended_domain_feeds(domain: str, stamp: str) -> int:
    """Housekeeping after a domain suspension: delete the home feed rows of the accounts it hid (which reads
    already skip). Paced (`PURGE_DUTY`), and it stops as soon as the suspension is lifted or replaced, so a
    lifted domain's accounts keep what is left of their place in feeds."""
    since = _current_stamp(domain, "suspend", stamp)
    if since is None:
        return 0
    ids = list(
        Account.objects.exclude(domain="")
        .filter(domain_filter(domain), suspended_at=since)
        .values_list("pk", flat=True)
    )
    return remove_authors_from_all_feeds(
        ids, duty=PURGE_DUTY, still_wanted=lambda: _current_stamp(domain, "suspend", stamp) is not None
    )


@task(queue_name="default")
def lift_domain_suspension(domain: str, stamp: str) -> int:
    return unsuspend_domain_accounts(domain, datetime.fromisoformat(stamp))


@task(queue_name="default")
def apply_domain_limit(domain: str, stamp: str) -> int:
    """Limit the domain's accounts, as a moderator's limit does one account: their posts reach only their
    followers and the people they mention, and their new follows of local people need approval."""
    since = _current_stamp(domain, "limit", stamp)
    return len(mark_domain_accounts(domain, "limit", since)) if since is not None else 0


@task(queue_name="default")
def lift_domain_limit(domain: str, stamp: str) -> int:
    return unmark_domain_accounts(domain, "limit", datetime.fromisoformat(stamp))


TASKS = {
    "suspend": (apply_domain_suspension, lift_domain_suspension),
    "limit": (apply_domain_limit, lift_domain_limit),
}


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
