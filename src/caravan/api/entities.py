"""Mastodon's JSON entities, built from domain objects: plain functions, one per entity.

Statuses are rendered through a `StatusRenderer`, which loads the viewer's own state (favourited,
boosted...) and v2 filters once for a whole page and shares each author's Account entity between the posts
that need it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from caravan.accounts.models import Account, Role
from caravan.accounts.services import load_accounts
from caravan.api.app_links import website_link
from caravan.bulk import ReadAhead
from caravan.filters.models import Filter
from caravan.filters.services import ActiveFilters, filterable_text, filters_read
from caravan.instance import vapid
from caravan.media.models import MediaAttachment
from caravan.moderation.models import ActionKind, Appeal, ModerationAction
from caravan.notifications.models import Notification, NotificationPolicy, NotificationRequest
from caravan.pacts.models import Pact
from caravan.posts.models import Poll, Post, QuotePolicy, Tag
from caravan.posts.rendering import profile_field_html, sanitize_html
from caravan.posts.selectors import (
    QuoteView,
    ViewerState,
    load_posts,
    quote_counts,
    quote_counts_read,
    quote_views,
    quote_views_read,
    viewer_state,
    viewer_state_read,
)
from caravan.posts.visibility import can_read
from caravan.previews.models import PreviewCard
from caravan.previews.selectors import cards_for_posts, cards_reads
from caravan.push.models import ALERT_TYPES, PushSubscription
from caravan.social.models import AccountNote, Block, DomainBlock, Endorsement, Follow, FollowRequest, Mute
from caravan.untrusted import http_url, without_bidi_controls

DEFAULT_AVATAR = "/avatars/original/missing.png"
DEFAULT_HEADER = "/headers/original/missing.png"
STATUS_NOTIFICATION_TYPES = {
    "mention",
    "status",
    "reblog",
    "favourite",
    "poll",
    "update",
    "quote",
    "quoted_update",
}

# The notification types Mastodon clients know, and Caravan's own news of pacts and campaigns (with a
# `caravan_pact` / `caravan_campaign` object, docs/caravan-api/); others (moderation_appeal) stay out of the API.
MASTODON_NOTIFICATION_TYPES = STATUS_NOTIFICATION_TYPES | {
    "follow",
    "follow_request",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
}
API_NOTIFICATION_TYPES = MASTODON_NOTIFICATION_TYPES | {"caravan.pact", "caravan.campaign"}


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 with milliseconds and an upper-case Z, as Mastodon writes it."""
    if moment is None:
        return None
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.BASE_URL}{url}"


def _image_url(a: Account, name: str, remote_url: str, default: str) -> str:
    if a.__dict__.get(name):  # a stored file (its name, or Django's file object once read): not made for none
        return absolute(getattr(a, name).url)
    return http_url(remote_url) or absolute(default)


def fields(a: Account) -> list[dict]:
    """Profile fields with their values as HTML (a local value is text its owner typed)."""
    return [
        {
            "name": without_bidi_controls(str(f.get("name", ""))),
            "value": profile_field_html(str(f.get("value", "")), local=a.is_local),
            "verified_at": f.get("verified_at"),
        }
        for f in a.fields or []
    ]


def account(a: Account) -> dict:
    data = {
        "id": str(a.id),
        "username": a.username,
        "acct": a.acct,
        "display_name": without_bidi_controls(a.display_name),
        "locked": a.locked,
        "bot": a.bot,
        "discoverable": a.discoverable,
        "indexable": a.discoverable,
        "group": a.group,
        "created_at": iso(a.created_at),
        "note": sanitize_html(a.note_html),
        "url": http_url(a.url) or a.uri,
        "uri": a.uri,
        "avatar": (avatar := _image_url(a, "avatar", a.avatar_remote_url, DEFAULT_AVATAR)),
        "avatar_static": avatar,
        "header": (header := _image_url(a, "header", a.header_remote_url, DEFAULT_HEADER)),
        "header_static": header,
        "followers_count": a.followers_count,
        "following_count": a.following_count,
        "statuses_count": a.statuses_count,
        "last_status_at": a.last_status_at.astimezone(UTC).date().isoformat() if a.last_status_at else None,
        "hide_collections": False,
        "emojis": [],
        "roles": [],
        "fields": fields(a),
    }
    if a.is_local:
        data["noindex"] = not a.discoverable
    if a.moved_to_id is not None and a.moved_to is not None:
        data["moved"] = account(a.moved_to)
    if a.suspended_at is not None:
        data["suspended"] = True
    if a.limited_at is not None:  # as Mastodon marks a limited (silenced) account
        data["limited"] = True
    return data


