"""Timelines (home, public, hashtag, list), bookmarks, favourites and direct conversations."""

from django.http import Http404, HttpRequest

from caravan.api import entities, status_cache
from caravan.api.http import api, paginated, params, parse_id
from caravan.pagination import Page, paginate
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.timelines.conversations import (
    Conversation,
    conversation,
    direct_posts,
    last_in_conversation,
    mark_conversation,
)
from caravan.timelines.conversations import conversations as direct_conversations
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


@api(scope="read:statuses")
def direct(request: HttpRequest):
    """`GET /api/v1/timelines/direct` (deprecated by Mastodon, still routed): the viewer's direct posts and those
    addressed to them, newest first; `visible_posts` keeps out any the viewer may not read."""
    page = Page.from_params(params(request), max_limit=40)
    found = paginate(direct_posts(request.viewer), page, key="id")
    return _timeline(request, load_posts([post.id for post in found]), None)


def _conversation(viewer, found: Conversation) -> dict:
    return {
        "id": str(found.root_id),
        "unread": found.unread,
        "accounts": [entities.account(a) for a in found.participants] or [entities.account(viewer)],
        "last_status": entities.status(found.last, viewer),
    }


@api(scope="read:statuses")
def conversations(request: HttpRequest):
    """Direct conversations, one per thread, newest activity first."""
    found, ids = direct_conversations(request.viewer, Page.from_params(params(request)))
    return paginated(request, [_conversation(request.viewer, c) for c in found], ids)


def _conversation_root(viewer, conversation_id: str) -> tuple[int, Post]:
    root = parse_id(conversation_id)
    last = last_in_conversation(viewer, root)
    if last is None:
        raise Http404
    return root, last


@api(scope="write:conversations")
def read_conversation(request: HttpRequest, conversation_id: str):
    root, last = _conversation_root(request.viewer, conversation_id)
    mark_conversation(request.viewer, root, read_up_to=last.id)
    return _conversation(request.viewer, conversation(request.viewer, root))


@api(scope="write:conversations")
def delete_conversation(request: HttpRequest, conversation_id: str):
    root, last = _conversation_root(request.viewer, conversation_id)
    mark_conversation(request.viewer, root, hide_up_to=last.id)
    return {}
