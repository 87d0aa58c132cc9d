"""Following, follow requests, blocks and mutes: one function for each, used by every face and by the inbox.

A follow of a remote account (or of a locked one) starts as a FollowRequest and becomes a Follow when accepted.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.notifications.services import notify
from caravan.social.models import AccountNote, Block, DomainBlock, Follow, FollowRequest, Mute
from caravan.timelines import services as feeds


def is_blocked_either_way(a: Account, b: Account) -> bool:
    return (
        Block.objects.filter(account=a, target_account=b).exists()
        or Block.objects.filter(account=b, target_account=a).exists()
    )


def follow(
    account: Account,
    target: Account,
    *,
    show_reblogs: bool = True,
    notify_on_post: bool = False,
    languages: list[str] | None = None,
    uri: str = "",
) -> Follow | FollowRequest:
    """Follow `target`, or ask to when it is locked or remote. Following again only updates the options."""
    if account.id == target.id:
        raise DomainError(error_codes.CANNOT_FOLLOW_SELF)
    if is_blocked_either_way(account, target):
        raise DomainError(error_codes.CANNOT_FOLLOW)
    if target.moved_to_id is not None:
        raise DomainError(error_codes.ACCOUNT_MOVED)
    options = {"show_reblogs": show_reblogs, "notify": notify_on_post, "languages": languages}
    with transaction.atomic():
        existing = Follow.objects.filter(account=account, target_account=target).first()
        if existing is not None:
            Follow.objects.filter(pk=existing.pk).update(**options)
            existing.refresh_from_db()
            return existing
        if target.locked or not target.is_local:
            request, created = FollowRequest.objects.get_or_create(
                account=account, target_account=target, defaults={**options, "uri": uri}
            )
            if created:
                if not request.uri and account.is_local:
                    request.uri = f"{account.uri}#follows/{request.id}"
                    request.save(update_fields=["uri"])
                if target.is_local:
                    notify(target, "follow_request", account)
                events.emit("follow.requested", request=request)
            return request
        return _create_follow(account, target, uri=uri, **options)


def _create_follow(account: Account, target: Account, *, uri: str = "", **options) -> Follow:
    follow = Follow.objects.create(account=account, target_account=target, uri=uri, **options)
    if not follow.uri and account.is_local:
        follow.uri = f"{account.uri}#follows/{follow.id}"
        follow.save(update_fields=["uri"])
    Account.objects.filter(pk=account.pk).update(following_count=F("following_count") + 1)
    Account.objects.filter(pk=target.pk).update(followers_count=F("followers_count") + 1)
    if target.is_local:
        notify(target, "follow", account)
    if account.is_local:
        feeds.backfill_from(account, target)
    return follow


def accept_follow_request(target: Account, requester: Account) -> Follow:
    """`target` lets `requester` follow. For a remote follow of ours, the remote server's Accept calls this."""
    with transaction.atomic():
        request = (
            FollowRequest.objects.select_for_update().filter(account=requester, target_account=target).first()
        )
        if request is None:
            existing = Follow.objects.filter(account=requester, target_account=target).first()
            if existing is not None:
                return existing
            raise DomainError(error_codes.NO_FOLLOW_REQUEST)
        request.delete()
        follow = _create_follow(
            requester,
            target,
            uri=request.uri,
            show_reblogs=request.show_reblogs,
            notify=request.notify,
            languages=request.languages,
        )
        events.emit("follow.accepted", follow=follow)
    return follow


def reject_follow_request(target: Account, requester: Account) -> None:
    with transaction.atomic():
        request = FollowRequest.objects.filter(account=requester, target_account=target).first()
        if request is not None:
            events.emit("follow.rejected", request=request)
            request.delete()
        else:
            # A Reject of an accepted follow removes the follower (as Mastodon does).
            remove_follower(target, requester)


def unfollow(account: Account, target: Account) -> None:
    with transaction.atomic():
        request = FollowRequest.objects.filter(account=account, target_account=target).first()
        if request is not None:
            events.emit("follow.undone", follow=request)
            request.delete()
        follow = Follow.objects.filter(account=account, target_account=target).first()
        if follow is not None:
            events.emit("follow.undone", follow=follow)
            _delete_follow(follow)


def remove_follower(account: Account, follower: Account) -> None:
    with transaction.atomic():
        follow = Follow.objects.filter(account=follower, target_account=account).first()
        if follow is not None:
            events.emit("follow.rejected", request=follow)
            _delete_follow(follow)


def _delete_follow(follow: Follow) -> None:
    follow.delete()
    Account.objects.filter(pk=follow.account_id).update(following_count=Greatest(F("following_count") - 1, 0))
    Account.objects.filter(pk=follow.target_account_id).update(
        followers_count=Greatest(F("followers_count") - 1, 0)
    )
    feeds.remove_author_from_feed(follow.account_id, follow.target_account_id)


def block(account: Account, target: Account, *, uri: str = "") -> Block:
    """Block: ends follows both ways, hides each from the other's feeds, and stops notifications."""
    if account.id == target.id:
        raise DomainError(error_codes.CANNOT_BLOCK_SELF)
    with transaction.atomic():
        existing = Block.objects.filter(account=account, target_account=target).first()
        if existing is not None:
            return existing
        for follower, followed in ((account, target), (target, account)):
            FollowRequest.objects.filter(account=follower, target_account=followed).delete()
            follow = Follow.objects.filter(account=follower, target_account=followed).first()
            if follow is not None:
                _delete_follow(follow)
        feeds.remove_author_from_feed(account.id, target.id)
        created = Block.objects.create(account=account, target_account=target, uri=uri)
        if not created.uri and account.is_local:
            created.uri = f"{account.uri}#blocks/{created.id}"
            created.save(update_fields=["uri"])
        events.emit("block.created", block=created)
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
    """End every follow, follow request, block, mute and note of an account, both ways, quietly, with the
    other side's counters fixed (account deletion, local or announced by another server: that announcement stands
    for the unfollows, so none is sent). The account's rows in others' home feeds go with its posts."""
    from caravan.timelines.models import ListMember

    following = list(Follow.objects.filter(account=account).values_list("target_account_id", flat=True))
    followers = list(Follow.objects.filter(target_account=account).values_list("account_id", flat=True))
    for start in range(0, max(len(following), len(followers)), 500):
        Account.objects.filter(pk__in=following[start : start + 500]).update(
            followers_count=Greatest(F("followers_count") - 1, 0)
        )
        Account.objects.filter(pk__in=followers[start : start + 500]).update(
            following_count=Greatest(F("following_count") - 1, 0)
        )
    for model in (Follow, FollowRequest, Block, Mute, AccountNote):
        model.objects.filter(Q(account=account) | Q(target_account=account)).delete()
    DomainBlock.objects.filter(account=account).delete()
    ListMember.objects.filter(account=account).delete()
    Account.objects.filter(pk=account.pk).update(followers_count=0, following_count=0)