def credential_account(a: Account) -> dict:
    user = a.user
    data = account(a)
    data["source"] = {
        "privacy": user.default_visibility,
        "sensitive": user.default_sensitive,
        "language": user.default_language or None,
        "note": a.note,
        # What the owner typed, to edit: plain text, never shown as HTML.
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": f.get("verified_at")}
            for f in a.fields or []
        ],
        "follow_requests_count": a.follow_requests_received.count(),
        "hide_collections": False,
        "discoverable": a.discoverable,
        "indexable": a.discoverable,
        "attribution_domains": [],
    }
    data["role"] = role(user)
    return data


# Mastodon's role permission bits (UserRole::FLAGS), which apps read to offer their moderation screens.
ADMINISTRATOR = 1 << 0
MODERATOR_PERMISSIONS = (
    (1 << 2)  # view_audit_log
    | (1 << 3)  # view_dashboard
    | (1 << 4)  # manage_reports
    | (1 << 5)  # manage_federation (domain policies)
    | (1 << 7)  # manage_blocks
    | (1 << 9)  # manage_appeals
    | (1 << 10)  # manage_users
    | (1 << 18)  # manage_user_access (disable, approve)
)
# Role ids as the admin API's `role_ids[]` names them.
ROLE_IDS = {Role.MODERATOR: "1", Role.ADMIN: "3"}


def role(user) -> dict:
    """Mastodon's Role: Admin, Moderator, or the role everyone has (id -99)."""
    if user.is_superuser or user.is_staff or user.role == Role.ADMIN:
        return {
            "id": ROLE_IDS[Role.ADMIN],
            "name": "Admin",
            "color": "",
            "permissions": str(ADMINISTRATOR),
            "highlighted": True,
        }
    if user.role == Role.MODERATOR:
        return {
            "id": ROLE_IDS[Role.MODERATOR],
            "name": "Moderator",
            "color": "",
            "permissions": str(MODERATOR_PERMISSIONS),
            "highlighted": True,
        }
    return {"id": "-99", "name": "", "color": "", "permissions": "0", "highlighted": False}


def media_attachment(m: MediaAttachment) -> dict:
    meta: dict = {}
    if m.width and m.height:
        meta["original"] = {
            "width": m.width,
            "height": m.height,
            "size": f"{m.width}x{m.height}",
            "aspect": m.width / m.height,
        }
    if m.thumbnail_width and m.thumbnail_height:
        meta["small"] = {
            "width": m.thumbnail_width,
            "height": m.thumbnail_height,
            "size": f"{m.thumbnail_width}x{m.thumbnail_height}",
            "aspect": m.thumbnail_width / m.thumbnail_height,
        }
    if m.type == "image":
        meta["focus"] = {"x": m.focus_x, "y": m.focus_y}
    remote_url = http_url(m.remote_url) or None
    url = absolute(m.file.url) if m.file else remote_url
    preview = absolute(m.thumbnail.url) if m.thumbnail else url
    return {
        "id": str(m.id),
        "type": m.type if m.type in ("image", "gifv", "video", "audio") else "unknown",
        "url": url if m.processed else None,
        "preview_url": preview,
        "remote_url": remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": m.description or None,
        "blurhash": m.blurhash or None,
    }


def poll(p: Poll) -> dict:
    """A poll as anyone sees it; `with_viewer` adds `voted` and `own_votes`."""
    expired = p.expires_at is not None and p.expires_at <= timezone.now()
    show_counts = not p.hide_totals or expired
    data = {
        "id": str(p.id),
        "expires_at": iso(p.expires_at),
        "expired": expired,
        "multiple": p.multiple,
        "votes_count": p.votes_count,
        "voters_count": p.voters_count if p.multiple else p.votes_count,
        "options": [
            {"title": o.get("title", ""), "votes_count": o.get("votes_count", 0) if show_counts else None}
            for o in p.options
        ],
        "emojis": [],
    }
    return data


