"""Remote posts in batches: what a busy inbox hands over, so a burst of arrivals costs bulk inserts rather
than one transaction of ~25 queries each. The effects are those `services.create_post` has for one remote
post.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from caravan import events
from caravan.accounts.models import Account
from caravan.bulk import insert_rows
from caravan.errors import DomainError
from caravan.ids import id_from_time
from caravan.media.models import MediaAttachment
from caravan.notifications.services import notify_many
from caravan.posts.models import Mention, Post, PostTag, Visibility
from caravan.posts.rendering import normalize_tag, sanitize_html
from caravan.posts.services import (
    HARD_MAX_CHARS,
    RemoteContent,
    _check_media,
    _check_visibility,
    _tag_ids,
    clean_emojis,
)
from caravan.untrusted import http_url


@dataclass
class RemotePost:
    """One post that arrived from another server, for `create_remote_posts`."""

    author: Account
    uri: str
    content: RemoteContent
    url: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str = Visibility.PUBLIC
    language: str = ""
    in_reply_to: Post | None = None
    in_reply_to_uri: str = ""
    created_at: datetime | None = None
    media: list[MediaAttachment] = field(default_factory=list)


def create_remote_posts(items: list[RemotePost]) -> list[Post]:
    """Store many remote posts at once: mentions, tags, search, counters, feed fan-out (one task for the
    batch), mention notifications and one `post.created` event per post, in one transaction.

    Posts whose uri is already stored are skipped. Polls are not handled here (use `create_post`). Raises
    DomainError when an item is not storable; nothing of the batch is then stored.
    """
    from caravan.search import services as search_index
    from caravan.search.models import SearchDocument
    from caravan.timelines.tasks import fan_out_posts

    if not items:
        return []
    existing = set(Post.objects.filter(uri__in=[item.uri for item in items]).values_list("uri", flat=True))
    posts: list[Post] = []
    mentions: list[Mention] = []
    notifications: list[tuple[Account, Post]] = []
    tags_by_post: dict[int, list[str]] = {}
    media_updates: list[MediaAttachment] = []
    search_rows: list[SearchDocument] = []
    now = timezone.now()
    for item in items:
        if item.uri in existing or item.author.is_local:
            continue
        existing.add(item.uri)
        _check_visibility(item.visibility)
        if len(item.content.html) > HARD_MAX_CHARS * 2:
            raise DomainError("That post is too long to store.", field="status")
        media = _check_media(item.author, list(item.media))
        moment = item.created_at or now
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        parent = item.in_reply_to
        if parent is not None and parent.reblog_of_id:
            parent = parent.reblog_of
        post = Post(
            id=id_from_time(moment),
            account=item.author,
            uri=item.uri,
            url=http_url(item.url) or item.uri,
            content=sanitize_html(item.content.html),
            emojis=clean_emojis(item.content.emojis),
            spoiler_text=(item.spoiler_text or "").strip()[:1000],
            sensitive=bool(item.sensitive or item.spoiler_text),
            visibility=item.visibility,
            language=(item.language or "")[:16],
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            in_reply_to_uri=parent.uri if parent else item.in_reply_to_uri,
            local=False,
            created_at=moment,
            has_media=bool(media),
        )
        post.thread_root_id = (parent.thread_root_id or parent.id) if parent else post.id
        posts.append(post)
        for account in dict.fromkeys(item.content.mentions):
            mentions.append(Mention(post_id=post.id, account_id=account.id))
            if account.is_local:
                notifications.append((account, post))
        if item.content.tags:
            tags_by_post[post.id] = list(item.content.tags)
        for position, attachment in enumerate(media):
            attachment.post_id, attachment.position = post.id, position
            media_updates.append(attachment)
        document = search_index.post_document(post)
        if document is not None:
            search_rows.append(document)
    if not posts:
        return []
    with transaction.atomic():
        insert_rows(Post, posts)
        insert_rows(Mention, mentions, ignore_conflicts=True)
        if tags_by_post:
            tag_ids = _tag_ids({display for names in tags_by_post.values() for display in names})
            insert_rows(
                PostTag,
                [
                    PostTag(post_id=post_id, tag_id=tag_ids[normalize_tag(d)[:200]])
                    for post_id, names in tags_by_post.items()
                    for d in dict.fromkeys(names)
                ],
                ignore_conflicts=True,
            )
        for attachment in media_updates:
            MediaAttachment.objects.filter(pk=attachment.pk).update(
                post_id=attachment.post_id, position=attachment.position
            )
        insert_rows(SearchDocument, search_rows, ignore_conflicts=True)
        latest: dict[int, datetime] = {}
        for post in posts:
            latest[post.account_id] = max(latest.get(post.account_id, post.created_at), post.created_at)
        for author_id, count in Counter(post.account_id for post in posts).items():
            Account.objects.filter(pk=author_id).update(statuses_count=F("statuses_count") + count)
            Account.objects.filter(pk=author_id).filter(
                models.Q(last_status_at__isnull=True) | models.Q(last_status_at__lt=latest[author_id])
            ).update(last_status_at=latest[author_id])
        for parent_id, count in Counter(p.in_reply_to_id for p in posts if p.in_reply_to_id).items():
            Post.objects.filter(pk=parent_id).update(replies_count=F("replies_count") + count)
        fan_out_posts.enqueue([post.id for post in posts])
        # notify_many skips recipients who block the author, as create_post does one by one.
        notify_many([(account, "mention", post.account, post) for account, post in notifications])
        for post in posts:
            events.emit("post.created", post=post)
    return posts
