"""Search v2: accounts, hashtags and statuses, each through the search selectors (which ask
posts.visibility)."""

from django.http import HttpRequest

from caravan import error_codes
from caravan.api import entities
from caravan.api.http import api, params, parse_id
from caravan.errors import DomainError
from caravan.posts.models import FollowedTag
from caravan.posts.selectors import load_posts
from caravan.search.selectors import find_exact, search_accounts, search_posts, search_tags


@api(auth="optional", scope="read:search")
def search_v2(request: HttpRequest):
    p = params(request)
    query = (p.str("q") or "").strip()
    if not query:
        raise DomainError(error_codes.QUERY_REQUIRED, field="q")
    kind = p.str("type")
    limit = max(1, min(p.int("limit", 20) or 20, 40))
    offset = p.int("offset", 0, minimum=0) or 0
    viewer = request.viewer
    if offset and viewer is None:
        raise DomainError(error_codes.SEARCH_OFFSET_NEEDS_TOKEN)
    account_id = p.str("account_id")
    # Fetching from other servers is for signed-in users only, as on Mastodon.
    resolve = bool(p.bool("resolve", False)) and viewer is not None
    wants_exact = not offset and kind in (None, "accounts", "statuses")
    exact_accounts, exact_posts = find_exact(query, viewer, remote=resolve) if wants_exact else ([], [])
    result: dict = {"accounts": [], "statuses": [], "hashtags": []}
    if kind in (None, "accounts"):
        found = search_accounts(
            query,
            limit=limit,
            offset=offset,
            viewer=viewer,
            following_only=bool(p.bool("following", False)) and viewer is not None,
        )
        found = exact_accounts + [a for a in found if a not in exact_accounts]
        result["accounts"] = [entities.account(a) for a in found[:limit]]
    if kind in (None, "hashtags"):
        tags = search_tags(query, limit=limit, offset=offset)
        followed = set()
        if viewer is not None:
            followed = set(
                FollowedTag.objects.filter(account=viewer, tag__in=tags).values_list("tag_id", flat=True)
            )
        result["hashtags"] = [entities.tag(t, t.id in followed if viewer else None) for t in tags]
    if kind in (None, "statuses"):
        if query.startswith(("http://", "https://")):
            # A post found by its link, loaded for display here (search_posts' answers come loaded already).
            found_posts = load_posts([post.id for post in exact_posts])
        else:
            found_posts = search_posts(
                viewer,
                query,
                limit=limit,
                offset=offset,
                account_id=parse_id(account_id) or None,
            )
        result["statuses"] = entities.statuses(found_posts, viewer)
    return result