def tag(t: Tag, following: bool | None = None, history: list | None = None) -> dict:
    """Mastodon's Tag; `history` is a list of `discovery.trends.DayUse` (newest day first) when known."""
    data = {
        "id": str(t.id),
        "name": t.display_name or t.name,
        "url": f"{settings.BASE_URL}/tags/{t.name}",
        "history": [
            {"day": str(int(d.day.timestamp())), "uses": str(d.uses), "accounts": str(d.accounts)}
            for d in history or []
        ],
    }
    if following is not None:
        data["following"] = following
    return data


def featured_tag(featured) -> dict:
    """Mastodon's FeaturedTag (from `posts.featured.featured_tags`): the count as a string, the last use as a date;
    the link is the tag's timeline here (Caravan has no per-account tag page)."""
    last = featured.last_status_at
    return {
        "id": str(featured.id),
        "name": featured.tag.display_name or featured.tag.name,
        "url": f"{settings.BASE_URL}/tags/{featured.tag.name}",
        "statuses_count": str(featured.statuses_count),
        "last_status_at": last.date().isoformat() if last else None,
    }


class FilterSet:
    """The viewer's active v2 filters for one context (the rule is `filters.services.ActiveFilters`), as
    Mastodon's FilterResult lists."""

    def __init__(self, viewer: Account | None, context: str | None) -> None:
        self.active = ActiveFilters(viewer, context)
        self.filters = self.active.filters

    def results(self, post_id: int, text: str) -> list[dict]:
        """The FilterResult list for an original post with this filterable text."""
        return [
            {
                "filter": filter_entity(m.filter),
                "keyword_matches": list(m.keyword_matches) or None,
                "status_matches": [str(post_id)] if m.status_matched else None,
            }
            for m in self.active.matches(post_id, text)
        ]


def filter_entity(f: Filter) -> dict:
    return {
        "id": str(f.id),
        "title": f.title,
        "context": list(f.context or []),
        "expires_at": iso(f.expires_at),
        "filter_action": f.filter_action,
        "keywords": [filter_keyword(k) for k in f.keywords.all()],
        "statuses": [filter_status(s) for s in f.statuses.all()],
    }


def filter_keyword(k) -> dict:
    return {"id": str(k.id), "keyword": k.keyword, "whole_word": k.whole_word}


def filter_status(s) -> dict:
    return {"id": str(s.id), "status_id": str(s.post_id)}


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What adding the viewer's own state to a rendered status needs, without the Post object."""

    id: int
    reblog_of_id: int | None
    original_id: int
    original_account_id: int
    thread_root_id: int | None
    has_poll: bool
    authors: tuple[tuple[int, str], ...]  # (account id, domain) of the booster and the author
    text: str  # what v2 keyword filters match: content warning, text, media descriptions
    # An author was suspended or limited when it was rendered: who may read it is asked again (posts.visibility).
    moderated: bool = False

    @property
    def reblog_of(self) -> "StatusFacts | None":
        # viewer_state asks post.reblog_of for boosts: this stands in for the original post.
        if self.reblog_of_id is None:
            return None
        return StatusFacts(
            self.original_id,
            None,
            self.original_id,
            self.original_account_id,
            self.thread_root_id,
            self.has_poll,
            (),
            "",
        )


def status_facts(post: Post, *, text: bool = True) -> StatusFacts:
    """The facts of `post`; without `text` (a page for a viewer with no filters), no filterable text."""
    original = post.reblog_of if post.reblog_of_id else post
    authors = ((post.account_id, post.account.domain),)
    if post.reblog_of_id:
        authors += ((original.account_id, original.account.domain),)
    author, original_author = post.account, original.account
    moderated = (
        author.suspended_at is not None
        or author.limited_at is not None
        or original_author.suspended_at is not None
        or original_author.limited_at is not None
    )
    text = filterable_text(original) if text else ""
    return StatusFacts(
        post.id,
        post.reblog_of_id,
        original.id,
        original.account_id,
        original.thread_root_id or original.id,
        _has_poll(original),
        authors,
        text,
        moderated,
    )


