"""What a page needs to show a post or an account: the post, its original if it is a boost, the viewer's own
state (favourited, boosted, bookmarked, voted) and poll results, gathered in a fixed number of queries.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from caravan.accounts.models import Account
from caravan.posts.models import Post
from caravan.posts.selectors import ViewerState, viewer_state


def avatar_url(account: Account) -> str:
    if account.avatar:
        return account.avatar.url
    return account.avatar_remote_url or static("caravan/avatar.svg")


def header_url(account: Account) -> str:
    if account.header:
        return account.header.url
    return account.header_remote_url


def post_path(post: Post) -> str:
    """Where this server shows a post: /@user/<id> for local authors, /@user@domain/<id> for remote ones."""
    return f"/@{post.account.acct}/{post.id}"


EMOJI_CODE = re.compile(r":[A-Za-z0-9_]{1,64}:")


def local_links(html: str, emojis: list[dict] | None = None) -> SafeString:
    """Stored HTML links mentions and tags by BASE_URL; relative links work on whatever host serves us. A remote
    post's custom emoji (:shortcode:) become small images, their URLs escaped."""
    html = html.replace(f'href="{settings.BASE_URL}/', 'href="/')
    if emojis:
        images = {
            f":{e['shortcode']}:": (
                f'<img class="emoji" src="{escape(e["url"])}" alt=":{escape(e["shortcode"])}:" '
                'width="20" height="20" loading="lazy">'
            )
            for e in emojis
        }
        # Only in text between tags, never inside a tag's attributes.
        parts = re.split(r"(<[^>]*>)", html)
        for index, part in enumerate(parts):
            if not part.startswith("<"):
                parts[index] = EMOJI_CODE.sub(lambda m: images.get(m.group(0), m.group(0)), part)
        html = "".join(parts)
    return mark_safe(html)  # noqa: S308 - rendered or sanitized; emoji parts escaped above


@dataclass
class PollOption:
    title: str
    votes: int
    percent: int
    chosen: bool


@dataclass
class PollCard:
    id: int
    multiple: bool
    expired: bool
    voted: bool
    can_vote: bool
    voters: int
    options: list[PollOption] = field(default_factory=list)
    expires_at: object = None


@dataclass
class PostCard:
    post: Post  # the original, when `boosted_by` is set
    boosted_by: Account | None
    boost_id: int | None
    path: str
    content: SafeString
    media: list
    poll: PollCard | None
    favourited: bool
    reblogged: bool
    bookmarked: bool
    pinned: bool
    own: bool
    can_boost: bool

    @property
    def id(self) -> int:
        return self.post.id


def _poll_card(post: Post, state: ViewerState, viewer: Account | None) -> PollCard | None:
    poll = getattr(post, "poll", None)
    if poll is None:
        return None
    chosen = state.poll_votes.get(post.id, [])
    expired = bool(poll.expires_at and poll.expires_at <= timezone.now())
    # Multiple-choice polls count people, not votes, as the share's denominator (as Mastodon does).
    total = (poll.voters_count or poll.votes_count) if poll.multiple else poll.votes_count
    options = []
    for index, option in enumerate(poll.options):
        votes = int(option.get("votes_count") or 0)
        options.append(
            PollOption(
                option.get("title", ""), votes, round(100 * votes / total) if total else 0, index in chosen
            )
        )
    own = viewer is not None and viewer.id == post.account_id
    return PollCard(
        id=poll.id,
        multiple=poll.multiple,
        expired=expired,
        voted=bool(chosen),
        can_vote=viewer is not None and not own and not expired and not chosen,
        voters=poll.voters_count or poll.votes_count,
        options=options,
        expires_at=poll.expires_at,
    )


def post_cards(posts: list[Post], viewer: Account | None) -> list[PostCard]:
    """Cards for posts already filtered by visibility (selectors do that); never widens what is shown."""
    state = viewer_state(viewer, posts)
    cards = []
    for item in posts:
        original = item.reblog_of if item.reblog_of_id else item
        own = viewer is not None and original.account_id == viewer.id
        cards.append(
            PostCard(
                post=original,
                boosted_by=item.account if item.reblog_of_id else None,
                boost_id=item.id if item.reblog_of_id else None,
                path=post_path(original),
                content=local_links(original.content, original.emojis),
                media=list(original.media_attachments.all()),
                poll=_poll_card(original, state, viewer),
                favourited=original.id in state.favourited,
                reblogged=original.id in state.reblogged,
                bookmarked=original.id in state.bookmarked,
                pinned=original.id in state.pinned,
                own=own,
                can_boost=original.visibility in ("public", "unlisted"),
            )
        )
    return cards
