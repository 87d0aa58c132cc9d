"""Creating notifications, with the recipient's blocks, mutes, thread mutes and notification policy respected;
accepting and dismissing what the policy held back."""

import time
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account, Role, User
from caravan.errors import DomainError
from caravan.ids import id_from_text
from caravan.notifications.models import (
    Marker,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
    PolicyChoice,
)
from caravan.posts.models import Post, ThreadMute, Visibility
from caravan.social.models import Block, DomainBlock, Follow, Mute

# Mastodon's Notification::PROPERTIES `filterable`: the kinds a policy may hold back or drop. Polls ending,
# edits, posts of people one asked to hear from and the server's own notices always come through.
FILTERABLE_TYPES = frozenset({"mention", "reblog", "follow", "follow_request", "favourite", "quote"})
# Mastodon's thresholds: an account younger than this is "new"; a follower of less than this is not one yet.
NEW_ACCOUNT_AGE = timedelta(days=30)
NEW_FOLLOWER_AGE = timedelta(days=3)
# Mastodon groups these in the v2 list; a group spans at most this long (a fixed window here, see 0035).
GROUPED_TYPES = frozenset({"favourite", "reblog", "follow", "admin.sign_up"})
GROUP_SPAN_SECONDS = 12 * 3600


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
    kept = []
    for recipient, type, sender, post in items:
        if (recipient.id, sender.id) in blocked or (recipient.id, sender.domain) in domain_blocked:
            continue
        thread_muted = post is not None and (recipient.id, post.thread_root_id) in muted_threads
        if thread_muted and type in ("mention", "reblog", "favourite"):
            continue
        kept.append((recipient, type, sender, post))
    verdicts = _policy_verdicts(kept)
    bucket = int(time.time()) // GROUP_SPAN_SECONDS
    rows = []
    for (recipient, type, sender, post), verdict in zip(kept, verdicts, strict=True):
        if verdict == PolicyChoice.DROP:
            continue
        filtered = verdict == PolicyChoice.FILTER
        rows.append(
            Notification(
                recipient=recipient,
                type=type,
                from_account=sender,
                post=post,
                filtered=filtered,
                group_key="" if filtered else group_key_for(type, post, bucket),
            )
        )
    with transaction.atomic():
        Notification.objects.bulk_create(rows)
        _hold_in_requests([n for n in rows if n.filtered])
        # Only notifications the recipient is shown are announced (Web Push queues its deliveries in this
        # transaction, streaming sends after commit): a filtered one must reach neither, the recipient sees it
        # only by opening the sender's request.
        events.emit("notifications.recorded", notifications=[n for n in rows if not n.filtered])
    for notification in rows:
        if not notification.filtered:
            transaction.on_commit(lambda n=notification: events.emit("notification.created", notification=n))
    return rows


def group_key_for(type: str, post: Post | None, bucket: int) -> str:
    """Mastodon's group key for a new notification: favourites and boosts of one post, and follows, made within
    the same 12-hour window share one; the other types stand alone (the API calls them "ungrouped-<id>")."""
    if type not in GROUPED_TYPES:
        return ""
    if type in ("favourite", "reblog"):
        return f"{type}-{post.id}-{bucket}" if post is not None else ""
    return f"{type}-{bucket}"


def policy_for(account: Account) -> NotificationPolicy:
    """The account's policy, or Mastodon's defaults (unsaved) when it never changed them."""
    return NotificationPolicy.objects.filter(account=account).first() or NotificationPolicy(account=account)


def _policy_verdicts(items: list[tuple[Account, str, Account, Post | None]]) -> list[str]:
    """accept, filter or drop for each item, as Mastodon's NotifyService decides (DropCondition, then
    FilterCondition), asked with a fixed number of queries for the whole batch."""
    if not any(type in FILTERABLE_TYPES for _, type, _, _ in items):
        return [PolicyChoice.ACCEPT] * len(items)  # polls ending, edits...: no policy applies, nothing to ask
    recipient_ids = {recipient.id for recipient, _, _, _ in items}
    sender_ids = {sender.id for _, _, sender, _ in items}
    policies = {p.account_id: p for p in NotificationPolicy.objects.filter(account_id__in=recipient_ids)}
    permitted = set(
        NotificationPermission.objects.filter(
            recipient_id__in=recipient_ids, from_account_id__in=sender_ids
        ).values_list("recipient_id", "from_account_id")
    )
    following = set(
        Follow.objects.filter(account_id__in=recipient_ids, target_account_id__in=sender_ids).values_list(
            "account_id", "target_account_id"
        )
    )
    settled_followers = set(
        Follow.objects.filter(
            account_id__in=sender_ids,
            target_account_id__in=recipient_ids,
            created_at__lte=timezone.now() - NEW_FOLLOWER_AGE,
        ).values_list("target_account_id", "account_id")
    )
    local_senders = [sender.id for _, _, sender, _ in items if sender.is_local]
    staff = (
        set(
            User.objects.filter(
                account_id__in=local_senders, role__in=[Role.MODERATOR, Role.ADMIN]
            ).values_list("account_id", flat=True)
        )
        if local_senders
        else set()
    )
    parent_ids = {
        post.in_reply_to_id
        for _, type, _, post in items
        if type == "mention" and post is not None and post.in_reply_to_id
    }
    parent_authors = (
        dict(Post.objects.filter(pk__in=parent_ids).values_list("id", "account_id")) if parent_ids else {}
    )
    new_since = timezone.now() - NEW_ACCOUNT_AGE
    verdicts = []
    for recipient, type, sender, post in items:
        if type not in FILTERABLE_TYPES or sender.id in staff or (recipient.id, sender.id) in permitted:
            verdicts.append(PolicyChoice.ACCEPT)
            continue
        policy = policies.get(recipient.id) or NotificationPolicy(account_id=recipient.id)
        follows_sender = (recipient.id, sender.id) in following
        # A private mention is unsolicited unless it answers one of the recipient's own posts.
        unsolicited_private = (
            type == "mention"
            and post is not None
            and post.visibility == Visibility.DIRECT
            and parent_authors.get(post.in_reply_to_id) != recipient.id
        )
        # Each condition beside the choice its own field makes; a drop wins over a filter, as in Mastodon.
        conditions = [
            (policy.for_not_following, not follows_sender),
            (policy.for_not_followers, (recipient.id, sender.id) not in settled_followers),
            (policy.for_new_accounts, sender.created_at > new_since and not follows_sender),
            (policy.for_private_mentions, unsolicited_private and not follows_sender),
            (policy.for_limited_accounts, sender.limited_at is not None and not follows_sender),
        ]
        if any(choice == PolicyChoice.DROP and met for choice, met in conditions):
            verdicts.append(PolicyChoice.DROP)
        elif any(choice == PolicyChoice.FILTER and met for choice, met in conditions):
            verdicts.append(PolicyChoice.FILTER)
        else:
            verdicts.append(PolicyChoice.ACCEPT)
    return verdicts


