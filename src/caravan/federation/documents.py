"""ActivityStreams documents for local things: actors, notes and questions, activities and collections.

Shapes follow Mastodon's, since that is what every other server is tested against.
"""

import hashlib

from django.conf import settings

from caravan.accounts.models import Account
from caravan.accounts.services import ensure_keypair
from caravan.federation.actors import AS_PUBLIC, instance_actor_keys, instance_actor_uri
from caravan.posts.models import Post, Quote, QuotePolicy, QuoteState, Visibility
from caravan.posts.rendering import markup_free, profile_field_html, sanitize_html
from caravan.untrusted import without_bidi_controls

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
EXTENSIONS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    # Caravan's own terms (the X-id directory, pacts, campaigns) are `caravan:<term>` in documents that use them.
    "caravan": "https://github.com/caravan-social/caravan/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "Emoji": "toot:Emoji",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "suspended": "toot:suspended",
    # Quote posts: FEP-044f, with the older spellings other servers still read (Fedibird, Misskey).
    "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
    "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
    "quoteUri": "http://fedibird.com/ns#quoteUri",
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}
CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _media_url(field) -> str:
    """A stored file's absolute address: the storage gives a path on this server (local disk) or a whole URL (a
    bucket, a CDN; decision 0042)."""
    if not field:
        return ""
    url = field.url
    return url if url.startswith(("http://", "https://")) else f"{settings.BASE_URL}{url}"


def featured_tags_url(account: Account) -> str:
    """A local actor's featured hashtags (`federation/featured_tags.py`)."""
    return f"{account.uri}/collections/tags"


def actor_document(account: Account) -> dict:
    account = ensure_keypair(account)
    if account.suspended_at is not None:
        return suspended_actor_document(account)
    document = {
        "@context": CONTEXT,
        "id": account.uri,
        "type": "Group" if account.group else ("Service" if account.bot else "Person"),
        "preferredUsername": account.username,
        "name": without_bidi_controls(account.display_name),
        "summary": sanitize_html(account.note_html),
        "url": account.url,
        "inbox": account.inbox_url,
        "outbox": account.outbox_url,
        "followers": account.followers_url,
        "following": account.following_url,
        "featured": account.featured_url,
        "featuredTags": featured_tags_url(account),
        "endpoints": {"sharedInbox": account.shared_inbox_url},
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "published": _iso(account.created_at),
        "publicKey": {"id": account.key_id, "owner": account.uri, "publicKeyPem": account.public_key_pem},
        "attachment": [
            {
                "type": "PropertyValue",
                "name": without_bidi_controls(str(field.get("name", ""))),
                "value": profile_field_html(str(field.get("value", "")), local=True),
            }
            for field in account.fields or []
        ],
        "alsoKnownAs": list(account.also_known_as or []),
        "tag": [],
    }
    if account.moved_to_id:
        document["movedTo"] = account.moved_to.uri
    if account.avatar:
        document["icon"] = {"type": "Image", "mediaType": "image/jpeg", "url": _media_url(account.avatar)}
    if account.header:
        document["image"] = {"type": "Image", "mediaType": "image/jpeg", "url": _media_url(account.header)}
    return document


def suspended_actor_document(account: Account) -> dict:
    """A local account under a moderators' suspension, as Mastodon serves one (its ActorSerializer): still an
    actor with its keys and endpoints, so others can check signatures and learn of the suspension
    (`suspended: true`), but no profile: the name is the username, no bio, fields, pictures or tags."""
    return {
        "@context": CONTEXT,
        "id": account.uri,
        "type": "Group" if account.group else ("Service" if account.bot else "Person"),
        "preferredUsername": account.username,
        "name": account.username,
        "summary": "",
        "url": account.url,
        "inbox": account.inbox_url,
        "outbox": account.outbox_url,
        "followers": account.followers_url,
        "following": account.following_url,
        "featured": account.featured_url,
        "endpoints": {"sharedInbox": account.shared_inbox_url},
        "manuallyApprovesFollowers": account.locked,
        "discoverable": False,
        "indexable": False,
        "published": _iso(account.created_at),
        "publicKey": {"id": account.key_id, "owner": account.uri, "publicKeyPem": account.public_key_pem},
        "attachment": [],
        "tag": [],
        "suspended": True,
    }


