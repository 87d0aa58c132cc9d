"""Making, committing to, withdrawing from and closing pacts; following everyone once one is met.

Check, then do: `check_new_pact` validates and gathers the people without writing; the rest change state in one
transaction each, with the counts kept in the pact row (moved by one under a lock on that row), so a count is
never recounted and two commitments at once never both miss the threshold. Nobody's choice leaves this module
except as a count: notifications name the owner (or the recipient), never the person who committed.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from caravan import error_codes, events, mail, relationships
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.moving.models import FollowCandidate
from caravan.notifications.services import notify_about
from caravan.pacts import tasks
from caravan.pacts.models import (
    MAX_CHANGES,
    MAX_DAYS,
    MAX_MEMBERS,
    MAX_OPEN_PACTS,
    Pact,
    PactMember,
    PactPeople,
    PactState,
)
from caravan.social.models import Block, Follow, FollowRequest
from caravan.timelines.models import List, ListMember
from caravan.worker import wake

PACT_NOTIFICATION = "caravan.pact"


@dataclass(frozen=True)
class NewPact:
    owner: Account
    people: str
    threshold: int
    deadline: datetime | None
    members: list[Account]


def people_of(owner: Account, people: str, list_id: int | None = None) -> list[Account]:
    """Who a pact of `owner` would count: the people their archive import found, or one of their lists; never
    themselves, nobody suspended, deleted or moved, nobody who blocks them or whom they block."""
    if people == PactPeople.LIST:
        chosen = List.objects.filter(pk=list_id, owner=owner).first() if list_id else None
        if chosen is None:
            raise DomainError(error_codes.PACT_LIST_MISSING, field="list")
        ids = ListMember.objects.filter(list=chosen).values_list("account_id", flat=True)
    elif people == PactPeople.MATCHED:
        ids = FollowCandidate.objects.filter(account=owner, target__isnull=False).values_list(
            "target_id", flat=True
        )
    else:
        raise DomainError(error_codes.PACT_PEOPLE_UNKNOWN, field="people")
    blocked = set(Block.objects.filter(account=owner).values_list("target_account_id", flat=True))
    blocked |= set(Block.objects.filter(target_account=owner).values_list("account_id", flat=True))
    members = (
        Account.objects.filter(pk__in=ids)
        .exclude(pk=owner.pk)
        .exclude(pk__in=blocked)
        .filter(suspended_at__isnull=True, deleted_at__isnull=True, moved_to__isnull=True)
        .order_by("id")
    )
    return list(members[: MAX_MEMBERS + 1])


def parse_deadline(text: str | None) -> datetime | None:
    """A deadline as people and apps write it: empty (none), a date (the end of that day, UTC) or an ISO 8601
    moment (UTC when it names no offset)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.max)
        else:
            moment = datetime.fromisoformat(text[:40].replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(error_codes.PACT_DEADLINE_INVALID, field="deadline", days=MAX_DAYS) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_new_pact(
    owner: Account,
    *,
    threshold: int | None,
    deadline: datetime | None = None,
    people: str = PactPeople.MATCHED,
    list_id: int | None = None,
) -> NewPact:
    """Everything that would stop `owner` making this pact, checked without writing anything."""
    if threshold is None or not 1 <= threshold <= MAX_MEMBERS:
        raise DomainError(error_codes.PACT_THRESHOLD_INVALID, field="threshold", limit=MAX_MEMBERS)
    if deadline is not None:
        now = timezone.now()
        if deadline <= now or deadline > now + timedelta(days=MAX_DAYS):
            raise DomainError(error_codes.PACT_DEADLINE_INVALID, field="deadline", days=MAX_DAYS)
    if Pact.objects.filter(owner=owner, uri="", state=PactState.OPEN).count() >= MAX_OPEN_PACTS:
        raise DomainError(error_codes.PACT_TOO_MANY_OPEN, limit=MAX_OPEN_PACTS)
    members = people_of(owner, people, list_id)
    if not members:
        raise DomainError(error_codes.PACT_NO_PEOPLE, field="people")
    if len(members) > MAX_MEMBERS:
        raise DomainError(error_codes.PACT_TOO_MANY_PEOPLE, field="people", limit=MAX_MEMBERS)
    if threshold > len(members):
        raise DomainError(
            error_codes.PACT_THRESHOLD_TOO_HIGH, field="threshold", members=len(members), count=len(members)
        )
    return NewPact(owner, people, threshold, deadline, members)


def create_pact(
    owner: Account,
    *,
    threshold: int | None,
    deadline: datetime | None = None,
    people: str = PactPeople.MATCHED,
    list_id: int | None = None,
    auto_follow: bool = False,
) -> Pact:
    """Make a pact of `owner`'s and tell each person it counts (here by a notification, elsewhere through
    their server). The people are fixed when it is made: the owner cannot add anyone later."""
    new = check_new_pact(owner, threshold=threshold, deadline=deadline, people=people, list_id=list_id)
    with transaction.atomic():
        pact = Pact.objects.create(
            owner=owner,
            people=new.people,
            threshold=new.threshold,
            deadline=new.deadline,
            members_count=len(new.members),
            owner_auto_follow=auto_follow,
            reported_at=timezone.now(),
        )
        PactMember.objects.bulk_create([PactMember(pact=pact, account=member) for member in new.members])
        for member in new.members:
            notify_about(member, PACT_NOTIFICATION, pact.id, "counted", owner)
        remote = [member for member in new.members if not member.is_local]
        if remote:
            events.emit("pact.invited", pact=pact, members=remote)
        if pact.deadline is not None:
            wake(tasks.end_expired_pacts, pact.deadline)
    return pact


def _member(account: Account, pact: Pact, *, lock: bool = False) -> PactMember:
    rows = PactMember.objects.filter(pact=pact, account=account, named_only=False)
    member = (rows.select_for_update() if lock else rows).first()
    if member is None:
        if pact.owner_id == account.id:
            raise DomainError(error_codes.PACT_OWNER_CANNOT_COMMIT)
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return member


def commit(account: Account, pact: Pact, *, auto_follow: bool | None = None) -> PactMember:
    """`account` commits to `pact` (once: committing again only changes the auto-follow choice). For a pact of
    this server the kept count goes up and the pact is met when it reaches the threshold; for another server's,
    the commitment goes to that server, signed by `account`."""
    return _choose(account, pact, committed=True, auto_follow=auto_follow)


def withdraw(account: Account, pact: Pact) -> PactMember:
    """`account` takes its commitment back, while the pact is still open."""
    return _choose(account, pact, committed=False, auto_follow=None)


def _choose(account: Account, pact: Pact, *, committed: bool, auto_follow: bool | None) -> PactMember:
    with transaction.atomic():
        pact = Pact.objects.select_for_update().get(pk=pact.pk)
        member = _member(account, pact, lock=True)
        if auto_follow is not None and account.is_local:
            member.auto_follow = auto_follow
            PactMember.objects.filter(pk=member.pk).update(auto_follow=auto_follow)
        if pact.state != PactState.OPEN:
            if member.committed == committed and auto_follow is not None:
                return member  # an auto-follow choice changed after the fact: harmless
            raise DomainError(error_codes.PACT_CLOSED)
        if member.committed == committed:
            return member
        if member.changes >= MAX_CHANGES:
            raise DomainError(error_codes.PACT_TOO_MANY_CHANGES, limit=MAX_CHANGES)
        member.committed = committed
        member.committed_at = timezone.now() if committed else None
        member.changes += 1
        PactMember.objects.filter(pk=member.pk).update(
            committed=committed, committed_at=member.committed_at, changes=member.changes
        )
        # The pact row is locked: the kept count moves by one. On a copy it is the pact server's count, which
        # may not include this member's earlier commitment yet, so it never goes below zero.
        pact.committed_count = max(0, pact.committed_count + (1 if committed else -1))
        changed = {"committed_count": pact.committed_count}
        if pact.is_local:
            changed["reported_at"] = pact.reported_at = timezone.now()
        Pact.objects.filter(pk=pact.pk).update(**changed)
        if not pact.is_local:
            if account.is_local:
                events.emit("pact.commitment", pact=pact, member=member)
            return member
        if pact.committed_count >= pact.threshold:
            _meet(pact)
        else:
            events.emit("pact.changed", pact=pact)
    return member


def account_gone(account: Account, action: object = None, **_: object) -> None:
    """Listener of `account.deleted` and `account.moderated`: a deleted or suspended account's commitments stop
    counting in the open pacts of this server (each pact's kept count moves down by one; lifting a suspension
    does not commit again: the person chooses anew)."""
    if action is not None and (
        getattr(action, "kind", "") != "suspend" or getattr(action, "lifted_at", None)
    ):
        return
    committed = PactMember.objects.filter(
        account=account, committed=True, pact__uri="", pact__state=PactState.OPEN
    ).values_list("pact_id", flat=True)
    for pact_id in list(committed):
        with transaction.atomic():
            pact = Pact.objects.select_for_update().get(pk=pact_id)
            if not PactMember.objects.filter(pact=pact, account=account, committed=True).update(
                committed=False, committed_at=None
            ):
                continue
            pact.committed_count = max(0, pact.committed_count - 1)
            pact.reported_at = timezone.now()
            Pact.objects.filter(pk=pact.pk).update(
                committed_count=pact.committed_count, reported_at=pact.reported_at
            )
            events.emit("pact.changed", pact=pact)


def participants(pact: Pact) -> list[Account]:
    """Who follows whom once `pact` is met: its owner and the people who committed."""
    accounts = [pact.owner]
    accounts += [
        m.account for m in PactMember.objects.filter(pact=pact, committed=True).select_related("account")
    ]
    return accounts


def _meet(pact: Pact) -> None:
    """`pact` reached its threshold: it is met, everyone it counts (and its owner) is told, and those who chose
    it follow each other at once (in a task, after this commits)."""
    now = timezone.now()
    Pact.objects.filter(pk=pact.pk).update(state=PactState.MET, closed_at=now, reported_at=now)
    pact.state, pact.closed_at, pact.reported_at = PactState.MET, now, now
    _tell_everyone(pact, "met")
    events.emit("pact.changed", pact=pact)
    tasks.follow_everyone_chosen.enqueue(pact.pk)


def _tell_everyone(pact: Pact, detail: str) -> None:
    """Notify the pact's local people and owner (and email those who gave an address)."""
    members = PactMember.objects.filter(pact=pact, named_only=False, account__domain="")
    recipients = [m.account for m in members.select_related("account", "account__user")]
    if pact.owner.is_local:
        recipients.append(pact.owner)
    for recipient in recipients:
        notify_about(recipient, PACT_NOTIFICATION, pact.id, detail, pact.owner)
        if mail.configured() and getattr(recipient, "user", None) is not None and recipient.user.email:
            tasks.email_pact_news.enqueue(pact.pk, recipient.pk, detail)


def end(pact: Pact) -> bool:
    """The deadline of an open pact of this server passed: it ends as far as it got, and everyone is told."""
    with transaction.atomic():
        now = timezone.now()
        if not Pact.objects.filter(pk=pact.pk, state=PactState.OPEN).update(
            state=PactState.ENDED, closed_at=now
        ):
            return False
        pact.refresh_from_db()
        _tell_everyone(pact, "ended")
        events.emit("pact.changed", pact=pact)
    return True


def end_expired() -> int:
    """End every open pact of this server whose deadline has passed; a batch at a time."""
    due = Pact.objects.filter(uri="", state=PactState.OPEN, deadline__lte=timezone.now()).order_by("deadline")
    return sum(1 for pact in due[:200] if end(pact))


def follow_everyone(account: Account, pact: Pact) -> int:
    """`account` (the owner or someone who committed) follows everyone else in the met `pact`; returns how many
    follows (or requests) it made. Someone who cannot be followed (blocked, moved) is passed over."""
    if pact.state != PactState.MET:
        raise DomainError(error_codes.PACT_NOT_MET)
    is_owner = pact.owner_id == account.id
    member = None if is_owner else _member(account, pact)
    if member is not None and not member.committed:
        raise DomainError(error_codes.PACT_NOT_COMMITTED)
    others = [other for other in participants(pact) if other.id != account.id]
    already = set(
        Follow.objects.filter(account=account, target_account__in=others).values_list(
            "target_account_id", flat=True
        )
    )
    already |= set(
        FollowRequest.objects.filter(account=account, target_account__in=others).values_list(
            "target_account_id", flat=True
        )
    )
    made = 0
    for other in others:
        if other.id in already:
            continue
        try:
            relationships.follow(account, other)
        except DomainError:
            continue
        made += 1
    now = timezone.now()
    if is_owner:
        Pact.objects.filter(pk=pact.pk).update(owner_followed_at=now)
    else:
        PactMember.objects.filter(pk=member.pk).update(followed_all_at=now)
    return made


def follow_everyone_chosen(pact: Pact) -> None:
    """Those of this server who chose it in advance follow everyone in the met `pact`."""
    if pact.state != PactState.MET:
        return
    local = PactMember.objects.filter(
        pact=pact, committed=True, auto_follow=True, followed_all_at__isnull=True, account__domain=""
    ).select_related("account")
    for member in local:
        follow_everyone(member.account, pact)
    if pact.owner.is_local and pact.owner_auto_follow and pact.owner_followed_at is None:
        follow_everyone(pact.owner, pact)


# Another server's pact -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemotePact:
    """A pact as its server describes it (the federation face has checked and bounded every field)."""

    uri: str
    owner: Account
    threshold: int
    deadline: datetime | None
    members_count: int
    committed_count: int
    state: str
    reported_at: datetime


def _copy_fields(described: RemotePact) -> dict:
    return {
        "threshold": described.threshold,
        "deadline": described.deadline,
        "members_count": described.members_count,
        "committed_count": described.committed_count,
        "reported_at": described.reported_at,
    }


def record_invitation(described: RemotePact, member: Account) -> Pact | None:
    """Another server's pact counts `member` (one of ours): keep a copy and tell them. Nothing when `member`
    blocks the owner, or the owner already has as many open pacts here as a local owner may."""
    if not member.is_local or Block.objects.filter(account=member, target_account=described.owner).exists():
        return None
    with transaction.atomic():
        pact = Pact.objects.filter(uri=described.uri, owner=described.owner).first()
        if pact is None:
            if (
                Pact.objects.filter(owner=described.owner, state=PactState.OPEN).exclude(uri="").count()
                >= MAX_OPEN_PACTS
            ):
                raise DomainError(error_codes.PACT_TOO_MANY_OPEN, limit=MAX_OPEN_PACTS)
            pact = Pact.objects.create(
                owner=described.owner, uri=described.uri, state=PactState.OPEN, **_copy_fields(described)
            )
        _, created = PactMember.objects.get_or_create(pact=pact, account=member)
        if created:
            notify_about(member, PACT_NOTIFICATION, pact.id, "counted", described.owner)
    return pact


def record_news(described: RemotePact, named: list[Account]) -> Pact | None:
    """Another server reports its pact's counts or state; when it was met, `named` are the people to follow
    (its owner and those who committed). A copy no one here counts for is ignored."""
    with transaction.atomic():
        pact = Pact.objects.select_for_update().filter(uri=described.uri, owner=described.owner).first()
        if pact is None:
            return None
        if pact.reported_at is not None and described.reported_at <= pact.reported_at:
            return pact  # older news than what we hold, arriving late
        was = pact.state
        fields = _copy_fields(described)
        if was == PactState.OPEN and described.state in (PactState.MET, PactState.ENDED):
            fields.update(state=described.state, closed_at=timezone.now())
        Pact.objects.filter(pk=pact.pk).update(**fields)
        pact.refresh_from_db()
        if was != PactState.OPEN or pact.state == PactState.OPEN:
            return pact
        if pact.state == PactState.MET:
            known = set(PactMember.objects.filter(pact=pact).values_list("account_id", flat=True))
            PactMember.objects.bulk_create(
                [
                    PactMember(pact=pact, account=account, committed=True, named_only=True)
                    for account in {a.id: a for a in named}.values()
                    if account.id not in known and account.id != pact.owner_id
                ]
            )
            tasks.follow_everyone_chosen.enqueue(pact.pk)
        _tell_everyone(pact, pact.state)
    return pact


def accept_remote_choice(account: Account, pact: Pact, committed: bool) -> PactMember:
    """A remote member's commitment or withdrawal, signed by that member, for a pact of this server."""
    if not pact.is_local or account.is_local:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return _choose(account, pact, committed=committed, auto_follow=None)
