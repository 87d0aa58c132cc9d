"""Posting and interacting with posts: one function for each change, used by the web UI, the API, the importers
and the federation inbox alike.

Local text is rendered here; remote HTML is sanitized here. Limits apply to what local people write now; quiet,
backdated imports and remote posts are stored as they are (remote HTML sanitized, imports within hard caps).
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from caravan import events, lookup
from caravan.accounts.models import Account
from caravan.bulk import insert_rows
from caravan.errors import DomainError, Forbidden
from caravan.ids import id_from_time
from caravan.media.models import MediaAttachment
from caravan.notifications.services import notify
from caravan.posts.models import (
    Bookmark,
    Favourite,
    Mention,
    Pin,
    Poll,
    PollVote,
    Post,
    PostEdit,
    PostTag,
    Tag,
    ThreadMute,
    Visibility,
)
from caravan.posts.rendering import (
    count_characters,
    normalize_tag,
    render_text,
    sanitize_html,
)
from caravan.posts.visibility import can_read
from caravan.search import services as search_index
from caravan.timelines import services as feeds
from caravan.untrusted import http_url

MAX_PINS = 5
HARD_MAX_CHARS = 100_000  # what any post may hold, imported or remote, whatever the server's limit
REMOTE_MAX_POLL_OPTIONS = 20  # other servers allow longer polls than ours


def resolve_mention(username: str, domain: str) -> Account | None:
    return lookup.account(username, domain)


@dataclass
class PollSpec:
    options: list[str]
    expires_in: int = 86400
    multiple: bool = False
    hide_totals: bool = False
    # Closed polls brought in by an import keep their results.
    votes: list[int] | None = None
    expires_at: datetime | None = None


@dataclass
class RemoteContent:
    """What the inbox (or an importer of HTML archives) hands over instead of text to render."""

    html: str
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    emojis: list[dict] = field(default_factory=list)  # custom emoji: {"shortcode": ..., "url": ...}


EMOJI_SHORTCODE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
MAX_EMOJIS = 50


def clean_emojis(emojis: list) -> list[dict]:
    """Custom emoji worth keeping: a plain shortcode and an http(s) image URL, each shortcode once."""
    kept: dict[str, dict] = {}
    for item in emojis or ():
        if not isinstance(item, dict):
            continue
        shortcode, url = str(item.get("shortcode") or "").strip(":"), http_url(item.get("url"))
        if EMOJI_SHORTCODE.match(shortcode) and url:
            kept.setdefault(shortcode, {"shortcode": shortcode, "url": url})
    return list(kept.values())[:MAX_EMOJIS]


def _check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise DomainError(
            "Visibility must be one of public, unlisted, private or direct.", field="visibility"
        )
    return visibility


def _check_media(
    author: Account, media: list[MediaAttachment], post: Post | None = None
) -> list[MediaAttachment]:
    limit = settings.CARAVAN["MAX_MEDIA_PER_POST"]
    if len(media) > limit:
        raise DomainError(f"A post can have at most {limit} images.", field="media_ids")
    for item in media:
        if item.account_id != author.id:
            raise DomainError("That media does not belong to you.", field="media_ids", status=422)
        if item.post_id is not None and (post is None or item.post_id != post.id):
            raise DomainError("That media is already attached to another post.", field="media_ids")
    return media


def _check_poll(poll: PollSpec, enforce_limits: bool) -> None:
    limits = settings.CARAVAN
    options = [option.strip() for option in poll.options]
    # What arrives from other servers (or archives) is stored as it is, within reason.
    most = limits["MAX_POLL_OPTIONS"]
    if not enforce_limits:
        most = max(most, REMOTE_MAX_POLL_OPTIONS)
    if not 2 <= len(options) <= most:
        raise DomainError(f"A poll needs 2 to {most} options.", field="poll")
    if any(not option for option in options):
        raise DomainError("Poll options cannot be empty.", field="poll")
    if len({o.casefold() for o in options}) != len(options):
        raise DomainError("Poll options must be different from each other.", field="poll")
    if enforce_limits:
        if any(len(option) > limits["MAX_POLL_OPTION_CHARS"] for option in options):
            raise DomainError(
                f"Poll options are at most {limits['MAX_POLL_OPTION_CHARS']} characters.", field="poll"
            )
        if not limits["MIN_POLL_EXPIRATION"] <= poll.expires_in <= limits["MAX_POLL_EXPIRATION"]:
            raise DomainError("A poll must last between 5 minutes and a month.", field="poll")
    poll.options = options


def _render(author: Account, text: str, remote: RemoteContent | None) -> tuple[str, list[Account], list[str]]:
    if remote is not None:
        return sanitize_html(remote.html), list(remote.mentions), list(remote.tags)
    rendered = render_text(text, resolve_mention)
    return rendered.html, rendered.mentions, rendered.tags


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


def create_post(
    author: Account,
    text: str = "",
    *,
    spoiler_text: str = "",
    sensitive: bool = False,
    visibility: str = Visibility.PUBLIC,
    language: str = "",
    in_reply_to: Post | None = None,
    in_reply_to_uri: str = "",
    media: list[MediaAttachment] | None = None,
    poll: PollSpec | None = None,
    remote: RemoteContent | None = None,
    created_at: datetime | None = None,
    quiet: bool = False,
    uri: str = "",
    url: str = "",
    original_uri: str = "",
) -> Post:
    """Publish a post by `author`.

    `remote` carries already-written HTML (remote posts); otherwise `text` is rendered. `quiet` stores a backdated
    copy (imports): no feeds but the profile, no notifications, nothing federated. Raises DomainError on bad input.
    """
    media = list(media or [])
    visibility = _check_visibility(visibility)
    enforce_limits = author.is_local and not quiet and remote is None
    text = (text or "").strip() if remote is None else ""
    spoiler_text = (spoiler_text or "").strip()
    if enforce_limits:
        limit = settings.CARAVAN["MAX_POST_CHARS"]
        length = count_characters(text) + len(spoiler_text)
        if length > limit:
            raise DomainError(
                f"Your post is {length} characters long; the limit on this server is {limit}.", field="status"
            )
    elif len(text) > HARD_MAX_CHARS or (remote is not None and len(remote.html) > HARD_MAX_CHARS * 2):
        raise DomainError("That post is too long to store.", field="status")
    if not text and not media and poll is None and remote is None and not quiet:
        raise DomainError("Write something, or attach an image.", field="status")
    if media and poll is not None:
        raise DomainError("A post can have images or a poll, not both.", field="poll")
    _check_media(author, media)
    if poll is not None:
        _check_poll(poll, enforce_limits)
    if in_reply_to is not None and not can_read(in_reply_to, author):
        raise DomainError(
            "The post you are replying to is not available.", field="in_reply_to_id", status=404
        )
    if in_reply_to is not None and in_reply_to.reblog_of_id:
        in_reply_to = in_reply_to.reblog_of

    moment = created_at or timezone.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    content, mentions, tags = _render(author, text, remote)

    with transaction.atomic():
        post = Post(
            id=id_from_time(moment),
            account=author,
            text=text,
            content=content,
            spoiler_text=spoiler_text[:1000],
            sensitive=bool(sensitive or spoiler_text),
            visibility=visibility,
            language=(language or "")[:16],
            in_reply_to=in_reply_to,
            in_reply_to_account_id=in_reply_to.account_id if in_reply_to else None,
            in_reply_to_uri=in_reply_to.uri if in_reply_to else in_reply_to_uri,
            local=author.is_local,
            imported=quiet,
            original_uri=original_uri,
            created_at=moment,
            emojis=clean_emojis(remote.emojis) if remote is not None else [],
        )
        if author.is_local:
            post.uri = uri or f"{author.uri}/statuses/{post.id}"
            post.url = url or f"{settings.BASE_URL}/@{author.username}/{post.id}"
        else:
            if not uri:
                raise DomainError("A remote post needs its id.", field="id")
            post.uri, post.url = uri, http_url(url) or uri
        post.thread_root_id = (in_reply_to.thread_root_id or in_reply_to.id) if in_reply_to else post.id
        post.save(force_insert=True)
        # Replying mentions the person replied to, so they are notified and (for direct) can read it.
        if (
            in_reply_to is not None
            and in_reply_to.account_id not in {a.id for a in mentions}
            and in_reply_to.account_id != author.id
            and remote is None
            and not quiet
        ):
            mentions.append(in_reply_to.account)
        _sync_mentions_and_tags(post, mentions, tags)
        if media:
            _attach_media(post, media)
        if poll is not None:
            _create_poll(post, poll, moment)
        Account.objects.filter(pk=author.pk).update(statuses_count=F("statuses_count") + 1)
        if author.last_status_at is None or moment > author.last_status_at:
            Account.objects.filter(pk=author.pk).update(last_status_at=moment)
        if in_reply_to is not None:
            Post.objects.filter(pk=in_reply_to.pk).update(replies_count=F("replies_count") + 1)
        search_index.index_post(post)
        if not quiet:
            feeds.insert_for_author(post)
            _enqueue_fan_out(post)
            for account in mentions:
                if account.is_local and not _is_blocked_by(account, author):
                    notify(account, "mention", author, post)
            events.emit("post.created", post=post)
    return post


def _enqueue_fan_out(post: Post) -> None:
    from caravan.timelines.tasks import fan_out_post

    fan_out_post.enqueue(post.id)


def _is_blocked_by(account: Account, author: Account) -> bool:
    from caravan.social.models import Block

    return Block.objects.filter(account=account, target_account=author).exists()


def _create_poll(post: Post, spec: PollSpec, moment: datetime) -> Poll:
    votes = spec.votes or [0] * len(spec.options)
    expires_at = spec.expires_at or (moment + timedelta(seconds=spec.expires_in))
    poll = Poll.objects.create(
        post=post,
        options=[
            {"title": title, "votes_count": int(count)}
            for title, count in zip(spec.options, votes, strict=False)
        ],
        multiple=spec.multiple,
        hide_totals=spec.hide_totals,
        expires_at=expires_at,
        votes_count=sum(int(v) for v in votes),
        voters_count=sum(int(v) for v in votes) if not spec.multiple else 0,
        closed_notified=expires_at <= timezone.now(),
    )
    if post.local and expires_at > timezone.now():
        from caravan.posts.tasks import close_poll

        close_poll.using(run_after=expires_at).enqueue(poll.id)
    return poll


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
        raise Forbidden("Only the author can edit a post.")
    if post.reblog_of_id:
        raise DomainError("A boost cannot be edited.")
    new_text = post.text if text is None else text.strip()
    new_spoiler = post.spoiler_text if spoiler_text is None else spoiler_text.strip()
    if remote is None and editor.is_local:
        limit = settings.CARAVAN["MAX_POST_CHARS"]
        length = count_characters(new_text) + len(new_spoiler)
        if length > limit:
            raise DomainError(
                f"Your post is {length} characters long; the limit on this server is {limit}.", field="status"
            )
    current_media = list(post.media_attachments.all())
    new_media = current_media if media is None else _check_media(editor, list(media), post)
    if not new_text and not new_media and remote is None and poll is None and not hasattr(post, "poll"):
        raise DomainError("Write something, or attach an image.", field="status")
    if poll is not None:
        _check_poll(poll, editor.is_local and remote is None)
    moment = edited_at or timezone.now()
    with transaction.atomic():
        if not post.edits.exists():
            _record_version(post, post.created_at)
        content, mentions, tags = _render(editor, new_text, remote)
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
            _create_poll(post, poll, moment)
        _record_version(post, moment)
        search_index.index_post(post)
        for account in newly_mentioned:
            if account.is_local:
                notify(account, "mention", editor, post)
        boosters = Account.objects.filter(posts__reblog_of=post, domain="").distinct()
        for booster in boosters:
            notify(booster, "update", editor, post)
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
        raise Forbidden("Only the author can delete a post.")
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
            from caravan.media.services import delete_files

            transaction.on_commit(lambda: delete_files(media_files))


def reblog(
    account: Account,
    post: Post,
    *,
    visibility: str = Visibility.PUBLIC,
    uri: str = "",
    created_at: datetime | None = None,
) -> Post:
    """Boost a post. Boosting twice returns the existing boost."""
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError("Record not found", status=404)
    if post.visibility in (Visibility.PRIVATE, Visibility.DIRECT) and post.account_id != account.id:
        raise Forbidden("Followers-only and direct posts cannot be boosted.")
    if post.visibility == Visibility.DIRECT:
        raise Forbidden("Direct posts cannot be boosted.")
    existing = Post.objects.filter(account=account, reblog_of=post).first()
    if existing is not None:
        return existing
    visibility = post.visibility if post.visibility != Visibility.PUBLIC else _check_visibility(visibility)
    if visibility == Visibility.DIRECT:
        visibility = Visibility.PUBLIC
    moment = created_at or timezone.now()
    with transaction.atomic():
        boost = Post(
            id=id_from_time(moment),
            account=account,
            reblog_of=post,
            visibility=visibility,
            local=account.is_local,
            created_at=moment,
        )
        boost.uri = uri or f"{account.uri}/statuses/{boost.id}/activity"
        boost.url = (
            boost.uri if not account.is_local else f"{settings.BASE_URL}/@{account.username}/{boost.id}"
        )
        boost.save(force_insert=True)
        Post.objects.filter(pk=post.pk).update(reblogs_count=F("reblogs_count") + 1)
        feeds.insert_for_author(boost)
        _enqueue_fan_out(boost)
        notify(post.account, "reblog", account, post)
        events.emit("reblog.created", reblog=boost)
    return boost


def unreblog(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    boost = Post.objects.filter(account=account, reblog_of=post).first()
    if boost is not None:
        with transaction.atomic():
            events.emit("reblog.deleted", reblog=boost)
            Post.objects.filter(pk=post.pk).update(reblogs_count=Greatest(F("reblogs_count") - 1, 0))
            boost.delete()


def favourite(account: Account, post: Post, *, uri: str = "", quiet: bool = False) -> Favourite:
    """Favourite a post. `quiet` (re-applying likes from an imported archive): no notification, not federated."""
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError("Record not found", status=404)
    with transaction.atomic():
        fav, created = Favourite.objects.get_or_create(account=account, post=post, defaults={"uri": uri})
        if created:
            if not fav.uri and account.is_local:
                fav.uri = f"{account.uri}#likes/{fav.id}"
                fav.save(update_fields=["uri"])
            Post.objects.filter(pk=post.pk).update(favourites_count=F("favourites_count") + 1)
            if not quiet:
                notify(post.account, "favourite", account, post)
                events.emit("favourite.created", favourite=fav)
    return fav


def unfavourite(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    fav = Favourite.objects.filter(account=account, post=post).first()
    if fav is not None:
        with transaction.atomic():
            events.emit("favourite.deleted", favourite=fav)
            fav.delete()
            Post.objects.filter(pk=post.pk).update(favourites_count=Greatest(F("favourites_count") - 1, 0))


def bookmark(account: Account, post: Post) -> Bookmark:
    if post.reblog_of_id:
        post = post.reblog_of
    if not can_read(post, account):
        raise DomainError("Record not found", status=404)
    mark, _ = Bookmark.objects.get_or_create(account=account, post=post)
    return mark


def unbookmark(account: Account, post: Post) -> None:
    if post.reblog_of_id:
        post = post.reblog_of
    Bookmark.objects.filter(account=account, post=post).delete()


def pin(account: Account, post: Post) -> Pin:
    if post.account_id != account.id or post.reblog_of_id:
        raise DomainError("You can only pin your own posts.")
    if post.visibility not in (Visibility.PUBLIC, Visibility.UNLISTED):
        raise DomainError("Only public and unlisted posts can be pinned.")
    if Pin.objects.filter(account=account).exclude(post=post).count() >= MAX_PINS:
        raise DomainError(f"You can pin at most {MAX_PINS} posts.")
    pinned, _ = Pin.objects.get_or_create(account=account, post=post)
    return pinned


def unpin(account: Account, post: Post) -> None:
    Pin.objects.filter(account=account, post=post).delete()


def mute_thread(account: Account, post: Post) -> None:
    ThreadMute.objects.get_or_create(account=account, thread_root_id=post.thread_root_id or post.id)


def unmute_thread(account: Account, post: Post) -> None:
    ThreadMute.objects.filter(account=account, thread_root_id=post.thread_root_id or post.id).delete()


def vote(account: Account, poll: Poll, choices: list[int], *, uri: str = "") -> Poll:
    """Vote once in a poll (several choices only in a multiple-choice poll)."""
    post = poll.post
    if not can_read(post, account):
        raise DomainError("Record not found", status=404)
    if post.account_id == account.id:
        raise DomainError("You cannot vote in your own poll.")
    choices = sorted(set(choices))
    if not choices:
        raise DomainError("Choose an option.", field="choices")
    if any(c < 0 or c >= len(poll.options) for c in choices):
        raise DomainError("That option is not in this poll.", field="choices")
    if len(choices) > 1 and not poll.multiple:
        raise DomainError("This poll takes one choice.", field="choices")
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.expires_at and poll.expires_at <= timezone.now():
            raise DomainError("This poll has ended.")
        earlier = set(PollVote.objects.filter(poll=poll, account=account).values_list("choice", flat=True))
        # A remote voter's choices in a multiple-choice poll arrive one activity each: later ones add up.
        adding = bool(earlier) and poll.multiple and not account.is_local and not earlier & set(choices)
        if earlier and not adding:
            raise DomainError("You have already voted in this poll.")
        PollVote.objects.bulk_create(
            [PollVote(poll=poll, account=account, choice=c, uri=uri) for c in choices]
        )
        options = poll.options
        for c in choices:
            options[c]["votes_count"] = int(options[c].get("votes_count") or 0) + 1
        poll.options = options
        poll.votes_count += len(choices)
        poll.voters_count += 0 if adding else 1
        poll.save(update_fields=["options", "votes_count", "voters_count"])
        events.emit("poll.voted", poll=poll, account=account, choices=choices)
    return poll


def set_poll_results(poll: Poll, counts: list[int], voters_count: int | None = None) -> Poll:
    """A remote author's Update(Question) carries the tallies; store them as given."""
    options = poll.options
    for option, count in zip(options, counts, strict=False):
        option["votes_count"] = max(0, int(count))
    poll.options = options
    poll.votes_count = sum(o["votes_count"] for o in options)
    if voters_count is not None:
        poll.voters_count = max(0, int(voters_count))
    poll.save(update_fields=["options", "votes_count", "voters_count"])
    return poll


