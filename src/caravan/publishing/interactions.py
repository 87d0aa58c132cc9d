"""What people do with posts they read: boosts, favourites, bookmarks, pins, muted threads."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.ids import id_from_time
from caravan.notifications.services import notify
from caravan.posts.models import Bookmark, Favourite, Pin, Post, ThreadMute, Visibility
from caravan.posts.visibility import can_read
from caravan.publishing.drafts import check_visibility
from caravan.timelines import services as feeds
from caravan.timelines.tasks import fan_out_post

MAX_PINS = 5


def reblog(
    account: Account,
    post: Post,
    *,
    visibility: str = Visibility.PUBLIC,
    uri: str = "",
    created_at: datetime | None = None,
) -> Post:
    """Boost a post. Boosting twice returns the existing boost."""
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    if post.visibility in (Visibility.PRIVATE, Visibility.DIRECT) and post.account_id != account.id:
        raise DomainError(error_codes.PRIVATE_POST_NOT_BOOSTABLE)
    if post.visibility == Visibility.DIRECT:
        raise DomainError(error_codes.DIRECT_POST_NOT_BOOSTABLE)
    existing = Post.objects.filter(account=account, reblog_of=post).first()
    if existing is not None:
        return existing
    visibility = post.visibility if post.visibility != Visibility.PUBLIC else check_visibility(visibility)
    if visibility == Visibility.DIRECT:
        visibility = Visibility.PUBLIC
    moment = created_at or timezone.now()
    with transaction.atomic():
        boost = Post(
            id=id_from_time(moment),
            account=account,
            reblog_of=post,
            visibility=visibility,
            local=account.is_local,
            created_at=moment,
        )
        boost.uri = uri or f"{account.uri}/statuses/{boost.id}/activity"
        boost.url = (
            boost.uri if not account.is_local else f"{settings.BASE_URL}/@{account.username}/{boost.id}"
        )
        boost.save(force_insert=True)
        Post.objects.filter(pk=post.pk).update(reblogs_count=F("reblogs_count") + 1)
        feeds.insert_for_author(boost)
        fan_out_post.enqueue(boost.id)
        notify(post.account, "reblog", account, post)
        events.emit("reblog.created", reblog=boost)
    return boost


def unreblog(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    boost = Post.objects.filter(account=account, reblog_of=post).first()
    if boost is not None:
        with transaction.atomic():
            events.emit("reblog.deleted", reblog=boost)
            Post.objects.filter(pk=post.pk).update(reblogs_count=Greatest(F("reblogs_count") - 1, 0))
            boost.delete()


def favourite(account: Account, post: Post, *, uri: str = "", quiet: bool = False) -> Favourite:
    """Favourite a post. `quiet` (re-applying likes from an imported archive): no notification, not federated."""
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    with transaction.atomic():
        fav, created = Favourite.objects.get_or_create(account=account, post=post, defaults={"uri": uri})
        if created:
            if not fav.uri and account.is_local:
                fav.uri = f"{account.uri}#likes/{fav.id}"
                fav.save(update_fields=["uri"])
            Post.objects.filter(pk=post.pk).update(favourites_count=F("favourites_count") + 1)
            if not quiet:
                notify(post.account, "favourite", account, post)
                events.emit("favourite.created", favourite=fav)
    return fav


def unfavourite(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    fav = Favourite.objects.filter(account=account, post=post).first()
    if fav is not None:
        with transaction.atomic():
            events.emit("favourite.deleted", favourite=fav)
            fav.delete()
            Post.objects.filter(pk=post.pk).update(favourites_count=Greatest(F("favourites_count") - 1, 0))


def bookmark(account: Account, post: Post) -> Bookmark:
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    mark, _ = Bookmark.objects.get_or_create(account=account, post=post)
    return mark


def unbookmark(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    Bookmark.objects.filter(account=account, post=post).delete()


def pin(account: Account, post: Post) -> Pin:
    if post.account_id != account.id or post.reblog_of_id:
        raise DomainError(error_codes.PIN_NOT_OWN_POST)
    if post.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise DomainError(error_codes.PIN_VISIBILITY)
    if Pin.objects.filter(account=account).exclude(post=post).count() >= MAX_PINS:
        raise DomainError(error_codes.TOO_MANY_PINS, limit=MAX_PINS)
    pinned, _ = Pin.objects.get_or_create(account=account, post=post)
    return pinned


def unpin(account: Account, post: Post) -> None:
    Pin.objects.filter(account=account, post=post).delete()


def mute_thread(account: Account, post: Post) -> None:
    ThreadMute.objects.get_or_create(account=account, thread_root_id=post.thread_root_id or post.id)


def unmute_thread(account: Account, post: Post) -> None:
    ThreadMute.objects.filter(account=account, thread_root_id=post.thread_root_id or post.id).delete()
