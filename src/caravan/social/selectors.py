"""Reading who follows, blocks and mutes whom: the relationship between two accounts and pending requests."""

from dataclasses import dataclass

from caravan.accounts.models import Account
from caravan.pagination import Page, paginate
from caravan.social.models import Block, Follow, FollowRequest, Mute


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


def relationship(account: Account | None, target: Account) -> Relationship:
    if account is None or account.id == target.id:
        return Relationship()
    return Relationship(
        following=Follow.objects.filter(account=account, target_account=target).exists(),
        requested=FollowRequest.objects.filter(account=account, target_account=target).exists(),
        followed_by=Follow.objects.filter(account=target, target_account=account).exists(),
        requested_by=FollowRequest.objects.filter(account=target, target_account=account).exists(),
        blocking=Block.objects.filter(account=account, target_account=target).exists(),
        blocked_by=Block.objects.filter(account=target, target_account=account).exists(),
        muting=Mute.objects.filter(account=account, target_account=target).exists(),
    )


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
