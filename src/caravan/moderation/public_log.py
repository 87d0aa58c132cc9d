"""The public moderation log (`/about/moderation`): the decisions taken here with their rules and stated
reasons, monthly counts by kind, and the domain policies with their public reasons. It reads only what may be
published: never who reported, who was harmed, who decided, nor the cited posts; the target's handle only when
the server's policy `CARAVAN_MODERATION_LOG_SHOWS_HANDLES` says so."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from caravan.instance.domains import public_policies
from caravan.moderation.models import ActionKind, Appeal, AppealState, ModerationAction
from caravan.pagination import Page, paginate

CHART_MONTHS = 12


@dataclass(frozen=True)
class AppealOutcome:
    """How an appeal against a decision ended (only decided appeals are published)."""

    decided_at: datetime
    accepted: bool
    reason: str


@dataclass(frozen=True)
class LoggedDecision:
    """One decision as the public sees it."""

    id: int
    created_at: datetime
    kind: str
    rules: list[str]  # the rules' texts, in the server's order
    reason: str
    handle: str  # "" when the server withholds handles
    lifted_at: datetime | None
    lift_reason: str
    appeal: AppealOutcome | None = None


@dataclass(frozen=True)
class MonthCount:
    month: date  # the first day of the month
    counts: dict[str, int] = field(default_factory=dict)  # kind -> decisions taken that month

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class PublicDomainPolicy:
    domain: str
    effects: list[str]  # "suspend", "limit", "reject_media", "reject_reports", in that order
    reason: str
    since: datetime


def shows_handles() -> bool:
    return bool(settings.CARAVAN["MODERATION_LOG_SHOWS_HANDLES"])


def decisions(page: Page) -> list[LoggedDecision]:
    """One page of decisions, newest first by id (Mastodon-style `max_id`/`min_id`/`since_id`)."""
    actions = paginate(
        ModerationAction.objects.select_related("target_account").prefetch_related("rules"), page
    )
    show = shows_handles()
    appeals = appeal_outcomes([a.id for a in actions])
    return [
        LoggedDecision(
            id=a.id,
            created_at=a.created_at,
            kind=a.kind,
            rules=[r.text for r in sorted(a.rules.all(), key=lambda r: (r.position, r.id))],
            reason=a.reason,
            handle=a.target_account.handle if show else "",
            lifted_at=a.lifted_at,
            lift_reason=a.lift_reason if a.lifted_at else "",
            appeal=appeals.get(a.id),
        )
        for a in actions
    ]


def appeal_outcomes(decision_ids: list[int]) -> dict[int, AppealOutcome]:
    """The decided appeals of these decisions, by decision id: the outcome, its date and the stated reason;
    never the appeal's text, the messages exchanged, nor who decided. One query."""
    decided = Appeal.objects.filter(action_id__in=decision_ids, decided_at__isnull=False).exclude(
        state=AppealState.PENDING
    )
    return {
        appeal.action_id: AppealOutcome(
            decided_at=appeal.decided_at,
            accepted=appeal.state == AppealState.APPROVED,
            reason=appeal.decision_reason,
        )
        for appeal in decided.only("action_id", "state", "decided_at", "decision_reason")
    }


def monthly_counts(months: int = CHART_MONTHS, *, now: datetime | None = None) -> list[MonthCount]:
    """Decisions per month and kind for the last `months` calendar months (this one included), oldest first;
    months without decisions are there with no counts. One grouped query."""
    today = timezone.localtime(now or timezone.now()).date()
    firsts = []
    year, month = today.year, today.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    start = timezone.make_aware(datetime(firsts[0].year, firsts[0].month, 1))
    rows = (
        ModerationAction.objects.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "kind")
        .annotate(n=Count("id"))
        .values_list("month", "kind", "n")
    )
    counts: dict[date, dict[str, int]] = {first: {} for first in firsts}
    for month_start, kind, n in rows:
        first = timezone.localtime(month_start).date() if isinstance(month_start, datetime) else month_start
        first = first.replace(day=1)
        if first in counts:
            counts[first][kind] = counts[first].get(kind, 0) + n
    order = list(ActionKind.values)
    return [MonthCount(first, {k: counts[first][k] for k in order if k in counts[first]}) for first in firsts]


EFFECTS = ("suspend", "limit", "reject_media", "reject_reports")


def domain_policies() -> list[PublicDomainPolicy]:
    """Every domain policy with its public reason (the moderators' note is never read here)."""
    return [
        PublicDomainPolicy(
            domain=p.domain,
            effects=[effect for effect in EFFECTS if getattr(p, effect)],
            reason=p.reason,
            since=p.created_at,
        )
        for p in public_policies()
    ]
