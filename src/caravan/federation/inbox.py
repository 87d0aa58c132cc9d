"""Processing a verified incoming activity: each type becomes a call to the domain service that does the same
thing for local people (create_post, follow, favourite...). The caller has already checked the HTTP signature;
here every object is checked against the signer's origin, and each activity id is processed at most once.
"""

import logging
from datetime import UTC, datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from caravan import leaving, relationships
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.federation import actors
from caravan.federation.actors import AS_PUBLIC, as_list, is_local_uri, origin
from caravan.federation.models import InboxItem, ReceivedActivity, Tombstone
from caravan.federation.network import FetchError
from caravan.media.services import store_remote_media
from caravan.posts import remote as remote_posts
from caravan.posts import services as posts
from caravan.posts.models import Favourite, Poll, Post, Visibility
from caravan.posts.visibility import can_read
from caravan.social import services as social
from caravan.social.models import Follow, FollowRequest
from caravan.untrusted import http_url

logger = logging.getLogger(__name__)

NOTE_TYPES = {"Note", "Question", "Article", "Page", "Video", "Event", "Audio", "Image", "ChatMessage"}
PUBLIC_IDS = {AS_PUBLIC, "as:Public", "Public"}
MAX_ATTACHMENTS = 4
MAX_MENTION_FETCHES = 10


class InboxError(Exception):
    """The activity is malformed or not allowed; the inbox answers `status` and changes nothing."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _id(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, list) and value:
        return _id(value[0])
    return value if isinstance(value, str) else ""


def _count(value) -> int | None:
    """A tally from elsewhere (votes, voters) as a non-negative integer, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def process_activity(activity: dict, signer: Account) -> str:
    """Apply one activity signed by `signer`. Returns a short word for what happened; raises InboxError."""
    if not isinstance(activity, dict):
        raise InboxError("an activity must be a JSON object")
    kind = activity.get("type")
    actor_uri = _id(activity.get("actor"))
    if not isinstance(kind, str) or not actor_uri:
        raise InboxError("an activity needs a type and an actor")
    if actor_uri != signer.uri:
        raise InboxError("the activity's actor is not the signer", 401)
    activity_id = _id(activity)
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
        raise InboxError(error.message, 422 if error.status >= 500 else error.status) from None


# Objects ----------------------------------------------------------------------------------------------------


def _local_post(uri: str) -> Post | None:
    if not uri:
        return None
    return Post.objects.select_related("account").filter(uri=uri).first()


def _post_for(uri: str, signer: Account | None) -> Post | None:
    """A post we have, or a remote one fetched from its own origin (never trusting an embedded copy)."""
    post = _local_post(uri)
    if post is not None or not uri or is_local_uri(uri):
        return post
    if Tombstone.objects.filter(uri=uri).exists():
        return None
    try:
        document = actors.fetch_json(uri)
    except FetchError as error:
        logger.info("could not fetch %s: %s", uri, error)
        return None
    author = actors.resolve_actor(_id(document.get("attributedTo")))
    if author is None or origin(author.uri) != origin(document.get("id", "")):
        return None
    return _store_note(document, author, relevant_only=False)


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
        return _post_for(uri, None)
    return None


def _visibility(obj: dict, author: Account) -> str:
    to = {_id(x) for x in as_list(obj.get("to"))}
    cc = {_id(x) for x in as_list(obj.get("cc"))}
    if to & PUBLIC_IDS:
        return Visibility.PUBLIC
    if cc & PUBLIC_IDS:
        return Visibility.UNLISTED
    if author.followers_url and author.followers_url in to | cc:
        return Visibility.PRIVATE
    if any(x.endswith("/followers") for x in to | cc):
        return Visibility.PRIVATE
    return Visibility.DIRECT


