"""Reading campaigns: the list, one campaign with its kept counts, its history series, a person's membership,
the starters who accepted. Nothing here counts members: the counts are read from the campaign row."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from caravan.accounts.models import Account
from caravan.campaigns.models import (
    COUNT_FIELDS,
    LEVELS,
    Campaign,
    CampaignDay,
    Membership,
    RemoteCommitment,
    Starter,
    Status,
)
from caravan.ids import parse_int64
from caravan.pagination import Page, paginate

SERIES_DAYS = 60


def campaigns(page: Page, *, status: str = Status.OPEN) -> list[Campaign]:
    return paginate(Campaign.objects.filter(status=status).select_related("owner"), page)


def find(campaign_id: object, *, viewer: Account | None = None) -> Campaign | None:
    """An open campaign, or one awaiting approval for its owner (and admins, who pass `viewer=None` through
    `find_any`)."""
    pk = parse_int64(str(campaign_id))
    if pk is None:
        return None
    campaign = Campaign.objects.filter(pk=pk).select_related("owner").first()
    if campaign is None:
        return None
    if campaign.status == Status.OPEN or (viewer is not None and viewer.pk == campaign.owner_id):
        return campaign
    return None


def find_any(campaign_id: object) -> Campaign | None:
    pk = parse_int64(str(campaign_id))
    return Campaign.objects.filter(pk=pk).first() if pk is not None else None


def membership(campaign: Campaign, account: Account | None) -> Membership | None:
    if account is None:
        return None
    return Membership.objects.filter(campaign=campaign, account=account).first()


@dataclass(frozen=True)
class DayCounts:
    day: date
    counts: dict[str, int]

    @property
    def headline(self) -> int:
        return sum(v for k, v in self.counts.items() if k.endswith("_verified"))


def series(campaign: Campaign, days: int = SERIES_DAYS) -> list[DayCounts]:
    """Each day's counts from the campaign's first recorded day (at most `days` back) to today; a day with no
    change carries the day before's counts."""
    today = timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = list(CampaignDay.objects.filter(campaign=campaign, day__gte=since).order_by("day"))
    before = CampaignDay.objects.filter(campaign=campaign, day__lt=since).order_by("-day").first()
    current = {name: getattr(before, name) if before else 0 for name in COUNT_FIELDS}
    start = rows[0].day if rows and before is None else since
    if not rows and before is None:
        start = today
    by_day = {row.day: row for row in rows}
    result, day = [], start
    while day <= today:
        row = by_day.get(day)
        if row is not None:
            current = {name: getattr(row, name) for name in COUNT_FIELDS}
        result.append(DayCounts(day, dict(current)))
        day += timedelta(days=1)
    return result


def by_level(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    """Kept counts (`will_move_verified`, ...) as the feeds and the API give them: level -> verified, unverified."""
    return {
        level: {"verified": counts[f"{level}_verified"], "unverified": counts[f"{level}_unverified"]}
        for level in LEVELS
    }


def series_data(campaign: Campaign) -> list[dict]:
    """The chart's numbers for others to draw (the JSON feed and the API): one entry a day."""
    return [
        {"date": d.day.isoformat(), "headline_count": d.headline, "counts": by_level(d.counts)}
        for d in series(campaign)
    ]


def starters(campaign: Campaign) -> list[Account]:
    """The starter list as others see it: only the accounts that accepted being listed, still in good standing."""
    return [
        s.account
        for s in Starter.objects.filter(
            campaign=campaign, accepted_at__isnull=False, account__suspended_at__isnull=True
        )
        .select_related("account")
        .order_by("added_at")
    ]


def pending_starter(campaign: Campaign, account: Account | None) -> bool:
    if account is None:
        return False
    return Starter.objects.filter(campaign=campaign, account=account, accepted_at__isnull=True).exists()


def remote_commitment(account: Account, campaign_actor: Account) -> RemoteCommitment | None:
    return RemoteCommitment.objects.filter(account=account, campaign_actor=campaign_actor).first()


def remote_commitments(account: Account) -> list[RemoteCommitment]:
    """A person's levels in campaigns of other servers, newest change first."""
    return list(
        RemoteCommitment.objects.filter(account=account)
        .select_related("campaign_actor")
        .order_by("-changed_at")[:50]
    )
