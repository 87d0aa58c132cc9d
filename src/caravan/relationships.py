"""Following, follow requests, unfollowing and blocking, with what each sets off in other apps: the followed
person's notification, the follower's home feed filled with recent posts or emptied of the author's.

The one way every face, importer and the inbox changes who follows or blocks whom. The rows and their rules
(who may follow whom, counters) are `caravan.social`'s; mutes, domain blocks and notes need nothing more and
are changed there directly.
"""

from django.db import transaction

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.notifications.services import notify
from caravan.social import services as social
from caravan.social.models import Block, Follow, FollowRequest
from caravan.timelines import services as feeds


def follow(
    account: Account,
    target: Account,
    *,
    show_reblogs: bool = True,
    notify_on_post: bool = False,
    languages: list[str] | None = None,
    uri: str = "",
) -> Follow | FollowRequest:
    """Follow `target`, or ask to when it is locked or remote, or `account` is limited. Following again only
    updates the options."""
    social.check_may_follow(account, target)
    options = {"show_reblogs": show_reblogs, "notify": notify_on_post, "languages": languages}
    with transaction.atomic():
        existing = Follow.objects.filter(account=account, target_account=target).first()
        if existing is not None:
            Follow.objects.filter(pk=existing.pk).update(**options)
            existing.refresh_from_db()
            return existing
        if social.needs_approval(account, target):
            request, created = social.record_follow_request(account, target, uri=uri, **options)
            if created:
                if target.is_local:
                    notify(target, "follow_request", account)
                events.emit("follow.requested", request=request)
            return request
        return _start_following(account, target, uri=uri, **options)


def _start_following(account: Account, target: Account, *, uri: str = "", **options) -> Follow:
    follow = social.record_follow(account, target, uri=uri, **options)
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
        follow = _start_following(
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
            feeds.remove_from_owners_lists(requester.id, target.id)
        else:
            # A Reject of an accepted follow removes the follower (as Mastodon does).
            remove_follower(target, requester)


def unfollow(account: Account, target: Account) -> None:
    with transaction.atomic():
        request = FollowRequest.objects.filter(account=account, target_account=target).first()
        if request is not None:
            events.emit("follow.undone", follow=request)
            request.delete()
            feeds.remove_from_owners_lists(account.id, target.id)
        follow = Follow.objects.filter(account=account, target_account=target).first()
        if follow is not None:
            events.emit("follow.undone", follow=follow)
            _stop_following(follow)


def remove_follower(account: Account, follower: Account) -> None:
    with transaction.atomic():
        follow = Follow.objects.filter(account=follower, target_account=account).first()
        if follow is not None:
            events.emit("follow.rejected", request=follow)
            _stop_following(follow)


def _stop_following(follow: Follow) -> None:
    social.end_follow(follow)
    feeds.remove_author_from_feed(follow.account_id, follow.target_account_id)
    feeds.remove_from_owners_lists(follow.account_id, follow.target_account_id)


def block(account: Account, target: Account, *, uri: str = "") -> Block:
    """Block: ends follows both ways, hides each from the other's feeds, and stops notifications."""
    social.check_may_block(account, target)
    with transaction.atomic():
        existing = Block.objects.filter(account=account, target_account=target).first()
        if existing is not None:
            return existing
        for follower, followed in ((account, target), (target, account)):
            if FollowRequest.objects.filter(account=follower, target_account=followed).delete()[0]:
                feeds.remove_from_owners_lists(follower.id, followed.id)
            follow = Follow.objects.filter(account=follower, target_account=followed).first()
            if follow is not None:
                _stop_following(follow)
        feeds.remove_author_from_feed(account.id, target.id)
        created = social.record_block(account, target, uri=uri)
        events.emit("block.created", block=created)
    return created