def _emojis(obj: dict) -> list[dict]:
    """Custom emoji the object uses (`Emoji` tags: name ":code:", icon.url); posts.services cleans them."""
    found = []
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Emoji":
            icon = tag.get("icon")
            url = icon.get("url") if isinstance(icon, dict) else icon
            found.append({"shortcode": str(tag.get("name") or ""), "url": http_url(_id(url))})
    return found


def _mentions_and_tags(
    obj: dict, accounts_by_uri: dict[str, Account] | None = None
) -> tuple[list[Account], list[str]]:
    """`accounts_by_uri`: accounts a batch already looked up (one query for all its mentions)."""
    mentions: list[Account] = []
    tags: list[str] = []
    fetches = 0
    addressed = {_id(x) for x in as_list(obj.get("to")) + as_list(obj.get("cc"))}
    for tag in as_list(obj.get("tag")):
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Mention":
            href = _id(tag.get("href"))
            if accounts_by_uri is not None and href in accounts_by_uri:
                account = accounts_by_uri[href]
            else:
                account = Account.objects.filter(uri=href).first() if href else None
            if account is None and href and not is_local_uri(href) and fetches < MAX_MENTION_FETCHES:
                fetches += 1
                account = actors.resolve_actor(href)
            if account is not None and account not in mentions:
                mentions.append(account)
        elif tag.get("type") == "Hashtag":
            name = str(tag.get("name") or "").lstrip("#").strip()
            if name and len(name) <= 100 and name not in tags:
                tags.append(name)
    # Local people addressed directly (a DM without a Mention tag) are mentioned too, so they can read it.
    for uri in addressed:
        if is_local_uri(uri):
            account = Account.objects.filter(uri=uri, domain="").first()
            if account is not None and account not in mentions:
                mentions.append(account)
    return mentions, tags


def _content_html(obj: dict) -> str:
    import html as html_lib

    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        content = (
            next(iter(content_map.values()), "") if isinstance(content_map, dict) and content_map else ""
        )
        content = content if isinstance(content, str) else ""
    kind = obj.get("type")
    if kind in ("Article", "Page", "Video", "Event", "Audio", "Image"):
        # Long-form and media objects show their title and a link back, as Mastodon does.
        name = obj.get("name") if isinstance(obj.get("name"), str) else ""
        link = _url(obj.get("url")) or _id(obj)
        if kind == "Video" and isinstance(obj.get("mediaType"), str) and "markdown" in obj["mediaType"]:
            content = f"<p>{html_lib.escape(content)}</p>"
        parts = []
        if name:
            parts.append(f"<p><strong>{html_lib.escape(name)}</strong></p>")
        if kind not in ("Article",) and content:
            parts.append(content)
        elif kind == "Article" and obj.get("summary") and isinstance(obj.get("summary"), str):
            parts.append(f"<p>{html_lib.escape(obj['summary'])}</p>")
        elif content and kind == "Article":
            parts.append(content)
        if link:
            parts.append(f'<p><a href="{html_lib.escape(link, quote=True)}">{html_lib.escape(link)}</a></p>')
        content = "".join(parts)
    return content


def _url(value) -> str:
    """The first http(s) web page URL a `url` property names (a string, Links, or a list of them)."""
    for item in as_list(value):
        if isinstance(item, str):
            if http_url(item):
                return item
        elif isinstance(item, dict) and (
            str(item.get("mediaType", "text/html")).startswith("text/html") or item.get("type") == "Link"
        ):
            href = http_url(item.get("href") or item.get("url"))
            if href:
                return href
    return ""


def _language(obj: dict) -> str:
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        return str(next(iter(content_map)))[:16]
    return ""