def _has_poll(post: Post) -> bool:
    try:
        post.poll  # noqa: B018 - select_related filled it, or raises
    except Poll.DoesNotExist:
        return False
    return True


def preview_card(card: PreviewCard) -> dict:
    """Mastodon's PreviewCard. Every text is plain text from elsewhere; `html` is only ever an iframe that
    Caravan wrote itself (previews.parsing.read_oembed)."""
    author_url = http_url(card.author_url)
    return {
        "url": http_url(card.url),
        "title": card.title,
        "description": card.description,
        "language": card.language or None,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": author_url,
        "authors": [{"name": card.author_name, "url": author_url, "account": None}]
        if card.author_name or author_url
        else [],
        "provider_name": card.provider_name,
        "provider_url": http_url(card.provider_url),
        "html": card.html,
        "width": card.width,
        "height": card.height,
        "image": absolute(card.image.url) if card.image else None,
        "image_description": card.image_description,
        "embed_url": http_url(card.embed_url),
        "blurhash": card.blurhash or None,
        "published_at": iso(card.published_at),
    }


_NOT_LOADED = object()


def attach_cards(posts: Iterable[Post]) -> None:
    """Read the link cards of these posts (and of the posts they boost) in one query, for `status_base`."""
    originals = [p.reblog_of if p.reblog_of_id else p for p in posts]
    cards = cards_for_posts(_without_cards(originals))
    for post in originals:
        if getattr(post, "_preview_card", _NOT_LOADED) is _NOT_LOADED:
            post._preview_card = cards.get(post.id)


def _without_cards(originals: list[Post]) -> list[int]:
    return [p.id for p in originals if getattr(p, "_preview_card", _NOT_LOADED) is _NOT_LOADED]


def _card_of(post: Post) -> dict | None:
    card = getattr(post, "_preview_card", _NOT_LOADED)
    if card is _NOT_LOADED:
        card = cards_for_posts([post.id]).get(post.id)
    return preview_card(card) if card is not None else None


def status_base(post: Post, account_entity=account) -> dict:
    """A status as anyone may see it: everything but the viewer's own state (favourited, filtered...)."""
    data = {
        "id": str(post.id),
        "created_at": iso(post.created_at),
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(post.in_reply_to_account_id) if post.in_reply_to_account_id else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": post.visibility,
        "language": None,
        "uri": post.uri,
        "url": http_url(post.url) or None,
        "replies_count": post.replies_count,
        "reblogs_count": post.reblogs_count,
        "favourites_count": post.favourites_count,
        "quotes_count": 0,
        "edited_at": iso(post.edited_at),
        "content": "",
        "reblog": None,
        "account": account_entity(post.account),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
        "quote": None,
        "quote_approval": quote_approval(post),
        "text": None,
    }
    if post.reblog_of_id is not None:
        data["reblog"] = status_base(post.reblog_of, account_entity)
        return data
    post_tags = post.attached("post_tags")
    tags_url = f"{settings.BASE_URL}/tags/" if post_tags else ""
    data.update(
        content=sanitize_html(post.content),
        spoiler_text=post.spoiler_text,
        sensitive=post.shown_sensitive,
        language=post.language or None,
        media_attachments=[media_attachment(m) for m in post.attached("media_attachments")],
        mentions=[
            {
                "id": str(m.account.id),
                "username": m.account.username,
                "url": http_url(m.account.url) or m.account.uri,
                "acct": m.account.acct,
            }
            for m in post.shown_mentions
        ],
        tags=[
            {"name": pt.tag.display_name or pt.tag.name, "url": f"{tags_url}{pt.tag.name}"}
            for pt in post_tags
        ],
        poll=poll(post.poll) if _has_poll(post) else None,
        card=_card_of(post),
        emojis=[
            {"shortcode": e["shortcode"], "url": url, "static_url": url, "visible_in_picker": False}
            for e in post.emojis or ()
            if (url := http_url(e.get("url")))
        ],
    )
    return data


