"""The search page: accounts, hashtags and posts, through the search selectors (which apply visibility)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caravan.posts.selectors import load_posts
from caravan.search import selectors as search
from caravan.web.cards import avatar_url, post_cards
from caravan.web.shortcuts import handles_domain_errors


@handles_domain_errors
def search_page(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    viewer = request.user.account if request.user.is_authenticated else None
    accounts, tags, cards = [], [], []
    if query:
        # Signed-in readers may find accounts and posts on other servers by handle or link.
        exact_accounts, exact_posts = search.find_exact(query, viewer, remote=viewer is not None)
        found = search.search_accounts(query, limit=10, viewer=viewer)
        accounts = [
            (a, avatar_url(a)) for a in exact_accounts + [a for a in found if a not in exact_accounts]
        ]
        tags = search.search_tags(query, limit=10) if query.lstrip("#") else []
        posts = exact_posts or search.search_posts(viewer, query, limit=20)
        cards = post_cards(load_posts([p.id for p in posts]), viewer)
    return render(
        request, "caravan/search.html", {"query": query, "accounts": accounts, "tags": tags, "cards": cards}
    )