def _media(obj: dict, author: Account) -> list:
    items = []
    for attachment in as_list(obj.get("attachment"))[:MAX_ATTACHMENTS]:
        if not isinstance(attachment, dict) or attachment.get("type") == "PropertyValue":
            continue
        url = attachment.get("url")
        if isinstance(url, list | dict):
            url = _url(url) or _id(url)
        url = http_url(url)
        if not url:
            continue
        focus = attachment.get("focalPoint")
        focus = focus if isinstance(focus, list) and len(focus) == 2 else [0, 0]
        try:
            focus_pair = (float(focus[0]), float(focus[1]))
        except (TypeError, ValueError):
            focus_pair = (0.0, 0.0)
        description = attachment.get("name") or attachment.get("summary") or ""
        items.append(
            store_remote_media(
                author,
                url=url,
                mime_type=str(attachment.get("mediaType") or ""),
                description=description if isinstance(description, str) else "",
                blurhash=str(attachment.get("blurhash") or ""),
                focus=focus_pair,
                width=attachment.get("width"),
                height=attachment.get("height"),
            )
        )
    return items


def _poll_spec(obj: dict) -> posts.PollSpec | None:
    if obj.get("type") != "Question":
        return None
    multiple = "anyOf" in obj
    options = as_list(obj.get("anyOf") if multiple else obj.get("oneOf"))
    titles, votes = [], []
    for option in options:
        if isinstance(option, dict) and isinstance(option.get("name"), str):
            titles.append(option["name"])
            replies = option.get("replies") if isinstance(option.get("replies"), dict) else {}
            votes.append(_count(replies.get("totalItems")) or 0)
    if len(titles) < 2:
        return None
    expires_at = _parse_time(obj.get("endTime")) or _parse_time(obj.get("closed"))
    return posts.PollSpec(
        options=titles[: posts.REMOTE_MAX_POLL_OPTIONS],
        multiple=multiple,
        votes=votes[: posts.REMOTE_MAX_POLL_OPTIONS],
        expires_at=expires_at or datetime(2100, 1, 1, tzinfo=UTC),
    )


def _is_relevant(obj: dict, author: Account, mentions: list[Account], reply_to: Post | None) -> bool:
    """Mastodon keeps only what touches local people: followed authors, mentions of them, replies to them."""
    if any(account.is_local for account in mentions):
        return True
    if reply_to is not None:
        return True
    return Follow.objects.filter(target_account=author, account__domain="").exists()


def _note_spec(
    obj: dict,
    author: Account,
    *,
    relevant_only: bool = True,
    announced: bool = False,
    known: set[str] | None = None,
    followed: set[int] | None = None,
    accounts_by_uri: dict[str, Account] | None = None,
) -> remote_posts.RemotePost | None:
    """What `create_remote_posts` needs for one Note-like object, or None when it should not be stored."""
    uri = _id(obj)
    if not uri:
        raise InboxError("an object needs an id")
    if origin(uri) != origin(author.uri):
        raise InboxError("the object is not on its author's server", 403)
    # `known` and `followed` let a batch answer these for all its items with one query each.
    if known is not None:
        if uri in known:
            return None
    elif Tombstone.objects.filter(uri=uri).exists() or Post.objects.filter(uri=uri).exists():
        return None
    in_reply_to_uri = _id(obj.get("inReplyTo"))
    reply_to = _local_post(in_reply_to_uri) if in_reply_to_uri else None
    mentions, tags = _mentions_and_tags(obj, accounts_by_uri)
    if relevant_only and not announced:
        if followed is not None and author.id in followed:
            pass
        elif not _is_relevant(obj, author, mentions, reply_to):
            return None
    if reply_to is not None and not can_read(reply_to, author):
        reply_to = None
    visibility = _visibility(obj, author)
    if obj.get("type") == "ChatMessage":
        visibility = Visibility.DIRECT
    summary = obj.get("summary") if obj.get("type") not in ("Article",) else None
    return remote_posts.RemotePost(
        author=author,
        uri=uri,
        url=_url(obj.get("url")) or uri,
        content=posts.RemoteContent(
            html=_content_html(obj), mentions=mentions, tags=tags, emojis=_emojis(obj)
        ),
        spoiler_text=summary if isinstance(summary, str) else "",
        sensitive=bool(obj.get("sensitive")),
        visibility=visibility,
        language=_language(obj),
        in_reply_to=reply_to,
        in_reply_to_uri=in_reply_to_uri if reply_to is None else "",
        created_at=_parse_time(obj.get("published")),
    )