def _hold_in_requests(filtered: list[Notification]) -> None:
    """Count filtered notifications into their (recipient, sender) request, made on the first one."""
    if not filtered:
        return
    counts = Counter((n.recipient_id, n.from_account_id) for n in filtered)
    latest_post = {(n.recipient_id, n.from_account_id): n.post_id for n in filtered if n.post_id}
    NotificationRequest.objects.bulk_create(
        [NotificationRequest(recipient_id=r, from_account_id=s) for r, s in counts],
        ignore_conflicts=True,  # a request already open for the pair: it only counts on (below)
    )
    for (recipient_id, sender_id), count in counts.items():
        changes = {"notifications_count": F("notifications_count") + count, "updated_at": timezone.now()}
        if (recipient_id, sender_id) in latest_post:
            changes["last_post_id"] = latest_post[(recipient_id, sender_id)]
        NotificationRequest.objects.filter(recipient_id=recipient_id, from_account_id=sender_id).update(
            **changes
        )


def update_policy(account: Account, **choices: str | None) -> NotificationPolicy:
    """Change some of the account's policy choices (None leaves one as it is); each is accept, filter or drop."""
    changes = {}
    for field, value in choices.items():
        if field not in NotificationPolicy.FIELDS:
            raise ValueError(field)
        if value is None:
            continue
        if value not in PolicyChoice.values:
            raise DomainError(error_codes.NOTIFICATION_POLICY_INVALID, field=field, name=field)
        changes[field] = value
    # Checked before anything is written; get_or_create, so two changes at once both land on the one row.
    policy, _ = NotificationPolicy.objects.get_or_create(account=account)
    for field, value in changes.items():
        setattr(policy, field, value)
    if changes:
        policy.save(update_fields=list(changes))
    return policy


def accept_requests(recipient: Account, request_ids: list[int]) -> int:
    """Accept the recipient's requests: their held notifications join the list, and the senders' future ones
    pass the policy (a NotificationPermission, as Mastodon). Done at once, so `/merged` is always true."""
    with transaction.atomic():
        requests = list(NotificationRequest.objects.filter(recipient=recipient, pk__in=request_ids))
        senders = [r.from_account_id for r in requests]
        NotificationPermission.objects.bulk_create(
            [NotificationPermission(recipient=recipient, from_account_id=s) for s in senders],
            ignore_conflicts=True,
        )
        Notification.objects.filter(recipient=recipient, from_account_id__in=senders, filtered=True).update(
            filtered=False
        )
        NotificationRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return len(requests)


def dismiss_requests(recipient: Account, request_ids: list[int]) -> int:
    """Dismiss the recipient's requests: the notifications they held are deleted. Later ones from the same
    sender are held in a new request, as Mastodon does."""
    with transaction.atomic():
        requests = list(NotificationRequest.objects.filter(recipient=recipient, pk__in=request_ids))
        senders = [r.from_account_id for r in requests]
        Notification.objects.filter(recipient=recipient, from_account_id__in=senders, filtered=True).delete()
        NotificationRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return len(requests)


def dismiss_group(recipient: Account, group_key: str) -> None:
    """Dismiss every notification of a v2 group ("ungrouped-<id>" names one notification)."""
    if group_key.startswith("ungrouped-"):
        dismiss(recipient, id_from_text(group_key.removeprefix("ungrouped-")) or 0)
        return
    Notification.objects.filter(recipient=recipient, group_key=group_key).delete()


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
    NotificationRequest.objects.filter(recipient=account).delete()
    NotificationRequest.objects.filter(from_account=account).delete()
    NotificationPermission.objects.filter(recipient=account).delete()
    NotificationPolicy.objects.filter(account=account).delete()


def save_marker(account: Account, timeline: str, last_read_id: int) -> Marker:
    marker, _ = Marker.objects.get_or_create(account=account, timeline=timeline)
    if marker.last_read_id == last_read_id and marker.version:
        return marker  # already there: no write (the notifications page saves it on every visit)
    marker.last_read_id = last_read_id
    marker.version += 1
    marker.save()
    return marker
