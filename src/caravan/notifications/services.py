"""Creating notifications, with the recipient's blocks, mutes, thread mutes and notification policy respected;
accepting and dismissing what the policy held back."""

import time
from collections import Counter
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account, Role, User
from caravan.bulk import among, select_rows
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
MAX_PARAMETERS = 30_000  # in one statement of `_Facts` (SQLite's limit is 32,766)


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
    """Notify local accounts: the rules of `notify`, asked in one statement for the whole batch (`_Facts`),
    and one insert. `allow_self` lets an account be told of its own doing (its poll has ended)."""
    items = [
        (recipient, type, sender, post)
        for recipient, type, sender, post in items
        if recipient.is_local and (recipient.id != sender.id or allow_self)
    ]
    if not items:
        return []
    facts = _Facts(items)
    blocked, domain_blocked, muted_threads = (
        facts.of("block"),
        facts.of("domain_block"),
        facts.of("thread_mute"),
    )
    kept = []
    for recipient, type, sender, post in items:
        if (recipient.id, sender.id) in blocked or (recipient.id, sender.domain) in domain_blocked:
            continue
        thread_muted = post is not None and (recipient.id, post.thread_root_id) in muted_threads
        if thread_muted and type in ("mention", "reblog", "favourite"):
            continue
        kept.append((recipient, type, sender, post))
    verdicts = _policy_verdicts(kept, facts)
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
    # No savepoint inside the caller's transaction (a post's): nothing catches a failure here to carry on, and
    # on PostgreSQL a savepoint and its release are two more round trips for every mention, favourite and boost.
    with transaction.atomic(savepoint=False):
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


class _Facts:
    """What the rules of `notify_many` ask about a batch's recipients and senders, read in one statement: blocks,
    mutes hiding notifications, blocked domains and muted threads, then the policy's facts (permissions given,
    follows either way, staff senders, the authors of the posts mentions answer). The ORM's nine queries cost
    about a millisecond of compiling for a reply's one mention (bench/README.md, fifth session)."""

    def __init__(self, items: list[tuple[Account, str, Account, Post | None]]) -> None:
        recipients = list({recipient.id for recipient, _, _, _ in items})
        senders = list({sender.id for _, _, sender, _ in items})
        domains = list({sender.domain for _, _, sender, _ in items if sender.domain})
        roots = list(
            {post.thread_root_id for _, _, _, post in items if post is not None and post.thread_root_id}
        )
        staff_candidates = list({sender.id for _, _, sender, _ in items if sender.is_local})
        parents = list(
            {
                post.in_reply_to_id
                for _, type, _, post in items
                if type == "mention" and post is not None and post.in_reply_to_id
            }
        )
        vendor, quote = connection.vendor, connection.ops.quote_name
        parts: list[tuple[str, list]] = []

        def ask(kind: str, select: str, model, *conditions: tuple[str, list | tuple]) -> None:
            """One part: a condition is (a column, a list it is among) or (SQL, a tuple of its parameters)."""
            wheres, params = [], []
            for column_or_sql, values in conditions:
                if isinstance(values, list):
                    sql, values = among(column_or_sql, values, vendor)
                    wheres.append(sql)
                else:
                    wheres.append(column_or_sql)
                params.extend(values)
            table = quote(model._meta.db_table)
            parts.append((f"SELECT '{kind}', {select} FROM {table} WHERE {' AND '.join(wheres)}", params))  # noqa: S608

        no_text = "CAST(NULL AS TEXT)"
        pair = ("account_id", recipients), ("target_account_id", senders)
        ask("block", f"account_id, target_account_id, {no_text}", Block, *pair)
        ask("block", f"account_id, target_account_id, {no_text}", Mute, *pair, ("hide_notifications", ()))
        if domains:
            ask("domain_block", "account_id, 0, domain", DomainBlock, pair[0], ("domain", domains))
        if roots:
            ask(
                "thread_mute",
                f"account_id, thread_root_id, {no_text}",
                ThreadMute,
                pair[0],
                ("thread_root_id", roots),
            )
        if any(type in FILTERABLE_TYPES for _, type, _, _ in items):
            ask(
                "permitted",
                f"recipient_id, from_account_id, {no_text}",
                NotificationPermission,
                ("recipient_id", recipients),
                ("from_account_id", senders),
            )
            ask("following", f"account_id, target_account_id, {no_text}", Follow, *pair)
            settled = connection.ops.adapt_datetimefield_value(timezone.now() - NEW_FOLLOWER_AGE)
            ask(
                "settled_follower",
                f"target_account_id, account_id, {no_text}",
                Follow,
                ("account_id", senders),
                ("target_account_id", recipients),
                ("created_at <= %s", (settled,)),
            )
            if staff_candidates:
                ask(
                    "staff",
                    f"account_id, 0, {no_text}",
                    User,
                    ("account_id", staff_candidates),
                    ("role", [Role.MODERATOR.value, Role.ADMIN.value]),
                )
            if parents:
                ask("parent", f"id, account_id, {no_text}", Post, ("id", parents))
        self._found: dict[str, set[tuple]] = {}
        with connection.cursor() as cursor:
            # One statement, or a few when the lists are long: SQLite takes at most 32,766 parameters in one.
            batch: list[tuple[str, list]] = []
            for number, part in enumerate(parts):
                batch.append(part)
                upcoming = parts[number + 1][1] if number + 1 < len(parts) else None
                if upcoming is None or sum(len(p) for _, p in batch) + len(upcoming) > MAX_PARAMETERS:
                    cursor.execute(
                        " UNION ALL ".join(sql for sql, _ in batch), [v for _, p in batch for v in p]
                    )
                    for kind, first, second, text in cursor.fetchall():
                        self._found.setdefault(kind, set()).add(
                            (first, text if kind == "domain_block" else second)
                        )
                    batch = []

    def of(self, kind: str) -> set[tuple]:
        return self._found.get(kind, set())


def _policy_verdicts(items: list[tuple[Account, str, Account, Post | None]], facts: _Facts) -> list[str]:
    """accept, filter or drop for each item, as Mastodon's NotifyService decides (DropCondition, then
    FilterCondition), from the batch's facts and one read of the recipients' policies."""
    if not any(type in FILTERABLE_TYPES for _, type, _, _ in items):
        return [PolicyChoice.ACCEPT] * len(items)  # polls ending, edits...: no policy applies, nothing to ask
    recipient_ids = {recipient.id for recipient, _, _, _ in items}
    policies = {p.account_id: p for p in select_rows(NotificationPolicy, recipient_ids, key="account_id")}
    permitted, following = facts.of("permitted"), facts.of("following")
    settled_followers = facts.of("settled_follower")
    staff = {account_id for account_id, _ in facts.of("staff")}
    parent_authors = dict(facts.of("parent"))
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
