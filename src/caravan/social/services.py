"""Follows, follow requests, blocks, mutes, domain blocks and notes as rows: the social rules that touch only
social models (who may follow whom, the counters, the ids of our own activities).

What a follow or a block sets off in other apps (a notification, home feeds filled or emptied) is added above, in
`caravan.relationships`: faces, importers and the inbox follow, unfollow and block through it.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.social.models import (
    AccountNote,
    Block,
    DismissedSuggestion,
    DomainBlock,
    Endorsement,
    Follow,
    FollowRequest,
    Mute,
)


def is_blocked_either_way(a: Account, b: Account) -> bool:
    return (
        Block.objects.filter(account=a, target_account=b).exists()
        or Block.objects.filter(account=b, target_account=a).exists()
    )


def check_may_follow(account: Account, target: Account) -> None:
    """Raises DomainError when `account` may not follow or ask to follow `target`."""
    if account.id == target.id:
        raise DomainError(error_codes.CANNOT_FOLLOW_SELF)
    if is_blocked_either_way(account, target):
        raise DomainError(error_codes.CANNOT_FOLLOW)
    if target.moved_to_id is not None:
        raise DomainError(error_codes.ACCOUNT_MOVED)


def needs_approval(account: Account, target: Account) -> bool:
    """Whether following `target` is a request: it is locked or remote (its server answers), or `account` is
    limited by the moderators, whose new follows each person approves."""
    return target.locked or not target.is_local or account.limited_at is not None


def record_follow_request(
    account: Account, target: Account, *, uri: str = "", **options
) -> tuple[FollowRequest, bool]:
    """The follow request row (made once; a local requester's gets the id of its Follow activity), and
    whether it is new."""
    request, created = FollowRequest.objects.get_or_create(
        account=account, target_account=target, defaults={**options, "uri": uri}
    )
    if created and not request.uri and account.is_local:
        request.uri = f"{account.uri}#follows/{request.id}"
        request.save(update_fields=["uri"])
    return request, created


def record_follow(account: Account, target: Account, *, uri: str = "", **options) -> Follow:
    """The follow row, with both accounts' counters."""
    follow = Follow.objects.create(account=account, target_account=target, uri=uri, **options)
    if not follow.uri and account.is_local:
        follow.uri = f"{account.uri}#follows/{follow.id}"
        follow.save(update_fields=["uri"])
    Account.objects.filter(pk=account.pk).update(following_count=F("following_count") + 1)
    Account.objects.filter(pk=target.pk).update(followers_count=F("followers_count") + 1)
    return follow


def end_follow(follow: Follow) -> None:
    """The follow row goes, with both accounts' counters and the follower's endorsement of the followed."""
    follow.delete()
    Endorsement.objects.filter(
        account_id=follow.account_id, target_account_id=follow.target_account_id
    ).delete()
    Account.objects.filter(pk=follow.account_id).update(following_count=Greatest(F("following_count") - 1, 0))
    Account.objects.filter(pk=follow.target_account_id).update(
        followers_count=Greatest(F("followers_count") - 1, 0)
    )


def endorse(account: Account, target: Account) -> Endorsement:
    """Pin a followed account to one's profile (Mastodon's endorsements); again is the same."""
    if not Follow.objects.filter(account=account, target_account=target).exists():
        raise DomainError(error_codes.ENDORSE_NEEDS_FOLLOW)
    endorsement, _ = Endorsement.objects.get_or_create(account=account, target_account=target)
    return endorsement


def unendorse(account: Account, target: Account) -> None:
    Endorsement.objects.filter(account=account, target_account=target).delete()


def dismiss_suggestion(account: Account, target: Account) -> None:
    """Never suggest `target` to `account` again (Mastodon's `DELETE /api/v1/suggestions/:id`); again is the same."""
    DismissedSuggestion.objects.get_or_create(account=account, target_account=target)


def check_may_block(account: Account, target: Account) -> None:
    if account.id == target.id:
        raise DomainError(error_codes.CANNOT_BLOCK_SELF)


def record_block(account: Account, target: Account, *, uri: str = "") -> Block:
    """The block row (a local blocker's gets the id of its Block activity)."""
    created = Block.objects.create(account=account, target_account=target, uri=uri)
    if not created.uri and account.is_local:
        created.uri = f"{account.uri}#blocks/{created.id}"
        created.save(update_fields=["uri"])
    return created


def unblock(account: Account, target: Account) -> None:
    with transaction.atomic():
        existing = Block.objects.filter(account=account, target_account=target).first()
        if existing is not None:
            events.emit("block.deleted", block=existing)
            existing.delete()


def mute(account: Account, target: Account, *, hide_notifications: bool = True, duration: int = 0) -> Mute:
    if account.id == target.id:
        raise DomainError(error_codes.CANNOT_MUTE_SELF)
    if duration < 0:
        raise DomainError(error_codes.MUTE_DURATION_INVALID, field="duration")
    expires_at = timezone.now() + timedelta(seconds=duration) if duration else None
    mute, _ = Mute.objects.update_or_create(
        account=account,
        target_account=target,
        defaults={"hide_notifications": hide_notifications, "expires_at": expires_at},
    )
    return mute


def unmute(account: Account, target: Account) -> None:
    Mute.objects.filter(account=account, target_account=target).delete()


def block_domain(account: Account, domain: str) -> DomainBlock:
    domain = domain.strip().lower()
    if not domain or "." not in domain:
        raise DomainError(error_codes.NOT_A_DOMAIN, field="domain")
    block, _ = DomainBlock.objects.get_or_create(account=account, domain=domain)
    return block


def unblock_domain(account: Account, domain: str) -> None:
    DomainBlock.objects.filter(account=account, domain=domain.strip().lower()).delete()


def set_note(account: Account, target: Account, comment: str) -> AccountNote:
    if len(comment) > 2000:
        raise DomainError(error_codes.ACCOUNT_NOTE_TOO_LONG, field="comment")
    note, _ = AccountNote.objects.update_or_create(
        account=account, target_account=target, defaults={"comment": comment}
    )
    return note


def remove_all_relationships(account: Account) -> None:
    """End every follow, follow request, block, mute, endorsement and note of an account, both ways, quietly, with the
    other side's counters fixed (account deletion, local or announced by another server: that announcement stands
    for the unfollows, so none is sent). The account's rows in others' home feeds go with its posts, its place
    in others' lists with its timelines (`caravan.leaving`)."""
    following = list(Follow.objects.filter(account=account).values_list("target_account_id", flat=True))
    followers = list(Follow.objects.filter(target_account=account).values_list("account_id", flat=True))
    for start in range(0, max(len(following), len(followers)), 500):
        Account.objects.filter(pk__in=following[start : start + 500]).update(
            followers_count=Greatest(F("followers_count") - 1, 0)
        )
        Account.objects.filter(pk__in=followers[start : start + 500]).update(
            following_count=Greatest(F("following_count") - 1, 0)
        )
    for model in (Follow, FollowRequest, Block, Mute, Endorsement, AccountNote):
        model.objects.filter(Q(account=account) | Q(target_account=account)).delete()
    DomainBlock.objects.filter(account=account).delete()
    Account.objects.filter(pk=account.pk).update(followers_count=0, following_count=0)
