"""Turning domain events into activities for other servers: each listener builds the activity and records one
Delivery per inbox in the same transaction as the change (and a task to send them), so a rollback sends
nothing and a crash loses nothing.

Who receives what follows visibility: followers-only posts go to followers' servers and mentioned people only,
direct posts only to the people mentioned; one request per shared inbox where a server offers one.
"""

import orjson

from caravan import events
from caravan.accounts.models import Account
from caravan.federation import documents
from caravan.federation.actors import AS_PUBLIC, domain_of, is_local_uri
from caravan.federation.models import Delivery, OutgoingActivity, UnavailableDomain
from caravan.posts.models import Post, Visibility
from caravan.social.models import Follow


def _inbox_of(account: Account) -> str:
    return account.shared_inbox_url or account.inbox_url


def follower_inboxes(account: Account) -> set[str]:
    rows = (
        Follow.objects.filter(target_account=account)
        .exclude(account__domain="")
        .values_list("account__shared_inbox_url", "account__inbox_url")
        .distinct()
    )
    return {shared or personal for shared, personal in rows if shared or personal}


def record(actor: Account, activity: dict, inboxes: set[str]) -> OutgoingActivity | None:
    """Store the activity and one pending Delivery per remote inbox, and enqueue the task that sends them."""
    from caravan.federation.tasks import deliver_activity

    inboxes = {inbox for inbox in inboxes if inbox and not is_local_uri(inbox)}
    if not inboxes:
        return None
    skipped = set(UnavailableDomain.objects.filter(unavailable=True).values_list("domain", flat=True))
    rows = [(inbox, domain_of(inbox)) for inbox in sorted(inboxes)]
    rows = [(inbox, domain) for inbox, domain in rows if domain not in skipped]
    if not rows:
        return None
    outgoing = OutgoingActivity.objects.create(
        uri=str(activity.get("id", ""))[:2000],
        type=str(activity.get("type", ""))[:32],
        actor=actor,
        body=orjson.dumps(activity),
    )
    Delivery.objects.bulk_create(
        [Delivery(activity=outgoing, inbox_url=inbox, domain=domain) for inbox, domain in rows],
        batch_size=2000,
        ignore_conflicts=True,
    )
    deliver_activity.enqueue(outgoing.pk)
    return outgoing


def post_inboxes(post: Post) -> set[str]:
    original = post.reblog_of if post.reblog_of_id else post
    mentioned = [m.account for m in original.mentions.select_related("account") if not m.account.is_local]
    inboxes = {_inbox_of(a) for a in mentioned}
    if original.visibility != Visibility.DIRECT or post.reblog_of_id:
        inboxes |= follower_inboxes(post.account)
    if post.reblog_of_id and not original.account.is_local:
        inboxes.add(_inbox_of(original.account))
    if original.in_reply_to_id and original.visibility != Visibility.DIRECT:
        parent_author = original.in_reply_to.account
        if not parent_author.is_local:
            inboxes.add(_inbox_of(parent_author))
    return inboxes


def _post_is_ours(post: Post) -> bool:
    return post.account.is_local and not post.imported


# Listeners --------------------------------------------------------------------------------------------------


def on_post_created(post: Post, **_) -> None:
    if _post_is_ours(post) and not post.reblog_of_id:
        record(post.account, documents.create_activity(post), post_inboxes(post))


def on_post_updated(post: Post, **_) -> None:
    if not _post_is_ours(post) or post.reblog_of_id:
        return
    note = documents.note_object(post)
    stamp = int((post.edited_at or post.updated_at).timestamp())
    activity = documents.with_context(
        {
            "id": f"{post.uri}#updates/{stamp}",
            "type": "Update",
            "actor": post.account.uri,
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }
    )
    record(post.account, activity, post_inboxes(post))


def on_post_deleted(post: Post, **_) -> None:
    if not _post_is_ours(post):
        return
    if post.reblog_of_id:
        on_reblog_deleted(post)
        return
    to, cc = documents.addressing(post)
    activity = documents.with_context(
        {
            "id": f"{post.uri}#delete",
            "type": "Delete",
            "actor": post.account.uri,
            "to": to,
            "cc": cc,
            "object": {"id": post.uri, "type": "Tombstone", "atomUri": post.uri},
        }
    )
    record(post.account, activity, post_inboxes(post))


