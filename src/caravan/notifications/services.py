"""Creating notifications, with the recipient's blocks, mutes and thread mutes respected."""

from django.db import transaction

from caravan import events
from caravan.accounts.models import Account
from caravan.notifications.models import Marker, Notification
from caravan.posts.models import Post, ThreadMute
from caravan.social.models import Block, DomainBlock, Mute


def notify(
    recipient: Account, type: str, from_account: Account, post: Post | None = None, *, allow_self: bool = False
) -> Notification | None:
    """Notify a local account, unless it is its own action or the recipient has silenced the sender."""
    if not recipient.is_local or (recipient.id == from_account.id and not allow_self):
        return None
    if Block.objects.filter(account=recipient, target_account=from_account).exists():
        return None
    if Mute.objects.filter(account=recipient, target_account=from_account, hide_notifications=True).exists():
        return None
    if from_account.domain and DomainBlock.objects.filter(account=recipient, domain=from_account.domain).exists():
        return None
    if post is not None and post.thread_root_id and type in ("mention", "reblog", "favourite"):
        if ThreadMute.objects.filter(account=recipient, thread_root_id=post.thread_root_id).exists():
            return None
    notification = Notification.objects.create(recipient=recipient, type=type, from_account=from_account, post=post)
    transaction.on_commit(lambda: events.emit("notification.created", notification=notification))
    return notification


def dismiss(recipient: Account, notification_id: int) -> None:
    Notification.objects.filter(recipient=recipient, pk=notification_id).delete()


def clear(recipient: Account) -> None:
    Notification.objects.filter(recipient=recipient).delete()


def save_marker(account: Account, timeline: str, last_read_id: int) -> Marker:
    marker, _ = Marker.objects.get_or_create(account=account, timeline=timeline)
    marker.last_read_id = last_read_id
    marker.version += 1
    marker.save()
    return marker