def quote_approval(post: Post) -> dict:
    """Mastodon 4.5's `quote_approval`, less `current_user` (the viewer's, added by `add_quotes`)."""
    policy = post.quote_policy if post.is_public else QuotePolicy.NOBODY
    automatic, manual = [], []
    if policy == QuotePolicy.PUBLIC:
        automatic = ["public"]
    elif policy == QuotePolicy.FOLLOWERS:
        automatic = ["followers"]
        if not post.account.is_local:
            manual = ["public"]  # their server may still approve others by hand
    elif policy == QuotePolicy.MANUAL:
        manual = ["public"]
    return {"automatic": automatic, "manual": manual, "current_user": "unknown"}


def _current_user(approval: dict, own: bool, follows: bool, is_public: bool) -> str:
    if own:
        return "automatic"
    if not is_public:
        return "denied"
    if "public" in approval["automatic"] or ("followers" in approval["automatic"] and follows):
        return "automatic"
    return "manual" if approval["manual"] else "denied"


def add_quotes(items: list[tuple[dict, "StatusFacts"]], viewer: Account | None, filters: "FilterSet") -> None:
    """Fill each rendered status's `quote` (as `viewer` sees it, read fresh: the status cache keeps no quote
    state), `quotes_count` and `quote_approval.current_user`. The quoted status comes nested, its own quote one
    level deeper as a ShallowQuote. Changes the dicts in place; cached dicts they share are copied first."""
    if not items:
        return
    views = quote_views(viewer, [facts.original_id for _, facts in items])
    counts = quote_counts([facts.original_id for _, facts in items])
    shown = [view.quoted for view in views.values() if view.quoted is not None]
    nested_views = quote_views(viewer, [p.id for p in shown], load=False) if shown else {}
    nested_state = viewer_state(viewer, shown) if shown else ViewerState()
    follows: set[int] = set()
    # Only posts open to followers need to know whether the viewer follows their author.
    authors = {
        facts.original_account_id
        for data, facts in items
        if "followers"
        in ((data["reblog"] if facts.reblog_of_id else data).get("quote_approval") or {}).get("automatic", ())
    }
    if viewer is not None and authors:
        follows = set(
            Follow.objects.filter(account=viewer, target_account_id__in=authors).values_list(
                "target_account_id", flat=True
            )
        )
    nested_cache: dict[int, dict] = {}
    for data, facts in items:
        target = data
        if facts.reblog_of_id is not None:
            target = data["reblog"] = dict(data["reblog"])
        if viewer is not None and target.get("quote_approval"):
            approval = dict(target["quote_approval"])
            approval["current_user"] = _current_user(
                approval,
                facts.original_account_id == viewer.id,
                facts.original_account_id in follows,
                target["visibility"] in ("public", "unlisted"),
            )
            target["quote_approval"] = approval
        if counts.get(facts.original_id):
            target["quotes_count"] = counts[facts.original_id]
        view = views.get(facts.original_id)
        if view is None:
            continue
        quoted = None
        if view.quoted is not None:
            quoted = nested_cache.get(view.quoted.id)
            if quoted is None:
                q = view.quoted
                quoted_facts = status_facts(q, text=bool(filters.filters))
                quoted = with_viewer(status_base(q), quoted_facts, viewer, nested_state, filters)
                quoted["quote"] = shallow_quote(nested_views.get(q.id))
                nested_cache[q.id] = quoted
        target["quote"] = {"state": view.state, "quoted_status": quoted}


def shallow_quote(view: QuoteView | None) -> dict | None:
    if view is None:
        return None
    return {"state": view.state, "quoted_status_id": str(view.quoted_id) if view.quoted_id else None}


def with_viewer(
    base: dict, facts: StatusFacts, viewer: Account | None, state: ViewerState, filters: FilterSet
) -> dict:
    """The status as `viewer` sees it: a copy of `base` with their own state and filter results."""
    data = dict(base)
    if viewer is None:
        return data
    original = dict(base["reblog"]) if facts.reblog_of_id is not None else data
    post_id = facts.original_id
    original["favourited"] = post_id in state.favourited
    original["reblogged"] = post_id in state.reblogged
    original["muted"] = facts.thread_root_id in state.muted_threads
    original["bookmarked"] = post_id in state.bookmarked
    if facts.original_account_id == viewer.id:
        original["pinned"] = post_id in state.pinned
    if facts.has_poll and original.get("poll"):
        own = sorted(state.poll_votes.get(post_id) or [])
        original["poll"] = {**original["poll"], "voted": bool(own), "own_votes": own}
    original["filtered"] = filters.results(post_id, facts.text) if filters.filters else []
    if facts.reblog_of_id is not None:
        data["reblog"] = original
        for name in ("favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"):
            if name in original:
                data[name] = original[name]
    return data


