"""The pure step of the post pipeline: check and render one post by its origin, writing nothing.

Origins differ only here. What people write now (`local`) meets the server's limits, may only answer a post its
author can read and mentions the parent's author. What other servers send (`remote`) is sanitized HTML within hard
caps; a parent its author cannot read is dropped, its address kept. What archives bring in (`imported`) is quiet
and backdated, within hard caps, and answers only the author's own posts. `store.store_posts` then writes any mix
of drafts the same way.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

from caravan import error_codes, lookup
from caravan.accounts.models import Account
from caravan.errors import Collected, DomainError
from caravan.ids import id_from_time
from caravan.media.models import MediaAttachment
from caravan.posts.models import Post, QuotePolicy, QuoteState, ScheduledMedia, Visibility
from caravan.posts.models import Quote as QuoteRow
from caravan.posts.rendering import count_characters, render_text, sanitize_html
from caravan.posts.visibility import can_read
from caravan.publishing.quoting import check_quotable, default_policy
from caravan.untrusted import http_url

HARD_MAX_CHARS = 100_000  # what any post may hold, imported or remote, whatever the server's limit
REMOTE_MAX_POLL_OPTIONS = 20  # other servers allow longer polls than ours
EMOJI_SHORTCODE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
MAX_EMOJIS = 50


class Origin(StrEnum):
    LOCAL = "local"  # written here, now
    REMOTE = "remote"  # arrived from another server
    IMPORTED = "imported"  # brought in from an archive: quiet and backdated


@dataclass
class PollSpec:
    options: list[str]
    expires_in: int = 86400
    multiple: bool = False
    hide_totals: bool = False
    # Closed polls brought in by an import or from another server keep their results.
    votes: list[int] | None = None
    expires_at: datetime | None = None


@dataclass
class RemoteContent:
    """Already-written HTML (another server's post, an HTML archive) in place of text to render."""

    html: str
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    emojis: list[dict] = field(default_factory=list)  # custom emoji: {"shortcode": ..., "url": ...}


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
    emojis: list[dict] = field(default_factory=list)
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str = Visibility.PUBLIC
    language: str = ""
    id: int | None = None  # a pre-assigned id (made from created_at), so replies can point at it
    in_reply_to_id: int | None = None  # one of the author's own posts, stored earlier or in the same batch
    thread_root_id: int | None = None
    media: list[MediaAttachment] = field(default_factory=list)
    poll: PollSpec | None = None
    original_uri: str = ""


@dataclass
class QuoteSpec:
    """What a post quotes: the quoted post if stored here (else its address), and the state the quote starts in
    (`check_quotable` decides for local posts, the inbox's stamp check for remote ones)."""

    quoted: Post | None
    state: str = QuoteState.PENDING
    quoted_uri: str = ""
    approval_uri: str = ""
    legacy: bool = False


@dataclass
class Draft:
    """A post ready to store: the unsaved row, and what goes with it."""

    post: Post
    origin: Origin
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    media: list[MediaAttachment] = field(default_factory=list)
    poll: PollSpec | None = None
    quote: QuoteSpec | None = None

    def quote_row(self) -> QuoteRow | None:
        spec = self.quote
        if spec is None:
            return None
        return QuoteRow(
            post=self.post,
            quoted_post=spec.quoted,
            quoted_uri=(spec.quoted.uri if spec.quoted is not None else spec.quoted_uri)[:2000],
            quoted_account_id=spec.quoted.account_id if spec.quoted is not None else None,
            state=spec.state,
            approval_uri=spec.approval_uri[:2000],
            legacy=spec.legacy,
        )

    @property
    def live(self) -> bool:
        """Live posts reach feeds, notify and are announced; imported copies do none of that."""
        return self.origin != Origin.IMPORTED


MentionResolver = Callable[[str, str], "Account | ExternalProfile | None"]


def resolve_mention(username: str, domain: str) -> Account | None:
    return lookup.account(username, domain)


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


def check_visibility(visibility: str) -> str:
    if visibility not in Visibility.values:
        raise DomainError(error_codes.VISIBILITY_INVALID, field="visibility")
    return visibility


def check_media(
    author: Account, media: list[MediaAttachment], post: Post | None = None
) -> list[MediaAttachment]:
    limit = settings.CARAVAN["MAX_MEDIA_PER_POST"]
    if len(media) > limit:
        raise DomainError(error_codes.TOO_MANY_IMAGES, field="media_ids", limit=limit)
    for item in media:
        if item.account_id != author.id:
            raise DomainError(error_codes.MEDIA_NOT_YOURS, field="media_ids")
        if item.post_id is not None and (post is None or item.post_id != post.id):
            raise DomainError(error_codes.MEDIA_ALREADY_ATTACHED, field="media_ids")
    # Uploads reserved for a scheduled post go on that post only (it frees them before publishing).
    if media and ScheduledMedia.objects.filter(media_id__in=[item.id for item in media]).exists():
        raise DomainError(error_codes.MEDIA_ALREADY_ATTACHED, field="media_ids")
    return media


def check_poll(poll: PollSpec, enforce_limits: bool) -> None:
    """Check (and trim) a poll's options; `enforce_limits` holds it to this server's limits (local posts)."""
    limits = settings.CARAVAN
    options = [option.strip() for option in poll.options]
    most = (
        limits["MAX_POLL_OPTIONS"]
        if enforce_limits
        else max(limits["MAX_POLL_OPTIONS"], REMOTE_MAX_POLL_OPTIONS)
    )
    if not 2 <= len(options) <= most:
        raise DomainError(error_codes.POLL_OPTION_COUNT, field="poll", limit=most)
    if any(not option for option in options):
        raise DomainError(error_codes.POLL_OPTION_EMPTY, field="poll")
    if len({o.casefold() for o in options}) != len(options):
        raise DomainError(error_codes.POLL_OPTIONS_NOT_DISTINCT, field="poll")
    if enforce_limits:
        if any(len(option) > limits["MAX_POLL_OPTION_CHARS"] for option in options):
            raise DomainError(
                error_codes.POLL_OPTION_TOO_LONG, field="poll", limit=limits["MAX_POLL_OPTION_CHARS"]
            )
        if not limits["MIN_POLL_EXPIRATION"] <= poll.expires_in <= limits["MAX_POLL_EXPIRATION"]:
            raise DomainError(error_codes.POLL_DURATION_INVALID, field="poll")
    poll.options = options


def check_local_length(text: str, spoiler_text: str) -> None:
    limit = settings.CARAVAN["MAX_POST_CHARS"]
    length = count_characters(text) + len(spoiler_text)
    if length > limit:
        raise DomainError(error_codes.POST_TOO_LONG, field="status", length=length, limit=limit)


def check_storable(text: str = "", html: str = "") -> None:
    """The hard caps every post meets, whatever its origin."""
    if len(text) > HARD_MAX_CHARS or len(html) > HARD_MAX_CHARS * 2:
        raise DomainError(error_codes.POST_TOO_LONG_TO_STORE, field="status")


def render_content(text: str, remote: RemoteContent | None, resolver: MentionResolver = resolve_mention):
    """(html, mentioned accounts, tag names) for local text or for already-written HTML."""
    if remote is not None:
        return sanitize_html(remote.html), list(remote.mentions), list(remote.tags)
    rendered = render_text(text, resolver)
    return rendered.html, [a for a in rendered.mentions if isinstance(a, Account)], rendered.tags


def _moment(created_at: datetime | None) -> datetime:
    moment = created_at or timezone.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(
    author: Account,
    origin: Origin,
    moment: datetime,
    *,
    content: str,
    text: str = "",
    spoiler_text: str = "",
    sensitive: bool = False,
    visibility: str,
    language: str = "",
    parent: Post | None = None,
    in_reply_to_uri: str = "",
    emojis: list | None = None,
    post_id: int | None = None,
    uri: str = "",
    url: str = "",
    original_uri: str = "",
    media: list[MediaAttachment] = (),
) -> Post:
    """The unsaved post row; every origin fills it here, so the columns mean the same whatever the path."""
    spoiler_text = (spoiler_text or "").strip()
    post = Post(
        id=post_id or id_from_time(moment),
        account=author,
        text=text,
        content=content,
        spoiler_text=spoiler_text[:1000],
        sensitive=bool(sensitive or spoiler_text),
        visibility=visibility,
        language=(language or "")[:16],
        in_reply_to=parent,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=parent.uri if parent else in_reply_to_uri,
        local=author.is_local,
        imported=origin == Origin.IMPORTED,
        original_uri=original_uri[:2000],
        created_at=moment,
        emojis=clean_emojis(emojis or []),
        has_media=bool(media),
    )
    if author.is_local:
        post.uri = f"{author.uri}/statuses/{post.id}"
        post.url = f"{settings.BASE_URL}/@{author.username}/{post.id}"
    else:
        post.uri, post.url = uri, http_url(url) or uri
    post.thread_root_id = (parent.thread_root_id or parent.id) if parent else post.id
    return post


def _original(post: Post | None) -> Post | None:
    return post.reblog_of if post is not None and post.reblog_of_id else post


def local(
    author: Account,
    text: str = "",
    *,
    spoiler_text: str = "",
    sensitive: bool = False,
    visibility: str = Visibility.PUBLIC,
    language: str = "",
    in_reply_to: Post | None = None,
    media: list[MediaAttachment] | None = None,
    poll: PollSpec | None = None,
    created_at: datetime | None = None,
    quote: Post | None = None,
    quote_policy: str | None = None,
) -> Draft:
    """A post a local person writes now: the server's limits, a readable parent, the parent's author mentioned;
    a quoted post the author may quote (`quoting.check_quotable`), and who may quote this one."""
    if not author.is_local:
        raise ValueError("drafts.local is for local authors")  # a caller's mistake, not a person's
    media = list(media or [])
    text, spoiler_text = (text or "").strip(), (spoiler_text or "").strip()
    # Every independent problem at once (a page shows each next to its field); the first, as before, speaks
    # for all where one message is shown (the API's `error`).
    problems = Collected()
    with problems:
        visibility = check_visibility(visibility)
    with problems:
        check_local_length(text, spoiler_text)
    if not text and not media and poll is None:
        problems.add(DomainError(error_codes.POST_EMPTY, field="status"))
    if media and poll is not None:
        problems.add(DomainError(error_codes.MEDIA_AND_POLL, field="poll"))
    with problems:
        check_media(author, media)
    if poll is not None:
        with problems:
            check_poll(poll, enforce_limits=True)
    if in_reply_to is not None and not can_read(in_reply_to, author):
        problems.add(DomainError(error_codes.REPLY_TARGET_UNAVAILABLE, field="in_reply_to_id"))
    quote_spec = None
    if quote is not None:
        with problems:
            quote_spec = QuoteSpec(*check_quotable(quote, author))
    problems.raise_any()
    policy = default_policy(visibility, quote_policy)
    parent = _original(in_reply_to)
    content, mentions, tags = render_content(text, None)
    # Replying mentions the person replied to, so they are notified and (for direct) can read it.
    if (
        parent is not None
        and parent.account_id != author.id
        and parent.account_id not in {a.id for a in mentions}
    ):
        mentions.append(parent.account)
    post = _row(
        author,
        Origin.LOCAL,
        _moment(created_at),
        content=content,
        text=text,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        visibility=visibility,
        language=language,
        parent=parent,
        media=media,
    )
    post.quote_policy = policy
    return Draft(post, Origin.LOCAL, mentions, tags, media, poll, quote_spec)


def remote(
    author: Account,
    *,
    uri: str,
    content: RemoteContent,
    url: str = "",
    spoiler_text: str = "",
    sensitive: bool = False,
    visibility: str = Visibility.PUBLIC,
    language: str = "",
    in_reply_to: Post | None = None,
    in_reply_to_uri: str = "",
    media: list[MediaAttachment] | None = None,
    poll: PollSpec | None = None,
    created_at: datetime | None = None,
    quote: QuoteSpec | None = None,
    quote_policy: str = QuotePolicy.NOBODY,
) -> Draft:
    """A post from another server: sanitized, within the hard caps; a parent its author cannot read is dropped
    (its address kept), so a reply never reveals what it answers."""
    if author.is_local:
        raise ValueError("drafts.remote is for remote authors")  # a caller's mistake, not a person's
    if not uri:
        raise DomainError(error_codes.REMOTE_POST_NEEDS_ID, field="id")
    media = check_media(author, list(media or []))
    check_storable(html=content.html)
    if poll is not None:
        check_poll(poll, enforce_limits=False)
    if in_reply_to is not None and not can_read(in_reply_to, author):
        in_reply_to_uri, in_reply_to = in_reply_to.uri, None
    html, mentions, tags = render_content("", content)
    post = _row(
        author,
        Origin.REMOTE,
        _moment(created_at),
        content=html,
        spoiler_text=spoiler_text,
        sensitive=sensitive,
        visibility=check_visibility(visibility),
        language=language,
        parent=_original(in_reply_to),
        in_reply_to_uri=in_reply_to_uri,
        emojis=content.emojis,
        uri=uri,
        url=url,
        media=media,
    )
    post.quote_policy = quote_policy if quote_policy in QuotePolicy.values else QuotePolicy.NOBODY
    if quote is not None and quote.quoted is not None and not can_read(quote.quoted, author):
        # As with a parent: a quote never shows what its author could not read; the address stays.
        quote = QuoteSpec(None, QuoteState.PENDING, quote.quoted.uri, quote.approval_uri, quote.legacy)
    return Draft(post, Origin.REMOTE, list(dict.fromkeys(mentions)), tags, media, poll, quote)


def imported(
    author: Account, spec: ImportedPost, *, parents: dict[int, int], resolver: MentionResolver | None = None
) -> Draft:
    """A quiet, backdated copy of one of `author`'s own posts from an archive.

    `parents` are the author's posts this batch may answer (stored earlier, or in the batch), each with the
    root of its thread; a
    reply to anything else is stored unlinked (`link_imported_replies` joins it later). `resolver(username, domain)` returns an Account (a Mention), an ExternalProfile (a link only)
    or None (plain text); by default mentions stay plain text, so an imported "@jack" never points at whoever
    holds that name here.
    """
    if not author.is_local:
        raise DomainError(error_codes.IMPORT_NEEDS_LOCAL_ACCOUNT)
    check_visibility(spec.visibility)
    media = check_media(author, list(spec.media))
    if spec.poll is not None:
        if media:
            raise DomainError(error_codes.MEDIA_AND_POLL, field="poll")
        check_poll(spec.poll, enforce_limits=False)
    if spec.html is not None:
        check_storable(html=spec.html)
        text, (content, mentions, tags) = (
            "",
            render_content("", RemoteContent(spec.html, tags=list(spec.tags))),
        )
    else:
        text = (spec.text or "").strip()
        check_storable(text=text)
        content, mentions, tags = render_content(text, None, resolver or (lambda username, domain: None))
    parent_id = spec.in_reply_to_id if spec.in_reply_to_id in parents else None
    post = _row(
        author,
        Origin.IMPORTED,
        _moment(spec.created_at),
        content=content,
        text=text,
        spoiler_text=spec.spoiler_text,
        sensitive=spec.sensitive,
        visibility=spec.visibility,
        language=spec.language,
        emojis=spec.emojis,
        post_id=spec.id,
        original_uri=spec.original_uri,
        media=media,
    )
    if parent_id:
        post.in_reply_to_id, post.in_reply_to_account_id = parent_id, author.id
        post.thread_root_id = spec.thread_root_id or parents[parent_id]
    return Draft(post, Origin.IMPORTED, mentions, tags, media, spec.poll)