def close_poll_and_notify(poll_id: int) -> None:
    """When a local poll ends, tell its voters and its author (the `poll` notification)."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("post__account").filter(pk=poll_id).first()
        if poll is None or poll.closed_notified:
            return
        if poll.expires_at and poll.expires_at > timezone.now():
            return
        poll.closed_notified = True
        poll.save(update_fields=["closed_notified"])
        author = poll.post.account
        voter_ids = set(PollVote.objects.filter(poll=poll).values_list("account_id", flat=True))
        for voter in Account.objects.filter(pk__in=voter_ids, domain=""):
            notify(voter, "poll", author, poll.post)
        notify(author, "poll", author, poll.post, allow_self=True)
        events.emit("post.updated", post=poll.post)


# Imports: the one path by which archives bring in quiet, backdated copies of a person's own posts.


@dataclass
class ExternalProfile:
    """Someone on another platform named in an imported post (an X @handle): linked, never a Mention."""

    username: str
    url: str

    @property
    def id(self) -> str:
        return f"external:{self.url}"

    @property
    def uri(self) -> str:
        return self.url


@dataclass
class ImportedPost:
    """One post to bring in. `text` is rendered as local text; `html` (HTML archives) is sanitized."""

    created_at: datetime
    text: str = ""
    html: str | None = None
    tags: list[str] = field(default_factory=list)
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str = Visibility.PUBLIC
    language: str = ""
    id: int | None = None  # a pre-assigned id (made from created_at), so replies can point at it
    in_reply_to_id: int | None = None  # one of the author's own posts, stored earlier or earlier in `specs`
    thread_root_id: int | None = None
    media: list[MediaAttachment] = field(default_factory=list)
    poll: PollSpec | None = None
    original_uri: str = ""


def import_posts_quietly(author: Account, specs: list[ImportedPost], *, mention_resolver=None) -> list[Post]:
    """Store quiet, backdated copies of `author`'s posts in one transaction, with bulk inserts.

    Validation and rendering are per post, as in `create_post` with `quiet=True`: no feeds, no notifications,
    nothing federated. `mention_resolver(username, domain)` returns an Account (a Mention row), an
    ExternalProfile (a link only) or None (plain text); by default mentions stay plain text, so an imported
    "@jack" never points at whoever holds that name here. Raises DomainError when a post is not storable;
    nothing of the batch is then stored.
    """
    if not author.is_local:
        raise DomainError("Only local accounts can import posts.")
    resolver = mention_resolver or (lambda username, domain: None)
    posts: list[Post] = []
    mentions: list[Mention] = []
    tags_by_post: dict[int, list[str]] = {}
    polls: list[tuple[Post, PollSpec]] = []
    media_updates: list[MediaAttachment] = []
    search_rows = []
    own_parent_ids = {spec.in_reply_to_id for spec in specs if spec.in_reply_to_id}
    batch_ids = {spec.id for spec in specs if spec.id}
    stored_parents = set(
        Post.objects.filter(account=author, pk__in=own_parent_ids - batch_ids).values_list("pk", flat=True)
    )
    from caravan.search.models import SearchDocument

    for spec in specs:
        _check_visibility(spec.visibility)
        media = list(spec.media)
        _check_media(author, media)
        if spec.poll is not None:
            if media:
                raise DomainError("A post can have images or a poll, not both.", field="poll")
            _check_poll(spec.poll, enforce_limits=False)
        moment = spec.created_at if spec.created_at.tzinfo else spec.created_at.replace(tzinfo=UTC)
        if spec.html is not None:
            if len(spec.html) > HARD_MAX_CHARS * 2:
                raise DomainError("That post is too long to store.", field="status")
            text, content, post_mentions, post_tags = "", sanitize_html(spec.html), [], list(spec.tags)
        else:
            text = (spec.text or "").strip()
            if len(text) > HARD_MAX_CHARS:
                raise DomainError("That post is too long to store.", field="status")
            rendered = render_text(text, resolver)
            content, post_mentions, post_tags = rendered.html, rendered.mentions, rendered.tags
        post_id = spec.id or id_from_time(moment)
        parent_id = spec.in_reply_to_id
        if parent_id and parent_id not in stored_parents and parent_id not in batch_ids:
            parent_id = None  # not (yet) here: link_imported_replies can join it later
        post = Post(
            id=post_id,
            account=author,
            uri=f"{author.uri}/statuses/{post_id}",
            url=f"{settings.BASE_URL}/@{author.username}/{post_id}",
            text=text,
            content=content,
            spoiler_text=(spec.spoiler_text or "").strip()[:1000],
            sensitive=bool(spec.sensitive or spec.spoiler_text),
            visibility=spec.visibility,
            language=(spec.language or "")[:16],
            in_reply_to_id=parent_id,
            in_reply_to_account_id=author.id if parent_id else None,
            thread_root_id=(spec.thread_root_id or parent_id or post_id) if parent_id else post_id,
            local=True,
            imported=True,
            original_uri=spec.original_uri[:2000],
            created_at=moment,
            has_media=bool(media),
        )
        posts.append(post)
        mentions.extend(
            Mention(post_id=post_id, account_id=a.id) for a in post_mentions if isinstance(a, Account)
        )
        if post_tags:
            tags_by_post[post_id] = post_tags
        if spec.poll is not None:
            polls.append((post, spec.poll))
        for position, item in enumerate(media):
            item.post_id, item.position = post_id, position
            media_updates.append(item)
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
            post_tags = [
                PostTag(post_id=post_id, tag_id=tag_ids[normalize_tag(d)[:200]])
                for post_id, names in tags_by_post.items()
                for d in names
            ]
            insert_rows(PostTag, post_tags, ignore_conflicts=True)
        if media_updates:
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(MediaAttachment._meta.db_table)
                cursor.executemany(
                    f"UPDATE {table} SET post_id = %s, position = %s WHERE id = %s",  # noqa: S608
                    [(m.post_id, m.position, m.id) for m in media_updates],
                )
        for post, spec in polls:
            _create_poll(post, spec, spec.expires_at or post.created_at)
        insert_rows(SearchDocument, search_rows, ignore_conflicts=True)
        latest = max(post.created_at for post in posts)
        Account.objects.filter(pk=author.pk).update(statuses_count=F("statuses_count") + len(posts))
        Account.objects.filter(pk=author.pk).filter(
            models.Q(last_status_at__isnull=True) | models.Q(last_status_at__lt=latest)
        ).update(last_status_at=latest)
        replied = Counter(post.in_reply_to_id for post in posts if post.in_reply_to_id)
        for parent_id, count in replied.items():
            Post.objects.filter(pk=parent_id).update(replies_count=F("replies_count") + count)
    return posts


def _tag_ids(displays: set[str]) -> dict[str, int]:
    by_name = {normalize_tag(display)[:200]: display[:200] for display in displays}
    existing = dict(Tag.objects.filter(name__in=by_name).values_list("name", "id"))
    missing = [Tag(name=name, display_name=shown) for name, shown in by_name.items() if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Tag.objects.filter(name__in=by_name).values_list("name", "id"))
    return existing


def link_imported_replies(author: Account, links: dict[int, int]) -> int:
    """Join imported replies to their parents once both are stored: {child post id: parent post id}.

    Both must be `author`'s posts. The thread root is found by walking up the chain. Queries go in chunks, so
    an archive of a million replies stays within the databases' limits. Returns how many posts changed.
    """
    if not links:
        return 0

    def root_of(post_id: int) -> int:
        seen = set()
        while post_id in links and post_id not in seen:
            seen.add(post_id)
            post_id = links[post_id]
        return post_id

    children = list(links)
    changed_total = 0
    fields = ["in_reply_to", "in_reply_to_account", "thread_root_id"]
    for start in range(0, len(children), 5000):
        chunk = children[start : start + 5000]
        parents = {links[child] for child in chunk}
        stored_parents = set(Post.objects.filter(account=author, pk__in=parents).values_list("pk", flat=True))
        pending = Post.objects.filter(account=author, pk__in=chunk).only(
            "id", "in_reply_to_id", "thread_root_id"
        )
        changed = []
        for post in pending:
            parent = links[post.id]
            if parent not in stored_parents or parent == post.id:
                continue
            root = root_of(post.id)
            if post.in_reply_to_id != parent or post.thread_root_id != root:
                post.in_reply_to_id, post.thread_root_id = parent, root
                post.in_reply_to_account_id = author.id
                changed.append(post)
        with transaction.atomic():
            Post.objects.bulk_update(changed, fields, batch_size=500)
            for parent_id in {post.in_reply_to_id for post in changed}:
                count = Post.objects.filter(in_reply_to_id=parent_id).count()
                Post.objects.filter(pk=parent_id).update(replies_count=count)
        changed_total += len(changed)
    return changed_total


def remove_all_posts_and_interactions(account: Account) -> None:
    """Erase everything an account did with posts (its posts and boosts, favourites, bookmarks, pins, poll
    votes, thread mutes, media), keeping the counters on other people's posts right, in a few queries.

    Nothing is announced per post: the caller has announced the account's deletion, which stands for all of it
    (a Delete of the actor tells other servers to drop the account's posts).
    """
    own = Post.objects.filter(account=account)
    # Boosts and replies counted on other people's posts.
    for column, counter in (("reblog_of_id", "reblogs_count"), ("in_reply_to_id", "replies_count")):
        counts = Counter(
            own.filter(**{f"{column}__isnull": False})
            .exclude(**{f"{column.removesuffix('_id')}__account": account})
            .values_list(column, flat=True)
        )
        _decrement(counter, counts)
    favourited = Favourite.objects.filter(account=account).exclude(post__account=account)
    _decrement("favourites_count", Counter(favourited.values_list("post_id", flat=True)))
    Favourite.objects.filter(account=account).delete()
    Bookmark.objects.filter(account=account).delete()
    Pin.objects.filter(account=account).delete()
    PollVote.objects.filter(account=account).delete()  # tallies stay: they are anonymous sums
    ThreadMute.objects.filter(account=account).delete()

    media = MediaAttachment.objects.filter(account=account)
    files = [name for pair in media.values_list("file", "thumbnail") for name in pair if name]
    post_ids = list(own.values_list("id", flat=True))
    for start in range(0, len(post_ids), 500):
        batch = post_ids[start : start + 500]
        search_index.remove_posts(batch)
        # Their boosts by others, mentions, tags, favourites, feed rows and notifications go with them.
        Post.objects.filter(pk__in=batch).delete()
    media.delete()
    Account.objects.filter(pk=account.pk).update(statuses_count=0, last_status_at=None)
    if files:
        from caravan.media.services import delete_files

        transaction.on_commit(lambda: delete_files(files))


def _decrement(counter: str, counts: Counter) -> None:
    by_amount: dict[int, list[int]] = {}
    for post_id, amount in counts.items():
        by_amount.setdefault(amount, []).append(post_id)
    for amount, post_ids in by_amount.items():
        for start in range(0, len(post_ids), 500):
            Post.objects.filter(pk__in=post_ids[start : start + 500]).update(
                **{counter: Greatest(F(counter) - amount, 0)}
            )