def is_hidden_by_filter(data: dict) -> bool:
    return any(r["filter"]["filter_action"] == "hide" for r in data.get("filtered") or ())


def page_reads(viewer: Account | None, page: list, context: str | None, *, cards: bool = True) -> ReadAhead:
    """What rendering a page of loaded posts (or their StatusFacts, in order) for `viewer` reads next, read
    together: their cards (unless `cards` is false), the viewer's state, the viewer's filters, their quotes and
    quote counts. One round trip on PostgreSQL where these were five or six."""
    original_ids = [
        item.original_id if isinstance(item, StatusFacts) else (item.reblog_of_id or item.id) for item in page
    ]
    without_cards = _without_cards([p.reblog_of if p.reblog_of_id else p for p in page]) if cards else []
    return ReadAhead(
        *cards_reads(without_cards),
        viewer_state_read(viewer, page),
        filters_read(viewer) if context is not None else None,
        quote_views_read(original_ids),
        quote_counts_read(original_ids),
    )


class StatusRenderer:
    """Renders a page of posts for one viewer with a fixed number of queries."""

    def __init__(self, viewer: Account | None, posts: Iterable[Post], context: str | None = None) -> None:
        posts = list(posts)
        self._ahead = page_reads(viewer, posts, context)
        with self._ahead:
            attach_cards(posts)
            self.state = viewer_state(viewer, posts)
            self.filters = FilterSet(viewer, context)
        self.viewer = viewer
        self._posts = posts
        self._rendered: dict[int, dict] | None = None
        self._accounts: dict[int, dict] = {}

    def account(self, a: Account) -> dict:
        data = self._accounts.get(a.id)
        if data is None:
            data = self._accounts[a.id] = account(a)
        return data

    def render(self, post: Post) -> dict:
        """One of the renderer's posts (all of them are rendered together on the first call, so their quotes
        cost a fixed number of queries), or another post on its own."""
        if self._rendered is None:
            self._rendered = dict(
                zip((p.id for p in self._posts), self._render_batch(self._posts), strict=True)
            )
        data = self._rendered.get(post.id)
        return dict(data) if data is not None else self._render_batch([post])[0]

    def _render_batch(self, posts: list[Post]) -> list[dict]:
        items = []
        for post in posts:
            facts = status_facts(post, text=bool(self.filters.filters))
            items.append(
                (
                    with_viewer(
                        status_base(post, self.account), facts, self.viewer, self.state, self.filters
                    ),
                    facts,
                )
            )
        with self._ahead:
            add_quotes(items, self.viewer, self.filters)
        return [data for data, _ in items]

    def render_all(self, posts: Iterable[Post]) -> list[dict]:
        """Render, dropping posts that a `hide` filter matches. Part of the renderer's posts (a thread's
        ancestors, then its descendants) comes from all of them rendered together."""
        posts = list(posts)
        rendered = (
            self._render_batch(posts) if posts == self._posts else [self.render(post) for post in posts]
        )
        return [data for data in rendered if not is_hidden_by_filter(data)]


def status(post: Post, viewer: Account | None, context: str | None = None) -> dict:
    return StatusRenderer(viewer, [post], context).render(post)


def statuses(posts: list[Post], viewer: Account | None, context: str | None = None) -> list[dict]:
    return StatusRenderer(viewer, posts, context).render_all(posts)


# Mastodon's AccountWarning `action` for each kind of moderation action.
WARNING_ACTIONS = {
    ActionKind.WARN: "none",
    ActionKind.SENSITIVE: "sensitive",
    ActionKind.DELETE_POSTS: "delete_statuses",
    ActionKind.LIMIT: "silence",
    ActionKind.SUSPEND: "suspend",
}


def appeal(found: Appeal | None) -> dict | None:
    """Mastodon's Appeal: the person's text and the state (pending, approved, rejected)."""
    return None if found is None else {"text": found.text, "state": found.state}