def on_reblog_created(reblog: Post, **_) -> None:
    if _post_is_ours(reblog):
        record(reblog.account, documents.announce_activity(reblog), post_inboxes(reblog))


def on_reblog_deleted(reblog: Post, **_) -> None:
    if not _post_is_ours(reblog):
        return
    announce = documents.announce_activity(reblog)
    announce.pop("@context", None)
    activity = documents.with_context(
        {
            "id": f"{reblog.uri}/undo",
            "type": "Undo",
            "actor": reblog.account.uri,
            "to": announce["to"],
            "cc": announce["cc"],
            "object": announce,
        }
    )
    record(reblog.account, activity, post_inboxes(reblog))


def _like(favourite) -> dict:
    return {"id": favourite.uri, "type": "Like", "actor": favourite.account.uri, "object": favourite.post.uri}


def on_favourite_created(favourite, **_) -> None:
    if favourite.account.is_local and not favourite.post.account.is_local:
        record(
            favourite.account, documents.with_context(_like(favourite)), {_inbox_of(favourite.post.account)}
        )


def on_favourite_deleted(favourite, **_) -> None:
    if favourite.account.is_local and not favourite.post.account.is_local:
        activity = documents.with_context(
            {
                "id": f"{favourite.uri}/undo",
                "type": "Undo",
                "actor": favourite.account.uri,
                "object": _like(favourite),
            }
        )
        record(favourite.account, activity, {_inbox_of(favourite.post.account)})


def on_poll_voted(poll, account: Account, choices: list[int], **_) -> None:
    author = poll.post.account
    if not account.is_local or author.is_local:
        return
    from caravan.ids import new_id

    for choice in choices:
        vote_id = f"{account.uri}#votes/{new_id()}"
        note = {
            "id": vote_id,
            "type": "Note",
            "name": poll.options[choice]["title"],
            "attributedTo": account.uri,
            "to": author.uri,
            "inReplyTo": poll.post.uri,
        }
        activity = documents.with_context(
            {
                "id": f"{vote_id}/activity",
                "type": "Create",
                "actor": account.uri,
                "to": author.uri,
                "object": note,
            }
        )
        record(account, activity, {author.inbox_url or _inbox_of(author)})


def _follow(follow_or_request) -> dict:
    return {
        "id": follow_or_request.uri or f"{follow_or_request.account.uri}#follows/{follow_or_request.id}",
        "type": "Follow",
        "actor": follow_or_request.account.uri,
        "object": follow_or_request.target_account.uri,
    }


def on_follow_requested(request, **_) -> None:
    if request.account.is_local and not request.target_account.is_local:
        record(request.account, documents.with_context(_follow(request)), {request.target_account.inbox_url})


def send_accept(target: Account, follower: Account, follow_activity: dict) -> None:
    follow_activity = {k: v for k, v in follow_activity.items() if k != "@context"}
    activity = documents.with_context(
        {
            "id": f"{target.uri}#accepts/follows/{_safe_id(follow_activity)}",
            "type": "Accept",
            "actor": target.uri,
            "object": follow_activity,
        }
    )
    record(target, activity, {follower.inbox_url or _inbox_of(follower)})


def send_reject(target: Account, follower: Account, follow_activity: dict) -> None:
    follow_activity = {k: v for k, v in follow_activity.items() if k != "@context"}
    activity = documents.with_context(
        {
            "id": f"{target.uri}#rejects/follows/{_safe_id(follow_activity)}",
            "type": "Reject",
            "actor": target.uri,
            "object": follow_activity,
        }
    )
    record(target, activity, {follower.inbox_url or _inbox_of(follower)})


def _safe_id(follow_activity: dict) -> str:
    import hashlib

    return hashlib.sha256(str(follow_activity.get("id", "")).encode()).hexdigest()[:16]


def on_follow_accepted(follow, **_) -> None:
    if not follow.account.is_local and follow.target_account.is_local:
        send_accept(follow.target_account, follow.account, _follow(follow))


def on_follow_rejected(request, **_) -> None:
    if not request.account.is_local and request.target_account.is_local:
        send_reject(request.target_account, request.account, _follow(request))


def on_follow_undone(follow, **_) -> None:
    if follow.account.is_local and not follow.target_account.is_local:
        activity = documents.with_context(
            {
                "id": f"{_follow(follow)['id']}/undo",
                "type": "Undo",
                "actor": follow.account.uri,
                "object": _follow(follow),
            }
        )
        record(follow.account, activity, {follow.target_account.inbox_url})


