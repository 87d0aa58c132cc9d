"""Reading who follows, blocks and mutes whom: the relationship between two accounts and pending requests."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from caravan.accounts.models import Account
from caravan.pagination import Page, paginate
from caravan.social.models import Block, DomainBlock, Endorsement, Follow, FollowRequest, Mute


@dataclass(frozen=True)
class Relationship:
    """How `account` stands towards `target`, as a profile page or Mastodon's Relationship entity shows it."""

    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    endorsed: bool = False


# Each side of a Relationship: the field, the table's model, and whether the row goes from `account` to `target`
# (True) or back. Every one of these tables holds one row at most per (account, target) pair.
_RELATIONSHIP_ROWS = (
    ("following", Follow, True),
    ("requested", FollowRequest, True),
    ("followed_by", Follow, False),
    ("requested_by", FollowRequest, False),
    ("blocking", Block, True),
    ("blocked_by", Block, False),
    ("muting", Mute, True),
    ("endorsed", Endorsement, True),
)


def relationship(account: Account | None, target: Account) -> Relationship:
    if account is None or account.id == target.id:
        return Relationship()
    # One query for the eight questions (a profile page asked them one by one).
    quote = connection.ops.quote_name
    parts, params = [], []
    for name, model, outgoing in _RELATIONSHIP_ROWS:
        table = quote(model._meta.db_table)
        # Names and tables from the constant above; the ids go as parameters.
        parts.append(f"SELECT '{name}' FROM {table} WHERE account_id = %s AND target_account_id = %s")  # noqa: S608
        params += [account.id, target.id] if outgoing else [target.id, account.id]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = {row[0] for row in cursor.fetchall()}
    return Relationship(**{name: name in found for name, _model, _outgoing in _RELATIONSHIP_ROWS})


def follow_requests_for(account: Account, page: Page) -> list[FollowRequest]:
    """Requests waiting for `account` to accept or reject, newest first."""
    queryset = FollowRequest.objects.filter(target_account=account).select_related("account")
    return paginate(queryset, page)


def followers_of(account: Account, page: Page) -> list[Follow]:
    """Follows of `account`, newest first, each with the follower loaded."""
    return paginate(Follow.objects.filter(target_account=account).select_related("account"), page)


def following_of(account: Account, page: Page) -> list[Follow]:
    """Follows made by `account`, newest first, each with the followed account loaded."""
    return paginate(Follow.objects.filter(account=account).select_related("target_account"), page)


def endorsed_by(account: Account, page: Page, *, viewer: Account | None = None) -> list[Endorsement]:
    """The accounts `account` pins to its profile, newest first, each loaded; to a viewer, less those who
    block the viewer or whom the viewer blocks, and suspended or deleted ones."""
    if not Endorsement.objects.filter(account=account).exists():
        return []  # most accounts pin nobody: a plain check costs a fraction of building the query below
    queryset = Endorsement.objects.filter(
        account=account, target_account__suspended_at__isnull=True, target_account__deleted_at__isnull=True
    ).select_related("target_account")
    if viewer is not None and viewer.id != account.id:
        # As plain subqueries on the ids: excluding across the reverse relations made Django build (and the
        # page pay for) a join pushed into a subquery for each.
        queryset = queryset.exclude(
            target_account_id__in=Block.objects.filter(target_account=viewer).values("account_id")
        ).exclude(target_account_id__in=Block.objects.filter(account=viewer).values("target_account_id"))
    return paginate(queryset, page)


def follow_states(account: Account | None, target_ids: list[int]) -> dict[int, str]:
    """{target id: "following" or "requested"} for the targets `account` follows or asked to follow; two
    queries for a whole page of accounts (the directory's follow buttons)."""
    if account is None or not target_ids:
        return {}
    states = dict.fromkeys(
        FollowRequest.objects.filter(account=account, target_account_id__in=target_ids).values_list(
            "target_account_id", flat=True
        ),
        "requested",
    )
    for target in Follow.objects.filter(account=account, target_account_id__in=target_ids).values_list(
        "target_account_id", flat=True
    ):
        states[target] = "following"
    return states


def mutes_of(account: Account, page: Page) -> list[Mute]:
    """Whom `account` mutes, newest first, each with the muted account loaded."""
    return paginate(Mute.objects.filter(account=account).select_related("target_account"), page)


def blocks_of(account: Account, page: Page) -> list[Block]:
    """Whom `account` blocks, newest first, each with the blocked account loaded."""
    return paginate(Block.objects.filter(account=account).select_related("target_account"), page)


def domain_blocks_of(account: Account, page: Page) -> list[DomainBlock]:
    """The servers `account` hides from its own view, newest first."""
    return paginate(DomainBlock.objects.filter(account=account), page)


def followed_among(account: Account, query: str, limit: int = 20) -> list[Account]:
    """Accounts `account` follows whose name or handle contains `query` (all of them, by name, when it is
    empty), to choose list members from."""
    followed = Account.objects.filter(
        followers_set__account=account, suspended_at__isnull=True, deleted_at__isnull=True
    )
    query = (query or "").strip().lstrip("@")
    if query:
        username, _, domain = query.partition("@")
        matches = Q(display_name__icontains=query) | Q(username__icontains=username)
        if domain:
            matches = Q(display_name__icontains=query) | (
                Q(username__iexact=username) & Q(domain__icontains=domain)
            )
        followed = followed.filter(matches)
    return list(followed.order_by("username", "domain", "id")[:limit])


def pending_request_count(account: Account) -> int:
    """How many follow requests wait for `account` to answer."""
    return FollowRequest.objects.filter(target_account=account).count()