def account_warning(action: ModerationAction, target: dict) -> dict:
    """Mastodon's AccountWarning: what was done to the account, the reason written for the person, the posts
    concerned, and the person's appeal if they made one (load actions with `select_related("appeal")`)."""
    try:
        made = action.appeal
    except Appeal.DoesNotExist:
        made = None
    return {
        "id": str(action.id),
        "action": WARNING_ACTIONS[action.kind],
        "text": action.reason,
        "status_ids": [str(i) for i in action.post_ids],
        "target_account": target,
        "appeal": appeal(made),
        "created_at": iso(action.created_at),
    }


def notifications(items: list[Notification], viewer: Account) -> list[dict]:
    posts = {p.id: p for p in load_posts([n.post_id for n in items if n.post_id])}
    renderer = StatusRenderer(viewer, posts.values(), "notifications")
    warned = [n.moderation_action_id for n in items if n.moderation_action_id]
    actions = (
        {a.id: a for a in ModerationAction.objects.filter(pk__in=warned).select_related("appeal")}
        if warned
        else {}
    )
    pact_ids = [n.subject_id for n in items if n.type == "caravan.pact"]
    pacts = {p.id: p for p in Pact.objects.filter(pk__in=pact_ids)} if pact_ids else {}
    out = []
    for n in items:
        if n.type not in API_NOTIFICATION_TYPES:
            continue  # our own kinds (news of an appeal) would break clients: the web pages show them
        data = {
            "id": str(n.id),
            "type": n.type,
            "group_key": n.group_key or f"ungrouped-{n.id}",
            "created_at": iso(n.created_at),
            "account": renderer.account(n.from_account),
        }
        if n.type in STATUS_NOTIFICATION_TYPES:
            post = posts.get(n.post_id)
            if post is None:
                continue
            data["status"] = renderer.render(post)
        if n.type == "caravan.campaign":  # campaigns: which campaign, and what happened (target_met, ...)
            data["caravan_campaign"] = {"id": str(n.subject_id), "event": n.detail}
        if n.type == "moderation_warning":
            action = actions.get(n.moderation_action_id)
            if action is None:
                continue
            data["moderation_warning"] = account_warning(action, data["account"])
        if n.type == "caravan.pact":
            pact = pacts.get(n.subject_id)
            if pact is None:
                continue
            data["caravan_pact"] = {"id": str(pact.id), "detail": n.detail, "state": pact.state}
            data["caravan_pact"] |= {"committed_count": pact.committed_count, "threshold": pact.threshold}
        out.append(data)
    return out


def accounts_by_id(ids: Iterable[int]) -> list[Account]:
    """The accounts a notification page names, by plain reads by key (order not kept)."""
    return list(load_accounts(ids).values())


def partial_account(a: Account) -> dict:
    """Mastodon's PartialAccountWithAvatar: what a grouped notification needs to draw an avatar."""
    avatar = _image_url(a, "avatar", a.avatar_remote_url, DEFAULT_AVATAR)
    return {
        "id": str(a.id),
        "acct": a.acct,
        "locked": a.locked,
        "bot": a.bot,
        "url": http_url(a.url) or a.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": "",
    }


def notification_policy(policy: NotificationPolicy, summary: dict[str, int]) -> dict:
    return {name: getattr(policy, name) for name in NotificationPolicy.FIELDS} | {"summary": summary}


def notification_requests(found: list[NotificationRequest], viewer: Account) -> list[dict]:
    """NotificationRequest entities; `last_status` is null when the viewer can no longer read that post."""
    posts = {p.id: p for p in load_posts([r.last_post_id for r in found if r.last_post_id])}
    renderer = StatusRenderer(viewer, posts.values(), "notifications")
    out = []
    for r in found:
        post = posts.get(r.last_post_id)
        out.append(
            {
                "id": str(r.id),
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "notifications_count": str(r.notifications_count),
                "account": renderer.account(r.from_account),
                "last_status": renderer.render(post) if post is not None and can_read(post, viewer) else None,
            }
        )
    return out


