"""Publishing a post (the batch of one through the pipeline), editing it with its history, deleting it."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.media.models import MediaAttachment
from caravan.media.services import delete_files
from caravan.notifications.services import notify_many
from caravan.posts.models import Mention, Poll, Post, PostEdit, PostTag, ScheduledMedia, Tag
from caravan.posts.rendering import normalize_tag
from caravan.publishing import drafts
from caravan.publishing.drafts import (
    PollSpec,
    RemoteContent,
    check_local_length,
    check_media,
    check_poll,
    check_storable,
    clean_emojis,
    render_content,
)
from caravan.publishing.quoting import quotes_of
from caravan.publishing.store import create_poll, store_posts
from caravan.search import services as search_index


def create_post(author: Account, text: str = "", *, remote: RemoteContent | None = None, **fields) -> Post:
    """Publish one post by `author`, the batch of one through the pipeline: a local person's `text` (`fields`
    as `drafts.local` takes them), or another server's post (`remote` content; `fields` as `drafts.remote`
    takes them, `uri` among them). Raises DomainError on bad input. A remote post stored already is returned
    as it is.
    """
    if author.is_local:
        draft = drafts.local(author, text, **fields)
    else:
        draft = drafts.remote(
            author, content=remote if remote is not None else RemoteContent(html=""), **fields
        )
    stored = store_posts([draft])
    return stored[0] if stored else Post.objects.get(uri=draft.post.uri)


def _sync_mentions_and_tags(post: Post, mentions: list[Account], tags: list[str]) -> list[Account]:
    """Make the post's shown mentions and its tags exactly these; returns the newly mentioned accounts.

    Someone no longer mentioned stays as a silent mention: still a reader and a recipient of later edits and
    of the deletion, never shown again. Mentioned again, they are shown again (and not notified twice)."""
    existing = set(Mention.objects.filter(post=post).values_list("account_id", flat=True))
    wanted = {account.id: account for account in mentions}
    Mention.objects.filter(post=post).exclude(account_id__in=wanted).update(silent=True)
    Mention.objects.filter(post=post, account_id__in=wanted, silent=True).update(silent=False)
    new = [account for account_id, account in wanted.items() if account_id not in existing]
    Mention.objects.bulk_create(
        [Mention(post=post, account=account) for account in new], ignore_conflicts=True
    )
    tag_objects = []
    for display in tags:
        name = normalize_tag(display)[:200]
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"display_name": display[:200]})
        tag_objects.append(tag)
    PostTag.objects.filter(post=post).exclude(tag__in=tag_objects).delete()
    PostTag.objects.bulk_create([PostTag(post=post, tag=tag) for tag in tag_objects], ignore_conflicts=True)
    return new


def _attach_media(post: Post, media: list[MediaAttachment]) -> None:
    MediaAttachment.objects.filter(post=post).exclude(pk__in=[m.pk for m in media]).update(post=None)
    for position, item in enumerate(media):
        MediaAttachment.objects.filter(pk=item.pk).update(post=post, position=position)
    Post.objects.filter(pk=post.pk).update(has_media=bool(media))
    post.has_media = bool(media)


def edit_post(
    post: Post,
    editor: Account,
    text: str | None = None,
    *,
    spoiler_text: str | None = None,
    sensitive: bool | None = None,
    language: str | None = None,
    media: list[MediaAttachment] | None = None,
    poll: PollSpec | None = None,
    remote: RemoteContent | None = None,
    edited_at: datetime | None = None,
) -> Post:
    """Edit a post, keeping every version in its history. Only the author may edit."""
    if post.account_id != editor.id:
        raise DomainError(error_codes.ONLY_AUTHOR_CAN_EDIT)
    if post.reblog_of_id:
        raise DomainError(error_codes.BOOST_NOT_EDITABLE)
    new_text = post.text if text is None else text.strip()
    new_spoiler = post.spoiler_text if spoiler_text is None else spoiler_text.strip()
    if remote is None and editor.is_local:
        check_local_length(new_text, new_spoiler)
    else:
        check_storable(text=new_text, html=remote.html if remote is not None else "")
    current_media = list(post.media_attachments.all())
    new_media = current_media if media is None else check_media(editor, list(media), post)
    if not new_text and not new_media and remote is None and poll is None and not hasattr(post, "poll"):
        raise DomainError(error_codes.POST_EMPTY, field="status")
    if poll is not None:
        check_poll(poll, editor.is_local and remote is None)
    moment = edited_at or timezone.now()
    with transaction.atomic():
        if not post.edits.exists():
            _record_version(post, post.created_at)
        content, mentions, tags = render_content(new_text, remote)
        post.text = new_text
        post.content = content
        post.spoiler_text = new_spoiler
        post.sensitive = bool(sensitive if sensitive is not None else post.sensitive) or bool(new_spoiler)
        if language is not None:
            post.language = language[:16]
        post.edited_at = moment
        if remote is not None:
            post.emojis = clean_emojis(remote.emojis)
        post.save()
        newly_mentioned = _sync_mentions_and_tags(post, mentions, tags)
        if media is not None:
            _attach_media(post, new_media)
        if poll is not None:
            Poll.objects.filter(post=post).delete()
            create_poll(post, poll, moment)
        _record_version(post, moment)
        search_index.index_post(post)
        boosters = Account.objects.filter(posts__reblog_of=post, domain="").distinct()
        notify_many(
            [(account, "mention", editor, post) for account in newly_mentioned]
            + [(booster, "update", editor, post) for booster in boosters]
            + [(quote.post.account, "quoted_update", editor, quote.post) for quote in quotes_of(post)]
        )
        events.emit("post.updated", post=post)
    return post


def _record_version(post: Post, moment: datetime) -> None:
    poll = Poll.objects.filter(post=post).first()
    PostEdit.objects.create(
        post=post,
        text=post.text,
        content=post.content,
        spoiler_text=post.spoiler_text,
        sensitive=post.sensitive,
        media_ids=list(post.media_attachments.values_list("id", flat=True)),
        poll_options=[o["title"] for o in poll.options] if poll else None,
        created_at=moment,
    )


def delete_post(post: Post, actor: Account, *, by_moderator: bool = False) -> None:
    """Delete a post (the author, a moderator, or a remote server's Delete). Its boosts go with it."""
    if post.account_id != actor.id and not by_moderator:
        raise DomainError(error_codes.ONLY_AUTHOR_CAN_DELETE)
    with transaction.atomic():
        events.emit("post.deleted", post=post)
        if post.reblog_of_id:
            Post.objects.filter(pk=post.reblog_of_id).update(
                reblogs_count=Greatest(F("reblogs_count") - 1, 0)
            )
        if post.in_reply_to_id:
            Post.objects.filter(pk=post.in_reply_to_id).update(
                replies_count=Greatest(F("replies_count") - 1, 0)
            )
        Account.objects.filter(pk=post.account_id).update(statuses_count=Greatest(F("statuses_count") - 1, 0))
        media_files = [
            name
            for item in post.media_attachments.all()
            for name in (item.file.name, item.thumbnail.name)
            if name
        ]
        search_index.remove_post(post.id)
        post.delete()
        if media_files:
            transaction.on_commit(lambda: delete_files(media_files))


def delete_upload(account: Account, media_id: int) -> None:
    """`DELETE /api/v1/media/:id`: remove an upload of `account` that no post uses, its files with it. Media on a
    post, or reserved by a scheduled post (posts.ScheduledMedia), is in use: Mastodon's 422. Someone else's
    upload, or none, is RECORD_NOT_FOUND."""
    with transaction.atomic():
        # Locked so that a post being made with this upload at the same moment waits, then finds it gone.
        media = MediaAttachment.objects.select_for_update().filter(pk=media_id, account=account).first()
        if media is None:
            raise DomainError(error_codes.RECORD_NOT_FOUND)
        if media.post_id is not None or ScheduledMedia.objects.filter(media=media).exists():
            raise DomainError(error_codes.MEDIA_IN_USE)
        files = [f.name for f in (media.file, media.thumbnail) if f]
        media.delete()
        transaction.on_commit(lambda: delete_files(files))
