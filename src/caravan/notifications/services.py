"""Creating notifications, with the recipient's blocks, mutes and thread mutes respected."""

from django.db import transaction

from caravan import events
from caravan.accounts.models import Account
from caravan.notifications.models import Marker, Notification
from caravan.posts.models import Post, ThreadMute
from caravan.social.models import Block, DomainBlock, Mute


def notify(
    recipient: Account,
    type: str,
    from_account: Account,
    post: Post | None = None,
    *,
    allow_self: bool = False,
) -> Notification | None:
    """Notify a local account, unless it is its own action or the recipient has silenced the sender (a block,
    a mute that hides notifications, a blocked domain, a muted thread). The batch of one of `notify_many`."""
    made = notify_many([(recipient, type, from_account, post)], allow_self=allow_self)
    return made[0] if made else None


def notify_many(
    items: list[tuple[Account, str, Account, Post | None]], *, allow_self: bool = False
) -> list[Notification]:
    """Notify local accounts: the rules of `notify`, asked with one query each for the whole batch, and one
    insert. `allow_self` lets an account be told of its own doing (its poll has ended)."""
    items = [
        (recipient, type, sender, post)
        for recipient, type, sender, post in items
        if recipient.is_local and (recipient.id != sender.id or allow_self)
    ]
    if not items:
        return []
    recipient_ids = {recipient.id for recipient, _, _, _ in items}
    sender_ids = {sender.id for _, _, sender, _ in items}
    blocked = set(
        Block.objects.filter(account_id__in=recipient_ids, target_account_id__in=sender_ids).values_list(
            "account_id", "target_account_id"
        )
    )
    blocked |= set(
        Mute.objects.filter(
            account_id__in=recipient_ids, target_account_id__in=sender_ids, hide_notifications=True
        ).values_list("account_id", "target_account_id")
    )
    sender_domains = {sender.domain for _, _, sender, _ in items if sender.domain}
    domain_blocked = (
        set(
            DomainBlock.objects.filter(account_id__in=recipient_ids, domain__in=sender_domains).values_list(
                "account_id", "domain"
            )
        )
        if sender_domains
        else set()
    )
    roots = {post.thread_root_id for _, _, _, post in items if post is not None and post.thread_root_id}
    muted_threads = (
        set(
            ThreadMute.objects.filter(account_id__in=recipient_ids, thread_root_id__in=roots).values_list(
                "account_id", "thread_root_id"
            )
        )
        if roots
        else set()
    )
    rows = []
    for recipient, type, sender, post in items:
        if (recipient.id, sender.id) in blocked or (recipient.id, sender.domain) in domain_blocked:
            continue
        thread_muted = post is not None and (recipient.id, post.thread_root_id) in muted_threads
        if thread_muted and type in ("mention", "reblog", "favourite"):
            continue
        rows.append(Notification(recipient=recipient, type=type, from_account=sender, post=post))
    Notification.objects.bulk_create(rows)
    events.emit("notifications.recorded", notifications=rows)
    for notification in rows:
        transaction.on_commit(lambda n=notification: events.emit("notification.created", notification=n))
    return rows


def notify_moderation_warning(recipient: Account, action_id: int) -> Notification | None:
    """Tell a local account that the moderators acted on it. Nothing silences this (it comes from the server,
    not a person), and it names no moderator: the account itself is the notification's `from_account`."""
    if not recipient.is_local:
        return None
    notification = Notification.objects.create(
        recipient=recipient, type="moderation_warning", from_account=recipient, moderation_action_id=action_id
    )
    events.emit("notifications.recorded", notifications=[notification])
    transaction.on_commit(lambda: events.emit("notification.created", notification=notification))
    return notification


def notify_moderation_appeal(recipient: Account, action_id: int) -> Notification | None:
    """Tell a local account that a moderator answered, or decided, its appeal of the action `action_id`. Like a
    warning, nothing silences it and it names no moderator. Mastodon has no such type: the API leaves it out."""
    if not recipient.is_local:
        return None
    notification = Notification.objects.create(
        recipient=recipient, type="moderation_appeal", from_account=recipient, moderation_action_id=action_id
    )
    events.emit("notifications.recorded", notifications=[notification])
    transaction.on_commit(lambda: events.emit("notification.created", notification=notification))
    return notification


def notify_about(
    recipient: Account, type: str, subject_id: int, detail: str, from_account: Account | None = None
) -> Notification | None:
    """Tell a local account news of a pact or campaign it is in (`type` caravan.pact or caravan.campaign). The
    sender is the person who caused it, or the recipient itself when no one person did (a deadline passed)."""
    if not recipient.is_local:
        return None
    notification = Notification.objects.create(
        recipient=recipient,
        type=type,
        from_account=from_account or recipient,
        subject_id=subject_id,
        detail=detail[:32],
    )
    events.emit("notifications.recorded", notifications=[notification])
    transaction.on_commit(lambda: events.emit("notification.created", notification=notification))
    return notification


def dismiss(recipient: Account, notification_id: int) -> None:
    Notification.objects.filter(recipient=recipient, pk=notification_id).delete()


def clear(recipient: Account) -> None:
    Notification.objects.filter(recipient=recipient).delete()


def remove_all_for(account: Account) -> None:
    """An account is deleted: the notifications it received, those it caused, and its read markers go."""
    Notification.objects.filter(recipient=account).delete()
    Notification.objects.filter(from_account=account).delete()
    Marker.objects.filter(account=account).delete()


def save_marker(account: Account, timeline: str, last_read_id: int) -> Marker:
    marker, _ = Marker.objects.get_or_create(account=account, timeline=timeline)
    marker.last_read_id = last_read_id
    marker.version += 1
    marker.save()
    return marker