def instance_actor_document() -> dict:
    uri = instance_actor_uri()
    return {
        "@context": CONTEXT,
        "id": uri,
        "type": "Application",
        "preferredUsername": settings.DOMAIN,
        "name": settings.DOMAIN,
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "endpoints": {"sharedInbox": f"{settings.BASE_URL}/inbox"},
        "manuallyApprovesFollowers": True,
        "url": f"{settings.BASE_URL}/about",
        "publicKey": {
            "id": f"{uri}#main-key",
            "owner": uri,
            "publicKeyPem": instance_actor_keys().public_key_pem,
        },
    }


def addressing(post: Post) -> tuple[list[str], list[str]]:
    author = post.account
    mentioned = [m.account.uri for m in post.shown_mentions]
    if post.visibility == Visibility.PUBLIC:
        return [AS_PUBLIC], [author.followers_url, *mentioned]
    if post.visibility == Visibility.UNLISTED:
        return [author.followers_url], [AS_PUBLIC, *mentioned]
    if post.visibility == Visibility.PRIVATE:
        return [author.followers_url], mentioned
    return mentioned, []


def note_object(post: Post) -> dict:
    """The Note (or Question, with a poll) of a local post."""
    to, cc = addressing(post)
    tags = []
    for mention in post.shown_mentions:
        account = mention.account
        tags.append(
            {
                "type": "Mention",
                "href": account.uri,
                "name": f"@{account.username}@{account.domain or settings.DOMAIN}",
            }
        )
    for post_tag in post.post_tags.all():
        tags.append(
            {
                "type": "Hashtag",
                "href": f"{settings.BASE_URL}/tags/{post_tag.tag.name}",
                "name": f"#{post_tag.tag.display_name}",
            }
        )
    attachments = []
    for media in post.media_attachments.all():
        item = {
            "type": "Document",
            "mediaType": media.mime_type,
            "url": _media_url(media.file) if media.file else media.remote_url,
            "name": media.description or None,
            "blurhash": media.blurhash or None,
            "focalPoint": [media.focus_x, media.focus_y],
        }
        if media.width:
            item["width"], item["height"] = media.width, media.height
        attachments.append(item)
    content = sanitize_html(post.content)
    document = {
        "id": post.uri,
        "type": "Note",
        "summary": markup_free(post.spoiler_text) or None,
        "inReplyTo": post.in_reply_to.uri if post.in_reply_to_id else (post.in_reply_to_uri or None),
        "published": _iso(post.created_at),
        "url": post.url,
        "attributedTo": post.account.uri,
        "to": to,
        "cc": cc,
        "sensitive": post.sensitive,
        "content": content,
        "contentMap": {post.language: content} if post.language else None,
        "attachment": attachments,
        "tag": tags,
        "replies": None,
    }
    if post.edited_at:
        document["updated"] = _iso(post.edited_at)
    document["interactionPolicy"] = {"canQuote": quote_policy_document(post)}
    quote = Quote.objects.filter(post=post).select_related("quoted_post__account").first()
    if quote is not None:
        document.update(quote_fields(quote))
    poll = getattr(post, "poll", None) if hasattr(post, "poll") else None
    if poll is not None:
        document["type"] = "Question"
        key = "anyOf" if poll.multiple else "oneOf"
        document[key] = [
            {
                "type": "Note",
                "name": option["title"],
                "replies": {"type": "Collection", "totalItems": option.get("votes_count", 0)},
            }
            for option in poll.options
        ]
        document["endTime"] = _iso(poll.expires_at)
        document["votersCount"] = poll.voters_count
        if poll.expires_at and poll.expires_at <= _now():
            document["closed"] = _iso(poll.expires_at)
    return {k: v for k, v in document.items() if v is not None}


def quote_policy_document(post: Post) -> dict:
    """FEP-044f `canQuote`: who is approved automatically (everyone, the author's followers, or the author)."""
    policy = post.quote_policy if post.is_public else QuotePolicy.NOBODY
    automatic = {
        QuotePolicy.PUBLIC: [AS_PUBLIC],
        QuotePolicy.FOLLOWERS: [post.account.followers_url],
    }.get(policy, [post.account.uri])
    return {"automaticApproval": automatic, "manualApproval": []}


def quote_fields(quote: Quote) -> dict:
    """The quote of a local post: `quote` and the spellings older servers read, and the quoted author's stamp
    once the quote is accepted (a revoked or rejected quote carries none, so readers stop showing it)."""
    quoted = quote.quoted_post.uri if quote.quoted_post_id else quote.quoted_uri
    if not quoted:
        return {}
    fields = {"quote": quoted, "quoteUri": quoted, "_misskey_quote": quoted, "quoteUrl": quoted}
    if quote.state == QuoteState.ACCEPTED:
        local_quoted = quote.quoted_post_id is not None and quote.quoted_post.local
        stamp = quote.approval_uri or (stamp_uri(quote) if local_quoted else "")
        if stamp:
            fields["quoteAuthorization"] = stamp
    return fields