def _store_note(
    obj: dict, author: Account, *, relevant_only: bool = True, announced: bool = False
) -> Post | None:
    existing = _local_post(_id(obj))
    if existing is not None:
        return existing
    spec = _note_spec(obj, author, relevant_only=relevant_only, announced=announced)
    if spec is None:
        return None
    poll = _poll_spec(obj)
    try:
        if poll is None:
            spec.media = _media(obj, author)
            stored = remote_posts.create_remote_posts([spec])
            return stored[0] if stored else None
        return posts.create_post(
            author,
            remote=spec.content,
            spoiler_text=spec.spoiler_text,
            sensitive=spec.sensitive,
            visibility=spec.visibility,
            language=spec.language,
            in_reply_to=spec.in_reply_to,
            in_reply_to_uri=spec.in_reply_to_uri,
            poll=poll,
            created_at=spec.created_at,
            uri=spec.uri,
            url=spec.url,
        )
    except DomainError as error:
        raise InboxError(error.message, 422) from None


# Handlers ---------------------------------------------------------------------------------------------------


def _local_account(uri: str) -> Account | None:
    if not uri or not is_local_uri(uri):
        return None
    return Account.objects.filter(uri=uri, domain="").first()


def handle_follow(activity: dict, signer: Account) -> str:
    target = _local_account(_id(activity.get("object")))
    if target is None:
        raise InboxError("no such local account", 404)
    from caravan.federation import delivery

    try:
        result = relationships.follow(signer, target, uri=_id(activity))
    except DomainError:
        delivery.send_reject(target, signer, activity)
        return "rejected"
    if isinstance(result, Follow):
        delivery.send_accept(target, signer, activity)
        return "followed"
    return "requested"


def _our_follow_request(activity_object, signer: Account) -> FollowRequest | Follow | None:
    follow_id = _id(activity_object)
    query = Q(target_account=signer, account__domain="")
    if isinstance(activity_object, dict):
        follower = _local_account(_id(activity_object.get("actor")))
        if follower is not None:
            query &= Q(account=follower)
        elif follow_id:
            query &= Q(uri=follow_id)
    elif follow_id:
        query &= Q(uri=follow_id)
    return FollowRequest.objects.filter(query).first() or Follow.objects.filter(query).first()


