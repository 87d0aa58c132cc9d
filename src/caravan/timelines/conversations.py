"""Direct conversations: a viewer's direct posts grouped by thread, newest activity first, with a read mark and
"removed up to" mark per thread (`ConversationState`). The API's `/api/v1/conversations` and the web's
`/conversations` both read and mark them here, so they agree on what is unread and what is gone.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from caravan.accounts.models import Account
from caravan.pagination import Page
from caravan.posts.models import Post, Visibility
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.timelines.models import ConversationState

SCAN_LIMIT = 2000  # direct posts looked at for one page of conversations


@dataclass
class Conversation:
    root_id: int
    last: Post  # loaded with load_posts
    unread: bool
    participants: list[
        Account
    ]  # everyone in the last post but the viewer (empty when the viewer wrote alone)


def direct_posts(viewer: Account) -> QuerySet[Post]:
    """The viewer's direct posts and those addressed to them that they may read (boosts are never direct)."""
    mine = Q(account=viewer) | Q(mentions__account=viewer)
    return visible_posts(
        viewer, Post.objects.filter(visibility=Visibility.DIRECT, reblog_of__isnull=True).filter(mine)
    ).distinct()


def _conversation(viewer: Account, root_id: int, last: Post, state: ConversationState | None) -> Conversation:
    participants = {last.account_id: last.account}
    for mention in last.shown_mentions:
        participants[mention.account_id] = mention.account
    participants.pop(viewer.id, None)
    unread = last.account_id != viewer.id and (state is None or last.id > state.last_read_id)
    return Conversation(root_id, last, unread, list(participants.values()))


def conversations(viewer: Account, page: Page) -> tuple[list[Conversation], list[int]]:
    """One page of conversations, newest activity first, and the last post ids that page by."""
    queryset = direct_posts(viewer)
    if page.max_id is not None:
        queryset = queryset.filter(id__lt=page.max_id)
    if page.min_id is not None or page.since_id is not None:
        queryset = queryset.filter(id__gt=page.min_id or page.since_id)
    states = {s.thread_root_id: s for s in ConversationState.objects.filter(account=viewer)}
    latest: dict[int, int] = {}
    for post_id, root_id in queryset.order_by("-id").values_list("id", "thread_root_id")[:SCAN_LIMIT]:
        root = root_id or post_id
        if root in latest:
            continue
        state = states.get(root)
        if state is not None and post_id <= state.hidden_until_id:
            latest[root] = 0
            continue
        latest[root] = post_id
        if sum(1 for v in latest.values() if v) >= page.limit:
            break
    chosen = [(root, post_id) for root, post_id in latest.items() if post_id]
    posts = {post.id: post for post in load_posts([post_id for _, post_id in chosen])}
    found = [
        _conversation(viewer, root, posts[post_id], states.get(root))
        for root, post_id in chosen
        if post_id in posts
    ]
    return found, [post_id for _, post_id in chosen]


def conversation_posts(viewer: Account, root_id: int) -> QuerySet[Post]:
    """The direct posts of one conversation the viewer may read."""
    return direct_posts(viewer).filter(Q(thread_root_id=root_id) | Q(pk=root_id))


def last_in_conversation(viewer: Account, root_id: int) -> Post | None:
    return conversation_posts(viewer, root_id).order_by("-id").first()


def conversation(viewer: Account, root_id: int) -> Conversation | None:
    """One conversation as the list shows it, or None when the viewer has no direct post in it."""
    last = last_in_conversation(viewer, root_id)
    if last is None:
        return None
    state = ConversationState.objects.filter(account=viewer, thread_root_id=root_id).first()
    return _conversation(viewer, root_id, load_posts([last.id])[0], state)


def unread_count(viewer: Account) -> int:
    """How many of the viewer's latest conversations have a post from someone else they have not read."""
    found, _ = conversations(viewer, Page(limit=40))
    return sum(1 for c in found if c.unread)


def mark_conversation(
    account: Account, root_id: int, *, read_up_to: int | None = None, hide_up_to: int | None = None
) -> ConversationState:
    """Read a conversation up to a post, or remove it up to a post (which reads it too); marks only move on."""
    state, _ = ConversationState.objects.get_or_create(account=account, thread_root_id=root_id)
    if read_up_to is not None:
        state.last_read_id = max(state.last_read_id, read_up_to)
    if hide_up_to is not None:
        state.hidden_until_id = max(state.hidden_until_id, hide_up_to)
        state.last_read_id = max(state.last_read_id, hide_up_to)
    state.save()
    return state


def forget_deleted_account(account: Account, **_) -> None:
    if account.is_local:
        ConversationState.objects.filter(account=account).delete()
