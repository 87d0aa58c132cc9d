"""Reading incoming ActivityPub objects: ids, dates, addressing, content, mentions, tags, attachments and polls,
and the post draft (`publishing.drafts.remote`) a Note-like object becomes. Nothing here applies an activity.
"""

import html as html_lib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from caravan import publishing
from caravan.accounts.models import Account
from caravan.federation import actors
from caravan.federation.actors import AS_PUBLIC, as_list, is_local_uri, origin
from caravan.federation.models import Tombstone
from caravan.instance.domains import rejects_media
from caravan.media.services import store_remote_media
from caravan.posts.models import Post, Visibility
from caravan.publishing import drafts
from caravan.social.models import Follow
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


def id_of(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, list) and value:
        return id_of(value[0])
    return value if isinstance(value, str) else ""


def count_of(value) -> int | None:
    """A tally from elsewhere (votes, voters) as a non-negative integer, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visibility_of(obj: dict, author: Account) -> str:
    to = {id_of(x) for x in as_list(obj.get("to"))}
    cc = {id_of(x) for x in as_list(obj.get("cc"))}
    if to & PUBLIC_IDS:
        return Visibility.PUBLIC
    if cc & PUBLIC_IDS:
        return Visibility.UNLISTED
    if author.followers_url and author.followers_url in to | cc:
        return Visibility.PRIVATE
    if any(x.endswith("/followers") for x in to | cc):
        return Visibility.PRIVATE
    return Visibility.DIRECT


def emojis_of(obj: dict) -> list[dict]:
    """Custom emoji the object uses (`Emoji` tags: name ":code:", icon.url); publishing.drafts cleans them."""
    found = []
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Emoji":
            icon = tag.get("icon")
            url = icon.get("url") if isinstance(icon, dict) else icon
            found.append({"shortcode": str(tag.get("name") or ""), "url": http_url(id_of(url))})
    return found


def mentions_and_tags(
    obj: dict, accounts_by_uri: dict[str, Account] | None = None
) -> tuple[list[Account], list[str]]:
    """`accounts_by_uri`: accounts a batch already looked up (one query for all its mentions)."""
    mentions: list[Account] = []
    tags: list[str] = []
    fetches = 0
    addressed = {id_of(x) for x in as_list(obj.get("to")) + as_list(obj.get("cc"))}
    for tag in as_list(obj.get("tag")):
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Mention":
            href = id_of(tag.get("href"))
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


def content_html(obj: dict) -> str:
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
        link = page_url(obj.get("url")) or id_of(obj)
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


def page_url(value) -> str:
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


def language_of(obj: dict) -> str:
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        return str(next(iter(content_map)))[:16]
    return ""


def media_of(obj: dict, author: Account) -> list:
    if rejects_media(author.domain):
        return []  # a domain policy rejects this server's media: the post arrives without it
    items = []
    for attachment in as_list(obj.get("attachment"))[:MAX_ATTACHMENTS]:
        if not isinstance(attachment, dict) or attachment.get("type") == "PropertyValue":
            continue
        url = attachment.get("url")
        if isinstance(url, list | dict):
            url = page_url(url) or id_of(url)
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


def poll_spec(obj: dict) -> publishing.PollSpec | None:
    if obj.get("type") != "Question":
        return None
    multiple = "anyOf" in obj
    options = as_list(obj.get("anyOf") if multiple else obj.get("oneOf"))
    titles, votes = [], []
    for option in options:
        if isinstance(option, dict) and isinstance(option.get("name"), str):
            titles.append(option["name"])
            replies = option.get("replies") if isinstance(option.get("replies"), dict) else {}
            votes.append(count_of(replies.get("totalItems")) or 0)
    if len(titles) < 2:
        return None
    expires_at = parse_time(obj.get("endTime")) or parse_time(obj.get("closed"))
    return publishing.PollSpec(
        options=titles[: publishing.REMOTE_MAX_POLL_OPTIONS],
        multiple=multiple,
        votes=votes[: publishing.REMOTE_MAX_POLL_OPTIONS],
        expires_at=expires_at or datetime(2100, 1, 1, tzinfo=UTC),
    )


def is_relevant(obj: dict, author: Account, mentions: list[Account], reply_to: Post | None) -> bool:
    """Mastodon keeps only what touches local people: followed authors, mentions of them, replies to them."""
    if any(account.is_local for account in mentions):
        return True
    if reply_to is not None:
        return True
    return Follow.objects.filter(target_account=author, account__domain="").exists()


def note_draft(
    obj: dict,
    author: Account,
    *,
    relevant_only: bool = True,
    announced: bool = False,
    known: set[str] | None = None,
    followed: set[int] | None = None,
    accounts_by_uri: dict[str, Account] | None = None,
    quote_of: "Callable[[dict, Account], drafts.QuoteSpec | None] | None" = None,
    quote_policy: str = "nobody",
) -> publishing.Draft | None:
    """The post draft for one Note-like object by `author`, or None when it should not be stored (stored
    already, deleted, or touching nobody here). Its attachments are recorded as remote media.

    `known` (addresses stored or deleted), `followed` (authors someone here follows) and `accounts_by_uri` let a
    batch answer those questions for all its objects with one query each. `quote_of` reads what the object
    quotes (federation/quotes.py checks its stamp), asked only once the object is worth storing;
    `quote_policy` is who may quote it, as its `interactionPolicy` says.
    """
    uri = id_of(obj)
    if not uri:
        raise InboxError("an object needs an id")
    if origin(uri) != origin(author.uri):
        raise InboxError("the object is not on its author's server", 403)
    if known is not None:
        if uri in known:
            return None
    elif Tombstone.objects.filter(uri=uri).exists() or Post.objects.filter(uri=uri).exists():
        return None
    in_reply_to_uri = id_of(obj.get("inReplyTo"))
    reply_to = local_post(in_reply_to_uri) if in_reply_to_uri else None
    mentions, tags = mentions_and_tags(obj, accounts_by_uri)
    if relevant_only and not announced:
        if followed is not None and author.id in followed:
            pass
        elif not is_relevant(obj, author, mentions, reply_to):
            return None
    visibility = visibility_of(obj, author)
    if obj.get("type") == "ChatMessage":
        visibility = Visibility.DIRECT
    summary = obj.get("summary") if obj.get("type") not in ("Article",) else None
    return drafts.remote(
        author,
        uri=uri,
        url=page_url(obj.get("url")) or uri,
        content=publishing.RemoteContent(
            html=content_html(obj), mentions=mentions, tags=tags, emojis=emojis_of(obj)
        ),
        spoiler_text=summary if isinstance(summary, str) else "",
        sensitive=bool(obj.get("sensitive")),
        visibility=visibility,
        language=language_of(obj),
        in_reply_to=reply_to,
        in_reply_to_uri=in_reply_to_uri,
        media=media_of(obj, author),
        poll=poll_spec(obj),
        created_at=parse_time(obj.get("published")),
        quote=quote_of(obj, author) if quote_of is not None else None,
        quote_policy=quote_policy,
    )


def local_post(uri: str) -> Post | None:
    if not uri:
        return None
    return Post.objects.select_related("account").filter(uri=uri).first()
