"""Links people share: trending links (`/api/v1/trends/links`) and the public posts that share one
(`/api/v1/timelines/link`, Mastodon 4.3)."""

from django.http import HttpRequest

from caravan import error_codes
from caravan.api import entities
from caravan.api.http import api, paginated, params
from caravan.errors import DomainError
from caravan.pagination import Page
from caravan.previews.selectors import link_timeline as posts_sharing
from caravan.previews.selectors import trending_card
from caravan.previews.selectors import trending_links as trending


@api(auth="optional")
def trending_links(request: HttpRequest):
    """Mastodon's Trends::Link: the PreviewCard with its history of the last seven days."""
    p = params(request)
    limit = p.int("limit", 10, minimum=1, maximum=20)
    offset = p.int("offset", 0, minimum=0, maximum=1000)
    return [{**entities.preview_card(item.card), "history": item.history} for item in trending(limit, offset)]


@api(auth="optional", scope="read:statuses")
def link_timeline(request: HttpRequest):
    """Public posts sharing a link that is trending now; 404 for any other link, as Mastodon."""
    p = params(request)
    url = p.str("url")
    if not url:
        raise DomainError(error_codes.LINK_URL_REQUIRED, field="url")
    card = trending_card(url)
    if card is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    posts = posts_sharing(request.viewer, card, Page.from_params(p))
    data = entities.statuses(posts, request.viewer, "public")
    return paginated(request, data, [post.id for post in posts])