def v1_filter(f: Filter, keyword) -> dict:
    """A v1 filter: one keyword of a v2 filter, as Mastodon shows v2 filters to v1 clients."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": f.context,
        "whole_word": keyword.whole_word,
        "expires_at": iso(f.expires_at),
        "irreversible": f.filter_action == "hide",
    }


def relationships(viewer: Account, targets: list[Account]) -> list[dict]:
    """Relationship entities for many accounts in a fixed number of queries."""
    ids = [t.id for t in targets]
    following = {
        f.target_account_id: f for f in Follow.objects.filter(account=viewer, target_account_id__in=ids)
    }
    followed_by = set(
        Follow.objects.filter(target_account=viewer, account_id__in=ids).values_list("account_id", flat=True)
    )
    requested = set(
        FollowRequest.objects.filter(account=viewer, target_account_id__in=ids).values_list(
            "target_account_id", flat=True
        )
    )
    requested_by = set(
        FollowRequest.objects.filter(target_account=viewer, account_id__in=ids).values_list(
            "account_id", flat=True
        )
    )
    blocking = set(
        Block.objects.filter(account=viewer, target_account_id__in=ids).values_list(
            "target_account_id", flat=True
        )
    )
    blocked_by = set(
        Block.objects.filter(target_account=viewer, account_id__in=ids).values_list("account_id", flat=True)
    )
    mutes = {m.target_account_id: m for m in Mute.objects.filter(account=viewer, target_account_id__in=ids)}
    notes = dict(
        AccountNote.objects.filter(account=viewer, target_account_id__in=ids).values_list(
            "target_account_id", "comment"
        )
    )
    domains = set(DomainBlock.objects.filter(account=viewer).values_list("domain", flat=True))
    endorsed = set(
        Endorsement.objects.filter(account=viewer, target_account_id__in=ids).values_list(
            "target_account_id", flat=True
        )
    )
    out = []
    for t in targets:
        follow = following.get(t.id)
        mute = mutes.get(t.id)
        out.append(
            {
                "id": str(t.id),
                "following": follow is not None,
                "showing_reblogs": follow.show_reblogs if follow else False,
                "notifying": follow.notify if follow else False,
                "languages": follow.languages if follow else None,
                "followed_by": t.id in followed_by,
                "blocking": t.id in blocking,
                "blocked_by": t.id in blocked_by,
                "muting": mute is not None,
                "muting_notifications": bool(mute and mute.hide_notifications),
                "muting_expires_at": iso(mute.expires_at) if mute else None,
                "requested": t.id in requested,
                "requested_by": t.id in requested_by,
                "domain_blocking": bool(t.domain and t.domain in domains),
                "endorsed": t.id in endorsed,
                "note": notes.get(t.id, ""),
            }
        )
    return out


def list_entity(lst) -> dict:
    return {
        "id": str(lst.id),
        "title": lst.title,
        "replies_policy": lst.replies_policy,
        "exclusive": lst.exclusive,
    }


def rule(r) -> dict:
    return {"id": str(r.id), "text": r.text, "hint": r.hint}


def marker(m) -> dict:
    return {"last_read_id": str(m.last_read_id), "version": m.version, "updated_at": iso(m.updated_at)}


def report(r, target: Account) -> dict:
    return {
        "id": str(r.id),
        "action_taken": r.action_taken,
        "action_taken_at": None,
        "category": r.category,
        "comment": r.comment,
        "forwarded": r.forward and not target.is_local,
        "created_at": iso(r.created_at),
        "status_ids": [str(i) for i in r.post_ids] or None,
        "rule_ids": [str(i) for i in r.rule_ids] or None,
        "target_account": account(target),
    }


def application(app, website: str = "", scopes: str = "read") -> dict:
    redirect_uris = app.redirect_uris.split()
    return {
        "id": str(app.id),
        "name": app.name,
        "website": website_link(website),  # http(s) only: apps show it as a link
        "scopes": scopes.split(),
        "redirect_uri": "\n".join(redirect_uris),
        "redirect_uris": redirect_uris,
        "vapid_key": vapid.public_key(),
    }


def push_subscription(s: PushSubscription) -> dict:
    """Mastodon's WebPushSubscription (with its `policy`, which Mastodon shows though its schema omits it)."""
    return {
        "id": str(s.id),
        "endpoint": s.endpoint,
        "standard": s.standard,
        "alerts": {kind: bool(s.alerts.get(kind, False)) for kind in ALERT_TYPES},
        "policy": s.policy,
        "server_key": vapid.public_key(),
    }
