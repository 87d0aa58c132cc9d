"""Every change to a campaign: starting, approving, joining at a level, changing it, leaving, members becoming
verified, members stopping or starting to count (suspension, deletion), the starter list.

Counts are kept, never counted per request: each change locks the campaign row, moves the membership and adds
or subtracts one in the matching count column, and writes today's history row, all in one transaction
(decision 0029). `recount` computes the same numbers from the memberships; tests hold the two equal.
"""

import re
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django_tasks import task

from caravan import error_codes, events, lookup, relationships, throttling
from caravan.accounts.models import Account, User
from caravan.accounts.services import create_local_account
from caravan.campaigns.models import (
    COUNT_FIELDS,
    LEVELS,
    Campaign,
    CampaignDay,
    Membership,
    RemoteCommitment,
    Starter,
    Status,
    count_field,
)
from caravan.errors import Collected, DomainError
from caravan.notifications.services import notify_about
from caravan.untrusted import without_bidi_controls

MAX_TITLE = 120
MAX_DESCRIPTION = 5000
MAX_TARGET = 100_000_000
MAX_STARTERS = 50
NOTIFICATION_TYPE = "caravan.campaign"


def _clean_text(value: object, *, multiline: bool) -> str:
    """Text as a person may write it: no bidi controls (they could flip what surrounds the text on the page),
    no other control characters (a NUL cannot even be stored by PostgreSQL), Unicode in its composed form."""
    text = unicodedata.normalize("NFC", without_bidi_controls(str(value or "")))
    kept = "\n" if multiline else ""
    return "".join(
        ch for ch in text if ch in kept or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()


def _check_fields(title: object, description: object, target: object, deadline: object) -> dict:
    """The campaign's fields cleaned, or every problem with them at once (DomainErrors)."""
    problems = Collected()
    title = _clean_text(title, multiline=False)
    if not title:
        problems.add(DomainError(error_codes.CAMPAIGN_TITLE_REQUIRED, field="title"))
    elif len(title) > MAX_TITLE:
        problems.add(DomainError(error_codes.CAMPAIGN_TITLE_TOO_LONG, field="title"))
    description = _clean_text(str(description or "").replace("\r\n", "\n"), multiline=True)
    if len(description) > MAX_DESCRIPTION:
        problems.add(DomainError(error_codes.CAMPAIGN_DESCRIPTION_TOO_LONG, field="description"))
    try:
        target = int(str(target).strip())
    except (TypeError, ValueError):
        target = 0
    if not 1 <= target <= MAX_TARGET:
        problems.add(DomainError(error_codes.CAMPAIGN_TARGET_INVALID, field="target"))
    if deadline in (None, ""):
        deadline = None
    elif not isinstance(deadline, date):
        try:
            deadline = date.fromisoformat(str(deadline).strip()[:10])
        except ValueError:
            deadline = date.min  # unreadable: reported below as a deadline not in the future
    if deadline is not None and deadline <= timezone.localdate():
        problems.add(DomainError(error_codes.CAMPAIGN_DEADLINE_INVALID, field="deadline"))
    problems.raise_any()
    return {"title": title, "description": description, "target": target, "deadline": deadline}


def start_campaign(
    owner: Account, *, title: object, description: object = "", target: object, deadline: object = None
) -> Campaign:
    """Any local account may start a campaign; with CARAVAN_CAMPAIGNS_NEED_APPROVAL it waits for an admin
    (an admin's own opens at once)."""
    fields = _check_fields(title, description, target, deadline)
    if owner.suspended_at is not None or owner.deleted_at is not None:
        raise DomainError(error_codes.CAMPAIGN_ACCOUNT_CANNOT_JOIN)
    user = User.objects.filter(account=owner).first()
    needs_approval = settings.CARAVAN["CAMPAIGNS_NEED_APPROVAL"] and not (user and user.may_administer)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            owner=owner, status=Status.PENDING if needs_approval else Status.OPEN, **fields
        )
        campaign.actor = _make_actor(campaign)
        campaign.save(update_fields=["actor"])
    return campaign


def _make_actor(campaign: Campaign) -> Account:
    """The campaign's ActivityPub actor: a Group that others follow to join, its page the campaign's."""
    username = f"campaign_{campaign.id}"
    while Account.objects.filter(domain="", username__iexact=username).exists():
        username += "_"
    actor = create_local_account(username)
    Account.objects.filter(pk=actor.pk).update(
        display_name=campaign.title[:100],
        note=campaign.description[:500],
        note_html="".join(f"<p>{line}</p>" for line in _escaped_lines(campaign.description[:500])),
        group=True,
        discoverable=False,
        url=f"{settings.BASE_URL}{campaign.path}",
    )
    actor.refresh_from_db()
    return actor