def _block(block) -> dict:
    return {"id": block.uri, "type": "Block", "actor": block.account.uri, "object": block.target_account.uri}


def on_block_created(block, **_) -> None:
    if block.account.is_local and not block.target_account.is_local:
        record(block.account, documents.with_context(_block(block)), {block.target_account.inbox_url})


def on_block_deleted(block, **_) -> None:
    if block.account.is_local and not block.target_account.is_local:
        activity = documents.with_context(
            {"id": f"{block.uri}/undo", "type": "Undo", "actor": block.account.uri, "object": _block(block)}
        )
        record(block.account, activity, {block.target_account.inbox_url})


def on_account_updated(account: Account, **_) -> None:
    if not account.is_local or not hasattr(account, "user"):
        return
    actor = documents.actor_document(account)
    actor.pop("@context", None)
    stamp = int(account.updated_at.timestamp()) if account.updated_at else 0
    activity = documents.with_context(
        {
            "id": f"{account.uri}#updates/{stamp}",
            "type": "Update",
            "actor": account.uri,
            "to": [AS_PUBLIC],
            "object": actor,
        }
    )
    record(account, activity, follower_inboxes(account))


def on_account_moved(account: Account, target: Account, **_) -> None:
    """The moving app emits `account.moved` when a local account moves away: tell every follower's server
    (the profile now shows movedTo, then the Move itself)."""
    if not account.is_local:
        return
    on_account_updated(account)
    activity = documents.with_context(
        {
            "id": f"{account.uri}#moves/{target.id}",
            "type": "Move",
            "actor": account.uri,
            "object": account.uri,
            "target": target.uri,
        }
    )
    record(account, activity, follower_inboxes(account))


def deleted_account_inboxes(account: Account) -> set[str]:
    """Every server that may hold a copy of the account or its posts: its followers' and followed accounts'
    servers, those it asked to follow or that asked, and the authors it replied to, mentioned, boosted or
    favourited. Read before the deletion removes those rows (the event is emitted first)."""
    from caravan.posts.models import Favourite, Mention
    from caravan.social.models import FollowRequest

    related_ids = (
        Follow.objects.filter(target_account=account).values("account_id"),
        Follow.objects.filter(account=account).values("target_account_id"),
        FollowRequest.objects.filter(target_account=account).values("account_id"),
        FollowRequest.objects.filter(account=account).values("target_account_id"),
        Mention.objects.filter(post__account=account).values("account_id"),
        Post.objects.filter(account=account, in_reply_to_account__isnull=False).values("in_reply_to_account"),
        Post.objects.filter(account=account, reblog_of__isnull=False).values("reblog_of__account_id"),
        Favourite.objects.filter(account=account).values("post__account_id"),
    )
    rows = set()
    for ids in related_ids:
        rows |= set(
            Account.objects.exclude(domain="").filter(pk__in=ids).values_list("shared_inbox_url", "inbox_url")
        )
    return {shared or personal for shared, personal in rows if shared or personal}


def on_account_deleted(account: Account, **_) -> None:
    if not account.is_local:
        return
    from caravan.accounts.services import ensure_keypair

    ensure_keypair(account)  # an account that never federated has no key yet, and the Delete must be signed
    activity = documents.with_context(
        {
            "id": f"{account.uri}#delete",
            "type": "Delete",
            "actor": account.uri,
            "to": [AS_PUBLIC],
            "object": account.uri,
        }
    )
    record(account, activity, deleted_account_inboxes(account))


def connect() -> None:
    for name, listener in (
        ("post.created", on_post_created),
        ("post.updated", on_post_updated),
        ("post.deleted", on_post_deleted),
        ("reblog.created", on_reblog_created),
        ("reblog.deleted", on_reblog_deleted),
        ("favourite.created", on_favourite_created),
        ("favourite.deleted", on_favourite_deleted),
        ("poll.voted", on_poll_voted),
        ("follow.requested", on_follow_requested),
        ("follow.accepted", on_follow_accepted),
        ("follow.rejected", on_follow_rejected),
        ("follow.undone", on_follow_undone),
        ("block.created", on_block_created),
        ("block.deleted", on_block_deleted),
        ("account.updated", on_account_updated),
        ("account.moved", on_account_moved),
        ("account.deleted", on_account_deleted),
    ):
        events.listen(name, listener)
