"""Reading pacts for a person: the ones they made, the ones they count for, one pact as they may see it.

What anyone reads of a pact is its counts and their own choice; never who else committed or chose what. The
owner reads the counts too, not the choices.
"""

from dataclasses import dataclass

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.pacts.models import Pact, PactMember, PactState
from caravan.pagination import Page
from caravan.timelines.models import List


@dataclass(frozen=True)
class PactView:
    """A pact as `viewer` sees it: as its owner, or as someone it counts (with their own row)."""

    pact: Pact
    viewer: Account
    member: PactMember | None

    @property
    def is_owner(self) -> bool:
        return self.pact.owner_id == self.viewer.id

    @property
    def committed(self) -> bool:
        return self.member is not None and self.member.committed

    @property
    def auto_follow(self) -> bool:
        return self.pact.owner_auto_follow if self.is_owner else bool(self.member and self.member.auto_follow)

    @property
    def would_make(self) -> int:
        """The count a commitment of the viewer's would make ("you would make it 4")."""
        return self.pact.committed_count + (0 if self.committed or self.is_owner else 1)

    @property
    def may_follow_everyone(self) -> bool:
        return self.pact.state == PactState.MET and (self.is_owner or self.committed)

    @property
    def followed_everyone(self) -> bool:
        if self.is_owner:
            return self.pact.owner_followed_at is not None
        return bool(self.member and self.member.followed_all_at)


def _page(queryset, page: Page, field: str = "id"):
    if page.max_id is not None:
        queryset = queryset.filter(**{f"{field}__lt": page.max_id})
    if page.since_id is not None:
        queryset = queryset.filter(**{f"{field}__gt": page.since_id})
    if page.min_id is not None:
        return list(reversed(queryset.filter(**{f"{field}__gt": page.min_id}).order_by(field)[: page.limit]))
    return list(queryset.order_by(f"-{field}")[: page.limit])


def pacts_made_by(owner: Account, page: Page) -> list[PactView]:
    pacts = _page(Pact.objects.filter(owner=owner, uri="").select_related("owner"), page)
    return [PactView(pact, owner, None) for pact in pacts]


def pacts_counting(account: Account, page: Page) -> list[PactView]:
    """The pacts that count `account` (theirs or another server's), newest first."""
    rows = _page(
        PactMember.objects.filter(account=account, named_only=False).select_related("pact", "pact__owner"),
        page,
        "pact_id",
    )
    return [PactView(row.pact, account, row) for row in rows]


def pact_for(viewer: Account, pact_id: int | None) -> PactView:
    """One pact for its owner or someone it counts; for anyone else it does not exist."""
    pact = Pact.objects.select_related("owner").filter(pk=pact_id).first() if pact_id else None
    if pact is not None:
        if pact.owner_id == viewer.id and pact.is_local:
            return PactView(pact, viewer, None)
        member = PactMember.objects.filter(pact=pact, account=viewer, named_only=False).first()
        if member is not None:
            return PactView(pact, viewer, member)
    raise DomainError(error_codes.RECORD_NOT_FOUND)


def lists_of(owner: Account):
    """The owner's lists, for choosing whose commitments count."""
    return List.objects.filter(owner=owner)