def _escaped_lines(text: str) -> list[str]:
    return [escape(line) for line in text.split("\n") if line.strip()]


def decide_campaign(admin: User, campaign: Campaign, *, approve: bool) -> Campaign:
    """An admin opens a campaign awaiting approval, or turns it down; its owner is told either way."""
    if not admin.may_administer:
        raise DomainError(error_codes.CAMPAIGN_ONLY_OWNER)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Status.PENDING:
            raise DomainError(error_codes.CAMPAIGN_ALREADY_DECIDED)
        campaign.status = Status.OPEN if approve else Status.REJECTED
        campaign.save(update_fields=["status"])
        notify_about(campaign.owner, NOTIFICATION_TYPE, campaign.id, "approved" if approve else "rejected")
    return campaign


def _verification(account: Account, now: datetime) -> tuple[bool, datetime | None]:
    """(verified now, when it may become verified). An account verifies once it is older than the server's
    minimum age and (if local) approved; a remote account's age is how long this server has known it."""
    ages_at = account.created_at + timedelta(days=settings.CARAVAN["CAMPAIGN_MIN_ACCOUNT_AGE_DAYS"])
    approved = not account.is_local or User.objects.filter(account=account, approved=True).exists()
    if approved and ages_at <= now:
        return True, None
    return False, ages_at


def _counts_now(campaign: Campaign) -> None:
    """Write today's history row from the campaign's counts (the caller holds the campaign's lock)."""
    values = campaign.counts()
    updated = CampaignDay.objects.filter(campaign=campaign, day=timezone.localdate()).update(**values)
    if not updated:
        CampaignDay.objects.create(campaign=campaign, day=timezone.localdate(), **values)


def _apply(campaign: Campaign, changes: Counter) -> None:
    """Add `changes` (count field -> difference) to the locked campaign row, record the day, and see whether
    the target has just been met."""
    changes = {name: n for name, n in changes.items() if n}
    if not changes:
        return
    for name, n in changes.items():
        setattr(campaign, name, getattr(campaign, name) + n)
    fields = list(changes)
    if campaign.target_met_at is None and campaign.headline >= campaign.target:
        campaign.target_met_at = timezone.now()
        fields.append("target_met_at")
        notify_target_met.enqueue(campaign.id)
    campaign.save(update_fields=fields)
    _counts_now(campaign)