def handle_accept(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") not in (None, "Follow"):
        return "ignored"
    request = _our_follow_request(obj, signer)
    if request is None:
        return "ignored"
    relationships.accept_follow_request(signer, request.account)
    return "accepted"


def handle_reject(activity: dict, signer: Account) -> str:
    request = _our_follow_request(activity.get("object"), signer)
    if request is None:
        return "ignored"
    relationships.reject_follow_request(signer, request.account)
    return "rejected"


def handle_undo(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    object_id = _id(obj)
    kind = obj.get("type") if isinstance(obj, dict) else None
    inner = obj.get("object") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and _id(obj.get("actor")) not in ("", signer.uri):
        raise InboxError("one can only undo one's own activities", 403)
    if kind == "Follow" or (
        kind is None
        and (
            Follow.objects.filter(account=signer, uri=object_id).exists()
            or FollowRequest.objects.filter(account=signer, uri=object_id).exists()
        )
    ):
        target = _local_account(_id(inner)) if inner else None
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
        post = _local_post(_id(inner)) if inner else None
        if post is None:
            fav = Favourite.objects.filter(account=signer, uri=object_id).select_related("post").first()
            post = fav.post if fav else None
        if post is not None:
            posts.unfavourite(signer, post)
        return "unfavourited"
    if kind == "Announce" or (kind is None and Post.objects.filter(account=signer, uri=object_id).exists()):
        boost = Post.objects.filter(account=signer, uri=object_id, reblog_of__isnull=False).first()
        if boost is None and inner:
            original = _local_post(_id(inner))
            boost = Post.objects.filter(account=signer, reblog_of=original).first() if original else None
        if boost is not None:
            posts.unreblog(signer, boost.reblog_of)
        return "unreblogged"
    if kind == "Block":
        target = _local_account(_id(inner))
        if target is not None:
            social.unblock(signer, target)
        return "unblocked"
    return "ignored"


def _is_poll_vote(obj: dict) -> Poll | None:
    if obj.get("type") != "Note" or not isinstance(obj.get("name"), str) or obj.get("content"):
        return None
    question = _local_post(_id(obj.get("inReplyTo")))
    if question is None or not question.local:
        return None
    return Poll.objects.filter(post=question).first()


def handle_create(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        # Only an id: fetch it from its origin rather than trusting anything.
        post = _post_for(_id(obj), signer)
        return "created" if post else "ignored"
    if actors.type_of(obj) not in NOTE_TYPES:
        return "ignored"
    attributed = _id(obj.get("attributedTo")) or signer.uri
    if isinstance(obj.get("attributedTo"), list):
        # PeerTube lists the Person and the channel Group; the signer must be one of them.
        attributed = signer.uri if signer.uri in {_id(a) for a in obj["attributedTo"]} else attributed
    if attributed != signer.uri:
        raise InboxError("the object's author is not the signer", 403)
    poll = _is_poll_vote(obj)
    if poll is not None:
        index = next((i for i, o in enumerate(poll.options) if o["title"] == obj["name"]), None)
        if index is None:
            raise InboxError("no such poll option", 422)
        try:
            posts.vote(signer, poll, [index], uri=_id(obj))
        except DomainError as error:
            if "already voted" not in error.message:
                raise
            return "duplicate vote"
        return "voted"
    post = _store_note(obj, signer)
    return "created" if post else "ignored"


def handle_update(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict):
        return "ignored"
    if actors.type_of(obj) in actors.ACTOR_TYPES:
        if _id(obj) != signer.uri:
            raise InboxError("one can only update oneself", 403)
        try:
            actors.store_actor(obj, signer.uri)
        except FetchError as error:
            raise InboxError(f"the profile was refused: {error}", 422) from None
        return "profile updated"
    if actors.type_of(obj) not in NOTE_TYPES:
        return "ignored"
    post = _local_post(_id(obj))
    if post is None:
        return "ignored"
    if post.account_id != signer.id:
        raise InboxError("only the author can update a post", 403)
    poll_spec = _poll_spec(obj)
    if (
        poll_spec is not None
        and hasattr(post, "poll")
        and poll_spec.options == [o["title"] for o in post.poll.options]
    ):
        posts.set_poll_results(post.poll, poll_spec.votes or [], _count(obj.get("votersCount")))
        if not obj.get("updated") or _parse_time(obj.get("updated")) == post.edited_at:
            return "poll updated"
    if not obj.get("updated"):
        return "ignored"
    mentions, tags = _mentions_and_tags(obj)
    summary = obj.get("summary")
    posts.edit_post(
        post,
        signer,
        remote=posts.RemoteContent(
            html=_content_html(obj), mentions=mentions, tags=tags, emojis=_emojis(obj)
        ),
        spoiler_text=summary if isinstance(summary, str) else "",
        sensitive=bool(obj.get("sensitive")),
        language=_language(obj) or None,
        edited_at=_parse_time(obj.get("updated")),
    )
    return "edited"


def handle_delete(activity: dict, signer: Account) -> str:
    object_id = _id(activity.get("object"))
    if not object_id:
        raise InboxError("Delete needs an object")
    if object_id == signer.uri:
        _delete_actor(signer)
        return "actor deleted"
    if origin(object_id) != origin(signer.uri):
        raise InboxError("one can only delete one's own objects", 403)
    Tombstone.objects.get_or_create(uri=object_id)
    post = _local_post(object_id)
    if post is None:
        return "tombstoned"
    if post.account_id != signer.id:
        raise InboxError("only the author can delete a post", 403)
    posts.delete_post(post, signer)
    return "deleted"


def _delete_actor(account: Account) -> None:
    """A remote account was deleted: its posts, follows both ways and interactions go; nothing is sent."""
    Tombstone.objects.get_or_create(uri=account.uri)
    leaving.forget_remote_account(account)


def handle_announce(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") in ("Create", "Update", "Delete", "Like", "Announce"):
        return "ignored"  # a Lemmy community relaying a whole activity: its own author will reach us
    post = _post_for(_id(obj), signer)
    if post is None:
        return "ignored"
    if post.visibility in (Visibility.PRIVATE, Visibility.DIRECT):
        raise InboxError("followers-only and direct posts cannot be boosted", 403)
    if (
        not _is_relevant({}, signer, [post.account], None)
        and not Follow.objects.filter(target_account=signer, account__domain="").exists()
        and not post.account.is_local
    ):
        return "ignored"
    posts.reblog(signer, post, uri=_id(activity), created_at=_parse_time(activity.get("published")))
    return "reblogged"


def handle_like(activity: dict, signer: Account) -> str:
    post = _local_post(_id(activity.get("object")))
    if post is None:
        return "ignored"
    posts.favourite(signer, post, uri=_id(activity))
    return "favourited"


def handle_block(activity: dict, signer: Account) -> str:
    target = _local_account(_id(activity.get("object")))
    if target is None:
        return "ignored"
    relationships.block(signer, target, uri=_id(activity))
    return "blocked"


def handle_flag(activity: dict, signer: Account) -> str:
    from caravan.moderation.services import create_report

    objects = [_id(item) for item in as_list(activity.get("object"))]
    target = next((a for a in (_local_account(uri) for uri in objects) if a is not None), None)
    if target is None:
        # The object list may name only posts: the report is about their author.
        post = next((p for p in (_local_post(uri) for uri in objects) if p is not None), None)
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
        uri=_id(activity),
    )
    return "reported"


def handle_move(activity: dict, signer: Account) -> str:
    old_uri, new_uri = _id(activity.get("object")), _id(activity.get("target"))
    if old_uri != signer.uri:
        raise InboxError("an account can only move itself", 403)
    new = actors.resolve_actor(new_uri, refresh=True)
    if new is None:
        raise InboxError("the new account cannot be found", 422)
    if signer.uri not in (new.also_known_as or []):
        raise InboxError("the new account does not list the old one in alsoKnownAs", 403)
    try:
        from caravan.moving.services import accept_move
    except ImportError:
        raise InboxError("this server cannot process account moves yet", 501) from None
    accept_move(signer, new)
    return "moved"


def _featured_target(activity: dict, signer: Account) -> bool:
    target = _id(activity.get("target"))
    return bool(target) and target == signer.featured_url


def handle_add(activity: dict, signer: Account) -> str:
    if not _featured_target(activity, signer):
        return "ignored"
    post = _post_for(_id(activity.get("object")), signer)
    if post is None or post.account_id != signer.id:
        return "ignored"
    try:
        posts.pin(signer, post)
    except DomainError:
        return "ignored"
    return "pinned"


def handle_remove(activity: dict, signer: Account) -> str:
    if not _featured_target(activity, signer):
        return "ignored"
    post = _local_post(_id(activity.get("object")))
    if post is not None:
        posts.unpin(signer, post)
    return "unpinned"


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
}


def _simple_create(activity: dict, signer: Account) -> dict | None:
    """The Note of a plain Create(Note) by its signer (the bulk path), or None for anything else."""
    obj = activity.get("object")
    if activity.get("type") != "Create" or not isinstance(obj, dict) or actors.type_of(obj) not in NOTE_TYPES:
        return None
    if obj.get("type") == "Question" or isinstance(obj.get("name"), str) and not obj.get("content"):
        return None  # polls and poll votes take the one-by-one path
    if _id(activity.get("actor")) != signer.uri or _id(obj.get("attributedTo")) != signer.uri:
        return None
    activity_id = _id(activity)
    if not activity_id or origin(activity_id) != origin(signer.uri):
        return None
    return obj


def _flush_creates(pending: list[tuple[str, dict, Account]]) -> None:
    """Store a run of plain Create(Note) activities with one bulk insert, each id at most once."""
    if not pending:
        return
    seen = set(
        ReceivedActivity.objects.filter(uri__in=[a for a, _, _ in pending]).values_list("uri", flat=True)
    )
    object_ids = [_id(obj) for _, obj, _ in pending]
    known = set(Post.objects.filter(uri__in=object_ids).values_list("uri", flat=True))
    known |= set(Tombstone.objects.filter(uri__in=object_ids).values_list("uri", flat=True))
    authors = {signer.id for _, _, signer in pending}
    followed = set(
        Follow.objects.filter(target_account_id__in=authors, account__domain="").values_list(
            "target_account_id", flat=True
        )
    )
    mentioned = {
        _id(tag.get("href"))
        for _, obj, _ in pending
        for tag in as_list(obj.get("tag"))
        if isinstance(tag, dict) and tag.get("type") == "Mention"
    }
    mentioned.discard("")
    accounts_by_uri = {a.uri: a for a in Account.objects.filter(uri__in=mentioned)} if mentioned else {}
    specs, ids = [], []
    for activity_id, obj, signer in pending:
        if activity_id in seen:
            continue
        seen.add(activity_id)
        try:
            with transaction.atomic():
                spec = _note_spec(
                    obj, signer, known=known, followed=followed, accounts_by_uri=accounts_by_uri
                )
                if spec is not None:
                    known.add(spec.uri)
                    spec.media = _media(obj, signer)
        except (InboxError, DomainError) as error:
            logger.info("inbox activity %s refused: %s", activity_id, error)
            spec = None
        ids.append(activity_id)
        if spec is not None:
            specs.append(spec)
    try:
        with transaction.atomic():
            ReceivedActivity.objects.bulk_create(
                [ReceivedActivity(uri=i) for i in ids], ignore_conflicts=True
            )
            remote_posts.create_remote_posts(specs)
    except DomainError:
        # One unstorable post spoils a bulk insert: store the others one by one.
        for spec in specs:
            try:
                with transaction.atomic():
                    remote_posts.create_remote_posts([spec])
            except DomainError as error:
                logger.info("remote post %s refused: %s", spec.uri, error.message)
    pending.clear()


MAX_INBOX_ATTEMPTS = 5


def _apply_items(items: list) -> None:
    """Apply InboxItems in arrival order. A refusal (InboxError) is logged and the item counts as done; any
    other failure propagates, so the caller can roll the batch back and find the item that caused it."""
    import orjson

    from caravan.federation.sender import mark_available

    creates: list[tuple[str, dict, Account]] = []
    for item in items:
        try:
            activity = orjson.loads(bytes(item.body))
        except orjson.JSONDecodeError:
            logger.info("inbox item %s is not JSON; dropped", item.pk)
            continue
        note = _simple_create(activity, item.signer) if isinstance(activity, dict) else None
        if note is not None:
            creates.append((_id(activity), note, item.signer))
            continue
        _flush_creates(creates)  # keep arrival order around other activities
        try:
            process_activity(activity, item.signer)
        except InboxError as error:
            logger.info("inbox activity from %s refused: %s", item.signer.uri, error)
    _flush_creates(creates)
    mark_available({item.signer.domain for item in items if item.signer.domain})


def _record_failure(item, error: Exception) -> None:
    """Count a failed attempt: due again after a back-off, or set aside once it has failed too often.

    A database that is locked or unreachable is not the activity's fault: the item is retried after the
    back-off but that attempt does not count towards setting it aside."""
    from caravan.federation.sender import backoff

    attempts = item.attempts + (0 if isinstance(error, OperationalError) else 1)
    set_aside = attempts >= MAX_INBOX_ATTEMPTS
    InboxItem.objects.filter(pk=item.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        state=InboxItem.SET_ASIDE if set_aside else InboxItem.QUEUED,
        next_attempt_at=None if set_aside else timezone.now() + backoff(max(attempts, 1)),
    )


def _schedule_retry() -> None:
    """Make sure a `process_inbox` task wakes up when the earliest failed item is due again."""
    from caravan.federation.tasks import process_inbox
    from caravan.worker import wake

    earliest = (
        InboxItem.objects.filter(state=InboxItem.QUEUED, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if earliest is not None:
        wake(process_inbox, earliest)


def process_queued(batch: int = 200, max_batches: int = 1000) -> int:
    """Apply the due InboxItems (stored by the ASGI inbox front) in arrival order; returns how many were
    applied.

    The fast path applies a whole batch in one transaction (commits are amortized). If anything in it fails
    unexpectedly, the batch is rolled back and its items are applied one by one, each in its own transaction:
    the good ones go through, a failing one is retried later with back-off and, after MAX_INBOX_ATTEMPTS, set
    aside with its error (admin page `/admin/inbox`). One bad activity never holds up the others.
    """
    done = 0
    failed: set[int] = set()  # failed during this run: wait for their back-off, not for the next batch
    for _ in range(max_batches):
        due = Q(state=InboxItem.QUEUED) & (
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
        )
        items: list = []
        try:
            with transaction.atomic():
                items = list(
                    InboxItem.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("signer")
                    .filter(due)
                    .exclude(pk__in=failed)
                    .order_by("id")[:batch]
                )
                if not items:
                    break
                _apply_items(items)
                InboxItem.objects.filter(pk__in=[item.pk for item in items]).delete()
            done += len(items)
            continue
        except Exception:
            if not items:
                raise
            logger.warning("an inbox batch failed; applying its %d items one by one", len(items))
        for item in items:
            try:
                with transaction.atomic():
                    if (
                        not InboxItem.objects.select_for_update(skip_locked=True)
                        .filter(due, pk=item.pk)
                        .exists()
                    ):
                        continue  # another worker has it, or it is gone
                    _apply_items([item])
                    InboxItem.objects.filter(pk=item.pk).delete()
                done += 1
            except Exception as error:  # this item alone: recorded, retried later, never blocking the rest
                logger.warning("inbox item %s from %s failed", item.pk, item.signer.uri, exc_info=True)
                failed.add(item.pk)
                _record_failure(item, error)
    _schedule_retry()
    return done


def set_aside_items():
    """Inbox items that failed too often, newest first, for the admin page."""
    return InboxItem.objects.filter(state=InboxItem.SET_ASIDE).select_related("signer").order_by("-id")


def retry_set_aside_item(item_id: int) -> None:
    """Put a set-aside item back in the queue, with its attempts counted afresh."""
    from caravan.federation.tasks import process_inbox

    with transaction.atomic():
        updated = InboxItem.objects.filter(pk=item_id, state=InboxItem.SET_ASIDE).update(
            state=InboxItem.QUEUED, attempts=0, next_attempt_at=None
        )
        if not updated:
            raise DomainError("Record not found", status=404)
        process_inbox.enqueue()


def discard_set_aside_item(item_id: int) -> None:
    """Drop a set-aside item for good."""
    deleted, _ = InboxItem.objects.filter(pk=item_id, state=InboxItem.SET_ASIDE).delete()
    if not deleted:
        raise DomainError("Record not found", status=404)