def stamp_uri(quote: Quote) -> str:
    """Where a local author's QuoteAuthorization for `quote` is served."""
    return f"{quote.quoted_post.account.uri}/quote_authorizations/{quote.id}"


def quote_authorization(quote: Quote) -> dict:
    """The stamp a local author gives a quote of their post (FEP-044f QuoteAuthorization)."""
    return with_context(
        {
            "id": stamp_uri(quote),
            "type": "QuoteAuthorization",
            "attributedTo": quote.quoted_post.account.uri,
            "interactingObject": quote.post.uri,
            "interactionTarget": quote.quoted_post.uri,
        }
    )


def quote_request_activity(quote: Quote) -> dict:
    """Asking the quoted author's server to approve a local post's quote; the post rides along."""
    return with_context(
        {
            "id": quote.activity_uri or f"{quote.post.uri}/quote_request",
            "type": "QuoteRequest",
            "actor": quote.post.account.uri,
            "object": quote.quoted_post.uri if quote.quoted_post_id else quote.quoted_uri,
            "instrument": note_object(quote.post),
        }
    )


def quote_answer(quote: Quote, request: dict, accepted: bool) -> dict:
    """A local author's Accept (with the stamp as `result`) or Reject of a QuoteRequest."""
    author = quote.quoted_post.account
    kind = "Accept" if accepted else "Reject"
    inner = {k: request.get(k) for k in ("id", "type", "actor", "object") if request.get(k)}
    inner["instrument"] = quote.post.uri
    answer = {
        "id": f"{author.uri}#{kind.lower()}s/quote_requests/{quote.id}",
        "type": kind,
        "actor": author.uri,
        "to": [request.get("actor")],
        "object": inner,
    }
    if accepted:
        answer["result"] = stamp_uri(quote)
    return with_context(answer)


def stamp_delete_activity(quote: Quote) -> dict:
    """A local author revoking a quote: the stamp is deleted."""
    stamp = quote.approval_uri or stamp_uri(quote)
    return with_context(
        {
            "id": f"{stamp}#delete",
            "type": "Delete",
            "actor": quote.quoted_post.account.uri,
            "to": [AS_PUBLIC],
            "object": {"id": stamp, "type": "QuoteAuthorization"},
        }
    )


def _now():
    from django.utils import timezone

    return timezone.now()


def with_context(document: dict) -> dict:
    return {"@context": CONTEXT, **document}


def create_activity(post: Post) -> dict:
    note = note_object(post)
    return with_context(
        {
            "id": f"{post.uri}/activity",
            "type": "Create",
            "actor": post.account.uri,
            "published": note["published"],
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }
    )


def announce_activity(boost: Post) -> dict:
    original = boost.reblog_of
    author = boost.account
    return with_context(
        {
            "id": boost.uri,
            "type": "Announce",
            "actor": author.uri,
            "published": _iso(boost.created_at),
            "to": [AS_PUBLIC] if boost.visibility == Visibility.PUBLIC else [author.followers_url],
            "cc": [
                original.account.uri,
                author.followers_url if boost.visibility == Visibility.PUBLIC else AS_PUBLIC,
            ],
            "object": original.uri,
        }
    )


def collection_page(
    url: str, items: list, *, total: int, next_url: str | None, part_of: str, ordered: bool = True
) -> dict:
    page = {
        "@context": AS_CONTEXT,
        "id": url,
        "type": "OrderedCollectionPage" if ordered else "CollectionPage",
        "totalItems": total,
        "partOf": part_of,
        "orderedItems" if ordered else "items": items,
    }
    if next_url:
        page["next"] = next_url
    return page


def collection(url: str, *, total: int, first: str | None, items: list | None = None) -> dict:
    document = {"@context": AS_CONTEXT, "id": url, "type": "OrderedCollection", "totalItems": total}
    if items is not None:
        document["orderedItems"] = items
    if first:
        document["first"] = first
    return document


# Activities -------------------------------------------------------------------------------------------------
# Every activity Caravan sends is built here; federation/delivery.py only decides who receives it.