def _locked(campaign_id: int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _joinable(campaign: Campaign, account: Account) -> None:
    """Open, and its deadline (if any) not passed: a campaign's counts stand still once it is over."""
    if campaign.status != Status.OPEN or (campaign.deadline and campaign.deadline < timezone.localdate()):
        raise DomainError(error_codes.CAMPAIGN_NOT_OPEN)
    if account.suspended_at is not None or account.deleted_at is not None:
        raise DomainError(error_codes.CAMPAIGN_ACCOUNT_CANNOT_JOIN)


def check_level(level: object) -> str:
    if level not in LEVELS:
        raise DomainError(error_codes.CAMPAIGN_LEVEL_UNKNOWN, field="level")
    return str(level)


def join(campaign: Campaign, account: Account, level: object, *, throttle: bool = True) -> Membership:
    """Join `campaign` at `level`, or move one's one membership to it. Rate-limited per account (a remote
    server's reports pass `throttle=False`: they are limited where they arrive)."""
    level = check_level(level)
    _joinable(campaign, account)
    if throttle:
        throttling.check_campaign_change(account.id)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(campaign.pk)
        membership = Membership.objects.filter(campaign=locked, account=account).first()
        changes: Counter = Counter()
        if membership is None:
            verified, verifies_at = _verification(account, now)
            membership = Membership.objects.create(
                campaign=locked,
                account=account,
                level=level,
                verified=verified,
                verifies_at=verifies_at,
                remote=not account.is_local,
            )
            changes[count_field(level, verified)] += 1
        elif membership.level != level:
            if membership.counted:
                changes[count_field(membership.level, membership.verified)] -= 1
                changes[count_field(level, membership.verified)] += 1
            membership.level = level
            membership.save(update_fields=["level", "changed_at"])
        _apply(locked, changes)
    _refresh(campaign, locked)
    return membership


def leave(campaign: Campaign, account: Account, *, throttle: bool = True) -> None:
    """Leave `campaign`; leaving a campaign one is not in is refused."""
    if throttle:
        throttling.check_campaign_change(account.id)
    with transaction.atomic():
        locked = _locked(campaign.pk)
        membership = Membership.objects.filter(campaign=locked, account=account).first()
        if membership is None:
            raise DomainError(error_codes.CAMPAIGN_NOT_A_MEMBER)
        changes: Counter = Counter()
        if membership.counted:
            changes[count_field(membership.level, membership.verified)] -= 1
        membership.delete()
        _apply(locked, changes)
    _refresh(campaign, locked)


def _refresh(campaign: Campaign, locked: Campaign) -> None:
    for name in (*COUNT_FIELDS, "target_met_at"):
        setattr(campaign, name, getattr(locked, name))


def _due(campaign: Campaign, now: datetime):
    return (
        Membership.objects.filter(campaign=campaign, verified=False, counted=True, verifies_at__lte=now)
        .filter(Q(remote=True) | Q(account__user__approved=True))
        .only("id", "level")
    )


def settle_verifications(campaign: Campaign) -> int:
    """Members whose accounts have aged past the minimum (and been approved) since they joined move from the
    unverified counts into the headline. Cheap when nothing is due (one indexed query): pages call it before
    they show the counts. Returns how many moved."""
    now = timezone.now()
    if not _due(campaign, now).exists():
        return 0
    with transaction.atomic():
        locked = _locked(campaign.pk)
        due = list(_due(locked, now))
        changes: Counter = Counter()
        for membership in due:
            changes[count_field(membership.level, False)] -= 1
            changes[count_field(membership.level, True)] += 1
        Membership.objects.filter(pk__in=[m.pk for m in due]).update(verified=True, verifies_at=None)
        _apply(locked, changes)
    _refresh(campaign, locked)
    return len(due)


def set_counting(account: Account, counting: bool) -> None:
    """Stop (a suspension, a deletion) or start again (a suspension lifted) counting `account` in every campaign
    it is in; one locked update per campaign."""
    with transaction.atomic():
        for membership in Membership.objects.filter(account=account, counted=not counting).select_related(
            None
        ):
            locked = _locked(membership.campaign_id)
            membership.counted = counting
            membership.save(update_fields=["counted"])
            _apply(
                locked, Counter({count_field(membership.level, membership.verified): 1 if counting else -1})
            )


def account_moderated(account: Account, action: object = None, **_: object) -> None:
    """Listener of `account.moderated`: counting follows whether the account is now suspended."""
    current = Account.objects.filter(pk=account.pk).only("suspended_at", "deleted_at").first()
    set_counting(account, current is not None and current.suspended_at is None and current.deleted_at is None)


def account_deleted(account: Account, **_: object) -> None:
    set_counting(account, False)


def recount(campaign: Campaign) -> dict[str, int]:
    """The counts computed from the memberships themselves: what the kept counts must always equal."""
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    rows = Membership.objects.filter(campaign=campaign, counted=True).values_list("level", "verified")
    for level, verified in rows:
        counts[count_field(level, verified)] += 1
    return counts


@task()
def notify_target_met(campaign_id: int) -> None:
    """Every local member hears that the target is met (the "will move" members' notice links the guided
    move). A task, as a campaign may have many members."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return
    members = Membership.objects.filter(campaign=campaign, remote=False, counted=True).select_related(
        "account"
    )
    for membership in members.iterator(chunk_size=1000):
        notify_about(membership.account, NOTIFICATION_TYPE, campaign.id, "target_met", campaign.owner)


# The starter list


def add_starter(campaign: Campaign, by: Account, account: Account) -> Starter:
    """The owner asks a local account to be on the starter list; it is shown only once that account accepts."""
    if by.pk != campaign.owner_id:
        raise DomainError(error_codes.CAMPAIGN_ONLY_OWNER)
    if not account.is_local or account.suspended_at is not None:
        raise DomainError(error_codes.CAMPAIGN_STARTER_NOT_LOCAL, field="account")
    with transaction.atomic():
        if Starter.objects.filter(campaign=campaign).count() >= MAX_STARTERS:
            raise DomainError(error_codes.CAMPAIGN_STARTERS_FULL)
        starter, created = Starter.objects.get_or_create(campaign=campaign, account=account)
        if created and account.pk != by.pk:
            notify_about(account, NOTIFICATION_TYPE, campaign.id, "starter_invite", by)
        elif created:
            starter.accepted_at = timezone.now()
            starter.save(update_fields=["accepted_at"])
    return starter


def answer_starter(campaign: Campaign, account: Account, *, accept: bool) -> None:
    """The asked account accepts being listed, or declines (and its entry goes)."""
    starter = Starter.objects.filter(campaign=campaign, account=account).first()
    if starter is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    if accept:
        Starter.objects.filter(pk=starter.pk, accepted_at__isnull=True).update(accepted_at=timezone.now())
    else:
        starter.delete()


def follow_starters(campaign: Campaign, account: Account) -> int:
    """The "follow all" button: follow (or ask to follow) every listed starter; returns how many were asked.
    A starter one may not follow (a block) is skipped."""
    asked = 0
    for starter in Starter.objects.filter(
        campaign=campaign, accepted_at__isnull=False, account__suspended_at__isnull=True
    ).select_related("account"):
        if starter.account_id == account.pk:
            continue
        try:
            relationships.follow(account, starter.account)
        except DomainError:
            continue
        asked += 1
    return asked


# Campaigns of other servers


def commit_to_remote(account: Account, campaign_actor: Account, level: object) -> RemoteCommitment:
    """A local person joins a campaign of another server at `level` (or changes it): kept here, and reported
    to that server (the federation face sends a Join signed by the person, on `campaign.remote_commitment`)."""
    level = check_level(level)
    if campaign_actor.is_local or not campaign_actor.group:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    throttling.check_campaign_change(account.id)
    with transaction.atomic():
        commitment, _ = RemoteCommitment.objects.update_or_create(
            account=account, campaign_actor=campaign_actor, defaults={"level": level}
        )
        events.emit("campaign.remote_commitment", account=account, campaign_actor=campaign_actor, level=level)
    return commitment


def withdraw_from_remote(account: Account, campaign_actor: Account) -> None:
    throttling.check_campaign_change(account.id)
    with transaction.atomic():
        deleted, _ = RemoteCommitment.objects.filter(account=account, campaign_actor=campaign_actor).delete()
        if not deleted:
            raise DomainError(error_codes.CAMPAIGN_NOT_A_MEMBER)
        events.emit("campaign.remote_commitment", account=account, campaign_actor=campaign_actor, level=None)


def campaign_of_actor(actor: Account) -> Campaign | None:
    if not actor.is_local or not actor.group:
        return None
    return Campaign.objects.filter(actor=actor).first()


_CAMPAIGN_PAGE = re.compile(r"^https?://(?P<host>[^/\s]+)/campaigns/(?P<id>\d{1,20})/?$")


def find_remote_campaign(query: object) -> Account | None:
    """Another server's campaign actor from what a person pastes: its handle (`campaign_1@host`), its actor's
    URL, or a Caravan campaign page's URL (`https://host/campaigns/1`, whose actor is `campaign_1@host`)."""
    text = str(query or "").strip()[:500]
    page = _CAMPAIGN_PAGE.match(text)
    if page:
        found = lookup.account(f"campaign_{page['id']}", page["host"].lower())
    elif text.startswith(("https://", "http://")):
        found = lookup.object_at(text)
    elif text.lstrip("@").count("@") == 1:
        username, domain = text.lstrip("@").split("@")
        found = lookup.account(username, domain.lower()) if username and domain else None
    else:
        found = None
    if not isinstance(found, Account) or found.is_local or not found.group:
        return None
    return found


def reconcile(campaign: Campaign) -> dict[str, int]:
    """Make the kept counts the truth again: members whose accounts were suspended or deleted without an event
    (a domain policy's task, a remote server's own suspension) stop counting, lifted ones count again, and the
    counts are set from the memberships. An operator's repair (`caravan manage recount_campaigns`); it reads
    every membership, so it is not for requests."""
    with transaction.atomic():
        locked = _locked(campaign.pk)
        members = Membership.objects.filter(campaign=locked)
        gone = Q(account__suspended_at__isnull=False) | Q(account__deleted_at__isnull=False)
        Membership.objects.filter(pk__in=members.filter(counted=True).filter(gone).values("pk")).update(
            counted=False
        )
        Membership.objects.filter(pk__in=members.filter(counted=False).exclude(gone).values("pk")).update(
            counted=True
        )
        truth = recount(locked)
        _apply(locked, Counter({name: truth[name] - getattr(locked, name) for name in COUNT_FIELDS}))
    _refresh(campaign, locked)
    return truth
