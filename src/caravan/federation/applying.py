"""Applying a verified incoming activity: each type becomes a call to the domain service that does the same thing
for local people (the post pipeline, follow, favourite...). The caller has already checked the HTTP signature;
here every object is checked against the signer's origin, and each activity id is applied at most once. A run of
plain Create(Note) activities is stored as one batch (`store_creates`).
"""

import logging

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Q

from caravan import error_codes, leaving, publishing, relationships
from caravan.accounts.models import Account
from caravan.directory.services import forget_remote_entry
from caravan.errors import DomainError
from caravan.federation import actors, pacts, quotes
from caravan.federation import campaigns as campaign_actors
from caravan.federation.actors import as_list, is_local_uri, origin
from caravan.federation.models import ReceivedActivity, Tombstone
from caravan.federation.network import FetchError
from caravan.federation.reading import (
    NOTE_TYPES,
    InboxError,
    content_html,
    count_of,
    emojis_of,
    id_of,
    is_relevant,
    language_of,
    local_post,
    mentions_and_tags,
    note_draft,
    parse_time,
    poll_spec,
)
from caravan.federation.sender import mark_available
from caravan.instance.domains import rejects_reports
from caravan.moderation.services import create_report
from caravan.moving.services import accept_move
from caravan.posts.models import Favourite, Poll, Post, Visibility
from caravan.social import services as social
from caravan.social.models import Follow, FollowRequest

logger = logging.getLogger(__name__)


def process_activity(activity: dict, signer: Account) -> str:
    """Apply one activity signed by `signer`. Returns a short word for what happened; raises InboxError."""
    if not isinstance(activity, dict):
        raise InboxError("an activity must be a JSON object")
    kind = activity.get("type")
    actor_uri = id_of(activity.get("actor"))
    if not isinstance(kind, str) or not actor_uri:
        raise InboxError("an activity needs a type and an actor")
    if actor_uri != signer.uri:
        raise InboxError("the activity's actor is not the signer", 401)
    activity_id = id_of(activity)
    if activity_id and origin(activity_id) != origin(actor_uri):
        raise InboxError("the activity id is not on the actor's server", 403)
    handler = HANDLERS.get(kind)
    if handler is None:
        return "ignored"
    try:
        with transaction.atomic():
            if activity_id:
                if ReceivedActivity.objects.filter(uri=activity_id).exists():
                    return "duplicate"
                ReceivedActivity.objects.create(uri=activity_id)
            return handler(activity, signer)
    except IntegrityError:
        return "duplicate"
    except DomainError as error:
        raise InboxError(error.english, 422 if error.status >= 500 else error.status) from None


MAX_QUOTE_DEPTH = 2  # a quote of a quote of a quote is fetched no further (each fetch may bring another)


def post_for(uri: str, signer: Account | None, *, depth: int = 0) -> Post | None:
    """A post we have, or a remote one fetched from its own origin (never trusting an embedded copy)."""
    post = local_post(uri)
    if post is not None or not uri or is_local_uri(uri):
        return post
    if Tombstone.objects.filter(uri=uri).exists():
        return None
    try:
        document = actors.fetch_json(uri)
    except FetchError as error:
        logger.info("could not fetch %s: %s", uri, error)
        return None
    author = actors.resolve_actor(id_of(document.get("attributedTo")))
    if author is None or origin(author.uri) != origin(document.get("id", "")):
        return None
    return store_note(document, author, relevant_only=False, depth=depth)


def _quoted_finder(depth: int):
    """Finds a quoted post here or fetches it from its origin, to a bounded depth."""

    def find(uri: str) -> Post | None:
        if depth >= MAX_QUOTE_DEPTH:
            return local_post(uri)
        return post_for(uri, None, depth=depth + 1)

    return find


def _quote_reader(depth: int):
    """What `note_draft` asks to read a Note's quote (federation/quotes.py checks its stamp)."""
    find = _quoted_finder(depth)
    return lambda obj, author: quotes.quote_spec(obj, author, find)


def resolve_url(url: str) -> Account | Post | None:
    """What a pasted link names (search with resolve=true): a remote actor or post, fetched from its origin."""
    if not url.startswith(("http://", "https://")) or is_local_uri(url):
        return None
    try:
        document = actors.fetch_json(url)
    except FetchError as error:
        logger.info("could not resolve %s: %s", url, error)
        return None
    uri = document.get("id")
    if actors.type_of(document) in actors.ACTOR_TYPES:
        try:
            return actors.store_actor(document, uri)
        except FetchError as error:
            logger.info("refused the actor at %s: %s", url, error)
            return None
    if document.get("type") in ("Note", "Question", "Article", "Page", "Video", "Event"):
        return post_for(uri, None)
    return None