def update_activity(post: Post) -> dict:
    note = note_object(post)
    # Milliseconds: a quote accepted and then revoked within a second are two Updates, never one id twice.
    stamp = int((post.edited_at or post.updated_at).timestamp() * 1000)
    return with_context(
        {
            "id": f"{post.uri}#updates/{stamp}",
            "type": "Update",
            "actor": post.account.uri,
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }
    )


def delete_activity(post: Post) -> dict:
    to, cc = addressing(post)
    return with_context(
        {
            "id": f"{post.uri}#delete",
            "type": "Delete",
            "actor": post.account.uri,
            "to": to,
            "cc": cc,
            "object": {"id": post.uri, "type": "Tombstone", "atomUri": post.uri},
        }
    )


def undo_activity(activity: dict, *, actor: str, addressed: bool = False) -> dict:
    """Undo `activity` (a Follow, Like, Block or Announce built here); `addressed` copies its to and cc."""
    inner = {k: v for k, v in activity.items() if k != "@context"}
    undo = {"id": f"{inner['id']}/undo", "type": "Undo", "actor": actor}
    if addressed:
        undo |= {"to": inner.get("to"), "cc": inner.get("cc")}
    return with_context(undo | {"object": inner})


def like_activity(favourite) -> dict:
    return with_context(
        {"id": favourite.uri, "type": "Like", "actor": favourite.account.uri, "object": favourite.post.uri}
    )


def vote_activity(poll, voter: Account, choice: int, vote_id: str) -> dict:
    """A vote in a remote poll: a Create of a Note named after the option, addressed to the poll's author."""
    author = poll.post.account
    note = {
        "id": vote_id,
        "type": "Note",
        "name": poll.options[choice]["title"],
        "attributedTo": voter.uri,
        "to": author.uri,
        "inReplyTo": poll.post.uri,
    }
    return with_context(
        {"id": f"{vote_id}/activity", "type": "Create", "actor": voter.uri, "to": author.uri, "object": note}
    )


def follow_activity(follow_or_request) -> dict:
    return with_context(
        {
            "id": follow_or_request.uri or f"{follow_or_request.account.uri}#follows/{follow_or_request.id}",
            "type": "Follow",
            "actor": follow_or_request.account.uri,
            "object": follow_or_request.target_account.uri,
        }
    )


def answer_to_follow(kind: str, target: Account, follow_activity: dict) -> dict:
    """An Accept or Reject of a Follow (as it arrived, or as we stored it), by the followed account."""
    follow_activity = {k: v for k, v in follow_activity.items() if k != "@context"}
    digest = hashlib.sha256(str(follow_activity.get("id", "")).encode()).hexdigest()[:16]
    return with_context(
        {
            "id": f"{target.uri}#{kind.lower()}s/follows/{digest}",
            "type": kind,
            "actor": target.uri,
            "object": follow_activity,
        }
    )


def block_activity(block) -> dict:
    return with_context(
        {"id": block.uri, "type": "Block", "actor": block.account.uri, "object": block.target_account.uri}
    )


def actor_update_activity(account: Account, *, activity_id: str = "") -> dict:
    actor = actor_document(account)
    actor.pop("@context", None)
    stamp = int(account.updated_at.timestamp()) if account.updated_at else 0
    return with_context(
        {
            "id": activity_id or f"{account.uri}#updates/{stamp}",
            "type": "Update",
            "actor": account.uri,
            "to": [AS_PUBLIC],
            "object": actor,
        }
    )


def move_activity(account: Account, target: Account) -> dict:
    return with_context(
        {
            "id": f"{account.uri}#moves/{target.id}",
            "type": "Move",
            "actor": account.uri,
            "object": account.uri,
            "target": target.uri,
        }
    )


def actor_delete_activity(account: Account) -> dict:
    return with_context(
        {
            "id": f"{account.uri}#delete",
            "type": "Delete",
            "actor": account.uri,
            "to": [AS_PUBLIC],
            "object": account.uri,
        }
    )


def flag_activity(report, posts: list[Post]) -> dict:
    """A report forwarded to the reported account's server, as Mastodon sends it (FlagSerializer): from the
    instance actor, so the reporter stays anonymous, naming the account and the cited posts, with the
    comment."""
    return with_context(
        {
            "id": f"{instance_actor_uri()}#reports/{report.id}",
            "type": "Flag",
            "actor": instance_actor_uri(),
            "content": report.comment,
            "object": [report.target_account.uri, *(post.uri for post in posts)],
        }
    )
