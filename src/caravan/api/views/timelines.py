"""Timelines (home, public, hashtag, list), bookmarks, favourites and direct conversations."""

from django.db.models import Q
from django.http import Http404, HttpRequest

from caravan.api import entities, status_cache
from caravan.api import services as api_services
from caravan.api.http import api, paginated, params, parse_id
from caravan.api.models import ConversationState
from caravan.pagination import Page, paginate
from caravan.posts.models import Post, Visibility
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.timelines.models import List
from caravan.timelines.selectors import (
    bookmarked_posts,
    favourited_posts,
    hidden_for,
    home_feed_ids,
    list_timeline,
    public_timeline,
    tag_timeline,
)


def _timeline(request: HttpRequest, posts: list[Post], context: str, ids: list[int] | None = None):
    data = entities.statuses(posts, request.viewer, context)
    return paginated(request, data, ids if ids is not None else [post.id for post in posts])


@api(scope="read:statuses")
def home(request: HttpRequest):
    # The hot path of every app: the feed's ids, then statuses from the short-lived cache (see status_cache).
    ids = home_feed_ids(request.viewer, Page.from_params(params(request)))
    data = status_cache.render_page(ids, request.viewer, "home", hidden_for(request.viewer))
    return paginated(request, data, ids)


@api(auth="optional", scope="read:statuses")
def public(request: HttpRequest):
    p = params(request)
    posts = public_timeline(
        request.viewer,
        Page.from_params(p),
        local=bool(p.bool("local", False)),
        remote=bool(p.bool("remote", False)),
        only_media=bool(p.bool("only_media", False)),
    )
    return _timeline(request, posts, "public")


@api(auth="optional", scope="read:statuses")
def tag(request: HttpRequest, hashtag: str):
    p = params(request)
    posts = tag_timeline(
        request.viewer,
        hashtag,
        Page.from_params(p),
        local=bool(p.bool("local", False)),
        only_media=bool(p.bool("only_media", False)),
        any_tags=p.strs("any"),
        all_tags=p.strs("all"),
        none_tags=p.strs("none"),
    )
    return _timeline(request, posts, "public")


@api(scope="read:lists")
def list_(request: HttpRequest, list_id: str):
    lst = List.objects.filter(pk=parse_id(list_id), owner=request.viewer).first()
    if lst is None:
        raise Http404
    posts = list_timeline(request.viewer, lst, Page.from_params(params(request)))
    return _timeline(request, posts, "home")


@api(scope="read:bookmarks")
def bookmarks(request: HttpRequest):
    posts, ids = bookmarked_posts(request.viewer, Page.from_params(params(request)))
    return _timeline(request, posts, None, ids)


@api(scope="read:favourites")
def favourites(request: HttpRequest):
    posts, ids = favourited_posts(request.viewer, Page.from_params(params(request)))
    return _timeline(request, posts, None, ids)


def _direct_posts(viewer):
    mine = Q(account=viewer) | Q(mentions__account=viewer)
    return visible_posts(
        viewer, Post.objects.filter(visibility=Visibility.DIRECT, reblog_of__isnull=True).filter(mine)
    ).distinct()


@api(scope="read:statuses")
def direct(request: HttpRequest):
    """`GET /api/v1/timelines/direct` (deprecated by Mastodon, still routed): the viewer's direct posts and those
    addressed to them, newest first; `visible_posts` keeps out any the viewer may not read."""
    page = Page.from_params(params(request), max_limit=40)
    found = paginate(_direct_posts(request.viewer), page, key="id")
    return _timeline(request, load_posts([post.id for post in found]), None)


def _conversation(viewer, root_id: int, last: Post, state: ConversationState | None) -> dict:
    participants = {last.account_id: last.account}
    for mention in last.shown_mentions:
        participants[mention.account_id] = mention.account
    participants.pop(viewer.id, None)
    unread = last.account_id != viewer.id and (state is None or last.id > state.last_read_id)
    return {
        "id": str(root_id),
        "unread": unread,
        "accounts": [entities.account(a) for a in participants.values()] or [entities.account(viewer)],
        "last_status": entities.status(last, viewer),
    }


@api(scope="read:statuses")
def conversations(request: HttpRequest):
    """Direct conversations, one per thread, newest activity first."""
    page = Page.from_params(params(request))
    viewer = request.viewer
    queryset = _direct_posts(viewer)
    if page.max_id is not None:
        queryset = queryset.filter(id__lt=page.max_id)
    if page.min_id is not None or page.since_id is not None:
        queryset = queryset.filter(id__gt=page.min_id or page.since_id)
    states = {s.thread_root_id: s for s in ConversationState.objects.filter(account=viewer)}
    latest: dict[int, int] = {}
    for post_id, root_id in queryset.order_by("-id").values_list("id", "thread_root_id")[:2000]:
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
    data = [
        _conversation(viewer, root, posts[post_id], states.get(root))
        for root, post_id in chosen
        if post_id in posts
    ]
    return paginated(request, data, [post_id for _, post_id in chosen])


def _conversation_root(viewer, conversation_id: str) -> tuple[int, Post]:
    root = parse_id(conversation_id)
    last = _direct_posts(viewer).filter(Q(thread_root_id=root) | Q(pk=root)).order_by("-id").first()
    if last is None:
        raise Http404
    return root, last


@api(scope="write:conversations")
def read_conversation(request: HttpRequest, conversation_id: str):
    root, last = _conversation_root(request.viewer, conversation_id)
    state = api_services.mark_conversation(request.viewer, root, read_up_to=last.id)
    return _conversation(request.viewer, root, load_posts([last.id])[0], state)


@api(scope="write:conversations")
def delete_conversation(request: HttpRequest, conversation_id: str):
    root, last = _conversation_root(request.viewer, conversation_id)
    api_services.mark_conversation(request.viewer, root, hide_up_to=last.id)
    return {}