def store_note(
    obj: dict, author: Account, *, relevant_only: bool = True, announced: bool = False, depth: int = 0
) -> Post | None:
    """Store a Note-like object by `author` through the post pipeline (or find it stored already)."""
    existing = local_post(id_of(obj))
    if existing is not None:
        return existing
    draft = note_draft(
        obj,
        author,
        relevant_only=relevant_only,
        announced=announced,
        quote_of=_quote_reader(depth),
        quote_policy=quotes.policy_of(obj, author),
    )
    if draft is None:
        return None
    try:
        stored = publishing.store_posts([draft])
    except DomainError as error:
        raise InboxError(error.english, 422) from None
    return stored[0] if stored else local_post(draft.post.uri)


# Handlers ---------------------------------------------------------------------------------------------------


def _local_account(uri: str) -> Account | None:
    if not uri or not is_local_uri(uri):
        return None
    return Account.objects.filter(uri=uri, domain="").first()


def handle_follow(activity: dict, signer: Account) -> str:
    target = _local_account(id_of(activity.get("object")))
    if target is None:
        raise InboxError("no such local account", 404)
    joined = campaign_actors.follow(activity, signer, target)
    if joined is not None:
        return joined
    from caravan.federation import delivery

    try:
        result = relationships.follow(signer, target, uri=id_of(activity))
    except DomainError:
        delivery.send_reject(target, signer, activity)
        return "rejected"
    if isinstance(result, Follow):
        delivery.send_accept(target, signer, activity)
        return "followed"
    return "requested"


def _our_follow_request(activity_object, signer: Account) -> FollowRequest | Follow | None:
    follow_id = id_of(activity_object)
    query = Q(target_account=signer, account__domain="")
    if isinstance(activity_object, dict):
        follower = _local_account(id_of(activity_object.get("actor")))
        if follower is not None:
            query &= Q(account=follower)
        elif follow_id:
            query &= Q(uri=follow_id)
    elif follow_id:
        query &= Q(uri=follow_id)
    return FollowRequest.objects.filter(query).first() or Follow.objects.filter(query).first()


def handle_accept(activity: dict, signer: Account) -> str:
    if quotes.is_quote_answer(activity):
        return quotes.handle_accept(activity, signer)
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") not in (None, "Follow"):
        return "ignored"
    request = _our_follow_request(obj, signer)
    if request is None:
        return "ignored"
    relationships.accept_follow_request(signer, request.account)
    return "accepted"


def handle_reject(activity: dict, signer: Account) -> str:
    if quotes.is_quote_answer(activity):
        return quotes.handle_reject(activity, signer)
    request = _our_follow_request(activity.get("object"), signer)
    if request is None:
        return "ignored"
    relationships.reject_follow_request(signer, request.account)
    return "rejected"


