"""Discovery in the client API: trending hashtags and posts, follow suggestions (and dismissing one), the profile
directory, and oEmbed for this server's public posts. The rankings come from `caravan.discovery`; each reader
sees only what the visibility rule lets them read, without the accounts they block or mute."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.html import escape

from caravan.api import entities
from caravan.api.http import account_or_404, api, offset_paginated, params
from caravan.discovery import profile_directory, trends
from caravan.discovery.suggestions import follow_suggestions
from caravan.posts.models import Post
from caravan.posts.visibility import PUBLIC_VISIBILITIES, can_read
from caravan.social import services as social

MAX_OFFSET = 1_000_000  # further than any list here reaches; keeps the database's OFFSET small


def _page(request: HttpRequest, default: int, maximum: int) -> tuple[int, int]:
    """(offset, limit) as Mastodon reads them: a limit out of range is brought into it, not refused."""
    p = params(request)
    limit = p.int("limit", default) or default
    offset = p.int("offset", 0, minimum=0) or 0
    return min(offset, MAX_OFFSET), max(1, min(limit, maximum))


@api(auth="optional")
def trending_tags(request: HttpRequest):
    """`GET /api/v1/trends/tags` (and `/api/v1/trends`): hashtags with their week of history."""
    offset, limit = _page(request, 10, 20)
    found = trends.trending_tags(offset, limit)
    data = [entities.tag(item.tag, history=item.history) for item in found]
    return offset_paginated(request, data, offset, limit)


@api(auth="optional")
def trending_statuses(request: HttpRequest):
    """`GET /api/v1/trends/statuses`: posts people boost and favourite now, as this reader may see them."""
    offset, limit = _page(request, 20, 40)
    viewer = request.viewer
    posts = trends.trending_posts_for(viewer, offset, limit)
    return offset_paginated(request, entities.statuses(posts, viewer), offset, limit)


@api(scope="read:accounts")
def suggestions(request: HttpRequest):
    """v1: accounts; v2: Mastodon's Suggestion (`sources`, and the older single `source`)."""
    limit = max(1, min(params(request).int("limit", 40) or 40, 80))
    found = follow_suggestions(request.viewer, limit)
    if request.path.startswith("/api/v2/"):
        return [
            {
                "source": _legacy_source(item.sources),
                "sources": item.sources,
                "account": entities.account(item.account),
            }
            for item in found
        ]
    return [entities.account(item.account) for item in found]


def _legacy_source(sources: list[str]) -> str:
    """Mastodon's deprecated `source`: staff for featured, global for the popular ones, else past_interactions."""
    if "featured" in sources:
        return "staff"
    if sources and sources[0] in ("most_followed", "most_interactions"):
        return "global"
    return "past_interactions"


@api(scope="write:accounts")
def remove_suggestion(request: HttpRequest, account_id: str):
    """`DELETE /api/v1/suggestions/:account_id`: that account is never suggested again."""
    social.dismiss_suggestion(request.viewer, account_or_404(account_id))
    return {}


@api(auth="optional")
def directory(request: HttpRequest):
    """`GET /api/v1/directory`: `offset`, `limit` (40, at most 80), `order` (active or new), `local`."""
    offset, limit = _page(request, 40, 80)
    p = params(request)
    found = profile_directory.directory(
        request.viewer,
        offset=offset,
        limit=limit,
        order=p.str("order", "active") or "active",
        local=bool(p.bool("local", False)),
    )
    return offset_paginated(request, [entities.account(a) for a in found], offset, limit)


_POST_PATHS = (
    re.compile(r"^/@(?P<username>[A-Za-z0-9_]+)/(?P<post_id>[0-9]{1,19})/?$"),
    re.compile(r"^/users/(?P<username>[A-Za-z0-9_]+)/statuses/(?P<post_id>[0-9]{1,19})/?$"),
)
EMBED_WIDTH = 400


def embeddable_post(url: str) -> Post:
    """The local post a link names, if anyone may read it (public or unlisted); 404 for anything else."""
    parts = urlsplit(url.strip())
    ours = urlsplit(settings.BASE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != ours.netloc.lower():
        raise Http404
    for pattern in _POST_PATHS:
        matched = pattern.match(parts.path)
        if matched:
            break
    else:
        raise Http404
    post = (
        Post.objects.select_related("account", "reblog_of")
        .filter(pk=int(matched["post_id"]), local=True, reblog_of__isnull=True)
        .first()
    )
    if (
        post is None
        or post.account.username.lower() != matched["username"].lower()
        or post.visibility not in PUBLIC_VISIBILITIES
        or not can_read(post, None)
    ):
        raise Http404
    return post


@api(auth="none")
def oembed(request: HttpRequest):
    """`GET /api/oembed?url=`: Mastodon's oEmbed of a public post here, an iframe of its `/embed` page."""
    p = params(request)
    post = embeddable_post(p.str("url", "") or "")
    width = max(100, min(p.int("maxwidth", EMBED_WIDTH) or EMBED_WIDTH, 1000))
    embed_url = f"{post.url}/embed"
    author = post.account
    return {
        "type": "rich",
        "version": "1.0",
        "title": f"New status by {author.username}",
        "author_name": author.display_name or author.username,
        "author_url": author.url or f"{settings.BASE_URL}/@{author.username}",
        "provider_name": settings.DOMAIN,
        "provider_url": f"{settings.BASE_URL}/",
        "cache_age": 86400,
        "html": (
            f'<iframe src="{escape(embed_url)}" class="mastodon-embed" style="max-width: 100%; border: 0" '
            f'width="{width}" allowfullscreen="allowfullscreen" sandbox="allow-popups '
            f'allow-popups-to-escape-sandbox"></iframe>'
        ),
        "width": width,
        "height": None,
    }