def handle_undo(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    object_id = id_of(obj)
    kind = obj.get("type") if isinstance(obj, dict) else None
    inner = obj.get("object") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and id_of(obj.get("actor")) not in ("", signer.uri):
        raise InboxError("one can only undo one's own activities", 403)
    if kind == "Follow" and campaign_actors.undo_follow(obj, signer):
        return "left the campaign"
    if kind == "Follow" or (
        kind is None
        and (
            Follow.objects.filter(account=signer, uri=object_id).exists()
            or FollowRequest.objects.filter(account=signer, uri=object_id).exists()
        )
    ):
        target = _local_account(id_of(inner)) if inner else None
        if target is None:
            follow = (
                Follow.objects.filter(account=signer, uri=object_id).first()
                or FollowRequest.objects.filter(account=signer, uri=object_id).first()
            )
            target = follow.target_account if follow else None
        if target is not None:
            relationships.unfollow(signer, target)
        return "unfollowed"
    if kind == "Like" or (kind is None and Favourite.objects.filter(account=signer, uri=object_id).exists()):
        post = local_post(id_of(inner)) if inner else None
        if post is None:
            fav = Favourite.objects.filter(account=signer, uri=object_id).select_related("post").first()
            post = fav.post if fav else None
        if post is not None:
            publishing.unfavourite(signer, post)
        return "unfavourited"
    if kind == "Announce" or (kind is None and Post.objects.filter(account=signer, uri=object_id).exists()):
        boost = Post.objects.filter(account=signer, uri=object_id, reblog_of__isnull=False).first()
        if boost is None and inner:
            original = local_post(id_of(inner))
            boost = Post.objects.filter(account=signer, reblog_of=original).first() if original else None
        if boost is not None:
            publishing.unreblog(signer, boost.reblog_of)
        return "unreblogged"
    if kind == "Block":
        target = _local_account(id_of(inner))
        if target is not None:
            social.unblock(signer, target)
        return "unblocked"
    return "ignored"


def _is_poll_vote(obj: dict) -> Poll | None:
    if obj.get("type") != "Note" or not isinstance(obj.get("name"), str) or obj.get("content"):
        return None
    question = local_post(id_of(obj.get("inReplyTo")))
    if question is None or not question.local:
        return None
    return Poll.objects.filter(post=question).first()


def handle_create(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        # Only an id: fetch it from its origin rather than trusting anything.
        post = post_for(id_of(obj), signer)
        return "created" if post else "ignored"
    if actors.type_of(obj) not in NOTE_TYPES:
        return "ignored"
    attributed = id_of(obj.get("attributedTo")) or signer.uri
    if isinstance(obj.get("attributedTo"), list):
        # PeerTube lists the Person and the channel Group; the signer must be one of them.
        attributed = signer.uri if signer.uri in {id_of(a) for a in obj["attributedTo"]} else attributed
    if attributed != signer.uri:
        raise InboxError("the object's author is not the signer", 403)
    poll = _is_poll_vote(obj)
    if poll is not None:
        index = next((i for i, o in enumerate(poll.options) if o["title"] == obj["name"]), None)
        if index is None:
            raise InboxError("no such poll option", 422)
        try:
            publishing.vote(signer, poll, [index], uri=id_of(obj))
        except DomainError as error:
            if error.kind is not error_codes.ALREADY_VOTED:
                raise
            return "duplicate vote"
        return "voted"
    post = store_note(obj, signer)
    return "created" if post else "ignored"


def handle_update(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        return "ignored"
    if pacts.is_pact(obj):
        return pacts.handle_update(activity, signer)
    if actors.type_of(obj) in actors.ACTOR_TYPES:
        if id_of(obj) != signer.uri:
            raise InboxError("one can only update oneself", 403)
        try:
            actors.store_actor(obj, signer.uri)
        except FetchError as error:
            raise InboxError(f"the profile was refused: {error}", 422) from None
        return "profile updated"
    if actors.type_of(obj) not in NOTE_TYPES:
        return "ignored"
    post = local_post(id_of(obj))
    if post is None:
        return "ignored"
    if post.account_id != signer.id:
        raise InboxError("only the author can update a post", 403)
    quotes.apply_update(post, obj, _quoted_finder(0))
    results = poll_spec(obj)
    if (
        results is not None
        and hasattr(post, "poll")
        and results.options == [o["title"] for o in post.poll.options]
    ):
        publishing.set_poll_results(post.poll, results.votes or [], count_of(obj.get("votersCount")))
        if not obj.get("updated") or parse_time(obj.get("updated")) == post.edited_at:
            return "poll updated"
    if not obj.get("updated"):
        return "ignored"
    mentions, tags = mentions_and_tags(obj)
    summary = obj.get("summary")
    publishing.edit_post(
        post,
        signer,
        remote=publishing.RemoteContent(
            html=content_html(obj), mentions=mentions, tags=tags, emojis=emojis_of(obj)
        ),
        spoiler_text=summary if isinstance(summary, str) else "",
        sensitive=bool(obj.get("sensitive")),
        language=language_of(obj) or None,
        edited_at=parse_time(obj.get("updated")),
    )
    return "edited"


def handle_delete(activity: dict, signer: Account) -> str:
    object_id = id_of(activity.get("object"))
    if not object_id:
        raise InboxError("Delete needs an object")
    if object_id == signer.uri:
        _delete_actor(signer)
        return "actor deleted"
    if origin(object_id) != origin(signer.uri):
        raise InboxError("one can only delete one's own objects", 403)
    if forget_remote_entry(object_id, signer):
        return "directory entry withdrawn"
    revoked = quotes.handle_stamp_delete(object_id, signer)
    if revoked is not None:
        return revoked
    Tombstone.objects.get_or_create(uri=object_id)
    post = local_post(object_id)
    if post is None:
        return "tombstoned"
    if post.account_id != signer.id:
        raise InboxError("only the author can delete a post", 403)
    publishing.delete_post(post, signer)
    return "deleted"


def _delete_actor(account: Account) -> None:
    """A remote account was deleted: its posts, follows both ways and interactions go; nothing is sent."""
    Tombstone.objects.get_or_create(uri=account.uri)
    leaving.forget_remote_account(account)
    campaign_actors.forget_member(account)


def handle_announce(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") in ("Create", "Update", "Delete", "Like", "Announce"):
        return "ignored"  # a Lemmy community relaying a whole activity: its own author will reach us
    post = post_for(id_of(obj), signer)
    if post is None:
        return "ignored"
    if post.visibility in (Visibility.PRIVATE, Visibility.DIRECT):
        raise InboxError("followers-only and direct posts cannot be boosted", 403)
    if (
        not is_relevant({}, signer, [post.account], None)
        and not Follow.objects.filter(target_account=signer, account__domain="").exists()
        and not post.account.is_local
    ):
        return "ignored"
    publishing.reblog(signer, post, uri=id_of(activity), created_at=parse_time(activity.get("published")))
    return "reblogged"


def handle_like(activity: dict, signer: Account) -> str:
    post = local_post(id_of(activity.get("object")))
    if post is None:
        return "ignored"
    publishing.favourite(signer, post, uri=id_of(activity))
    return "favourited"


def handle_block(activity: dict, signer: Account) -> str:
    target = _local_account(id_of(activity.get("object")))
    if target is None:
        return "ignored"
    relationships.block(signer, target, uri=id_of(activity))
    return "blocked"


def handle_flag(activity: dict, signer: Account) -> str:
    if rejects_reports(signer.domain):
        return "ignored"  # a domain policy rejects this server's reports
    objects = [id_of(item) for item in as_list(activity.get("object"))]
    target = next((a for a in (_local_account(uri) for uri in objects) if a is not None), None)
    if target is None:
        # The object list may name only posts: the report is about their author.
        post = next((p for p in (local_post(uri) for uri in objects) if p is not None), None)
        target = post.account if post else None
    if target is None:
        return "ignored"
    post_ids = [p.id for p in Post.objects.filter(uri__in=objects, account=target)]
    content = activity.get("content")
    create_report(
        signer,
        target,
        post_ids=post_ids,
        comment=content if isinstance(content, str) else "",
        uri=id_of(activity),
    )
    return "reported"


def handle_move(activity: dict, signer: Account) -> str:
    old_uri, new_uri = id_of(activity.get("object")), id_of(activity.get("target"))
    if old_uri != signer.uri:
        raise InboxError("an account can only move itself", 403)
    new = actors.resolve_actor(new_uri, refresh=True)
    if new is None:
        raise InboxError("the new account cannot be found", 422)
    if signer.uri not in (new.also_known_as or []):
        raise InboxError("the new account does not list the old one in alsoKnownAs", 403)
    accept_move(signer, new)
    return "moved"


def _featured_target(activity: dict, signer: Account) -> bool:
    target = id_of(activity.get("target"))
    return bool(target) and target == signer.featured_url


def handle_add(activity: dict, signer: Account) -> str:
    if not _featured_target(activity, signer):
        return "ignored"
    post = post_for(id_of(activity.get("object")), signer)
    if post is None or post.account_id != signer.id:
        return "ignored"
    try:
        publishing.pin(signer, post)
    except DomainError:
        return "ignored"
    return "pinned"


def handle_remove(activity: dict, signer: Account) -> str:
    if not _featured_target(activity, signer):
        return "ignored"
    post = local_post(id_of(activity.get("object")))
    if post is not None:
        publishing.unpin(signer, post)
    return "unpinned"


def handle_quote_request(activity: dict, signer: Account) -> str:
    def store_instrument(instrument) -> Post | None:
        if isinstance(instrument, dict):
            return store_note(instrument, signer, relevant_only=False)
        return post_for(id_of(instrument), signer)

    return quotes.handle_quote_request(activity, signer, store_instrument)


def handle_join_or_leave(activity: dict, signer: Account) -> str:
    """A Join or Leave names a pact or a campaign of this server; each handler ignores what is not its own."""
    answer = pacts.handle_choice(activity, signer)
    if answer != "ignored":
        return answer
    if activity.get("type") == "Join":
        return campaign_actors.handle_join(activity, signer)
    return campaign_actors.handle_leave(activity, signer)


HANDLERS = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Like": handle_like,
    "Block": handle_block,
    "Flag": handle_flag,
    "Move": handle_move,
    "Add": handle_add,
    "Remove": handle_remove,
    "Invite": pacts.handle_invite,
    "Join": handle_join_or_leave,
    "Leave": handle_join_or_leave,
    "QuoteRequest": handle_quote_request,
}


def simple_create(activity: dict, signer: Account) -> dict | None:
    """The object of a plain Create of a Note-like object (polls too) by its signer, for the batch path; None
    for anything else (poll votes included)."""
    obj = activity.get("object")
    if activity.get("type") != "Create" or not isinstance(obj, dict) or actors.type_of(obj) not in NOTE_TYPES:
        return None
    if obj.get("type") != "Question" and isinstance(obj.get("name"), str) and not obj.get("content"):
        return None  # a poll vote
    if id_of(activity.get("actor")) != signer.uri or id_of(obj.get("attributedTo")) != signer.uri:
        return None
    activity_id = id_of(activity)
    if not activity_id or origin(activity_id) != origin(signer.uri):
        return None
    return obj


def store_creates(pending: list[tuple[str, dict, Account]]) -> None:
    """Store a run of plain Create activities as one batch through the post pipeline, each id at most once."""
    if not pending:
        return
    seen = set(
        ReceivedActivity.objects.filter(uri__in=[a for a, _, _ in pending]).values_list("uri", flat=True)
    )
    object_ids = [id_of(obj) for _, obj, _ in pending]
    known = set(Post.objects.filter(uri__in=object_ids).values_list("uri", flat=True))
    known |= set(Tombstone.objects.filter(uri__in=object_ids).values_list("uri", flat=True))
    authors = {signer.id for _, _, signer in pending}
    followed = set(
        Follow.objects.filter(target_account_id__in=authors, account__domain="").values_list(
            "target_account_id", flat=True
        )
    )
    mentioned = {
        id_of(tag.get("href"))
        for _, obj, _ in pending
        for tag in as_list(obj.get("tag"))
        if isinstance(tag, dict) and tag.get("type") == "Mention"
    }
    mentioned.discard("")
    accounts_by_uri = {a.uri: a for a in Account.objects.filter(uri__in=mentioned)} if mentioned else {}
    batch, ids = [], []
    for activity_id, obj, signer in pending:
        if activity_id in seen:
            continue
        seen.add(activity_id)
        try:
            with transaction.atomic():
                draft = note_draft(
                    obj,
                    signer,
                    known=known,
                    followed=followed,
                    accounts_by_uri=accounts_by_uri,
                    quote_of=_quote_reader(0),
                    quote_policy=quotes.policy_of(obj, signer),
                )
        except (InboxError, DomainError) as error:
            logger.info("inbox activity %s refused: %s", activity_id, error)
            draft = None
        ids.append(activity_id)
        if draft is not None:
            known.add(draft.post.uri)
            batch.append(draft)
    try:
        with transaction.atomic():
            ReceivedActivity.objects.bulk_create(
                [ReceivedActivity(uri=i) for i in ids], ignore_conflicts=True
            )
            publishing.store_posts(batch)
    except DomainError:
        # One unstorable post spoils a batch: store the others one by one.
        for draft in batch:
            try:
                with transaction.atomic():
                    publishing.store_posts([draft])
            except DomainError as error:
                logger.info("remote post %s refused: %s", draft.post.uri, error)
    pending.clear()


def apply_items(items: list) -> None:
    """Apply InboxItems in arrival order. A refusal (InboxError) is logged and the item counts as done; any
    other failure propagates, so the caller can roll the batch back and find the item that caused it."""
    creates: list[tuple[str, dict, Account]] = []
    for item in items:
        try:
            activity = orjson.loads(bytes(item.body))
        except orjson.JSONDecodeError:
            logger.info("inbox item %s is not JSON; dropped", item.pk)
            continue
        note = simple_create(activity, item.signer) if isinstance(activity, dict) else None
        if note is not None:
            creates.append((id_of(activity), note, item.signer))
            continue
        store_creates(creates)  # keep arrival order around other activities
        try:
            process_activity(activity, item.signer)
        except InboxError as error:
            logger.info("inbox activity from %s refused: %s", item.signer.uri, error)
    store_creates(creates)
    mark_available({item.signer.domain for item in items if item.signer.domain})
