"""What one chose not to see, and what one follows beyond people: `/mutes`, `/blocks` (accounts and whole
servers) and `/followed_tags`, each with its undo button. Undoing goes through the same services as the profile's
buttons and the API (`social.services`, `timelines.services`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caravan.errors import DomainError
from caravan.pagination import Page
from caravan.social import selectors as social_selectors
from caravan.social import services as social
from caravan.timelines import selectors as timelines
from caravan.timelines import services as feeds
from caravan.web.cards import avatar_url
from caravan.web.shortcuts import member_view, page_links


@member_view
def mutes(request: HttpRequest) -> HttpResponse:
    page = Page.from_params(request.GET, default_limit=40)
    rows = social_selectors.mutes_of(request.user.account, page)
    return render(
        request,
        "caravan/hidden/mutes.html",
        {
            "rows": [(row, avatar_url(row.target_account)) for row in rows],
            "pager": page_links(request, [row.id for row in rows], page),
        },
    )


def _blocks_page(request: HttpRequest, error: DomainError | None = None) -> HttpResponse:
    viewer = request.user.account
    page = Page.from_params(request.GET, default_limit=40)
    rows = social_selectors.blocks_of(viewer, page)
    first_page = page.max_id is None and page.min_id is None
    return render(
        request,
        "caravan/hidden/blocks.html",
        {
            "rows": [(row, avatar_url(row.target_account)) for row in rows],
            "domains": social_selectors.domain_blocks_of(viewer, Page(limit=200)) if first_page else [],
            "pager": page_links(request, [row.id for row in rows], page),
            "errors": [error.message] if error else [],
            "typed_domain": request.POST.get("domain", "")[:300] if error else "",
        },
        status=error.status if error else 200,
    )


@member_view
def blocks(request: HttpRequest) -> HttpResponse:
    return _blocks_page(request)


@member_view
@require_POST
def block_domain(request: HttpRequest) -> HttpResponse:
    try:
        social.block_domain(request.user.account, request.POST.get("domain", "")[:300])
    except DomainError as error:
        return _blocks_page(request, error)
    return redirect("/blocks")


@member_view
@require_POST
def unblock_domain(request: HttpRequest) -> HttpResponse:
    try:
        social.unblock_domain(request.user.account, request.POST.get("domain", "")[:300])
    except DomainError as error:
        return _blocks_page(request, error)
    return redirect("/blocks")


@member_view
def followed_tags(request: HttpRequest) -> HttpResponse:
    page = Page.from_params(request.GET, default_limit=100)
    rows = timelines.followed_tags_of(request.user.account, page)
    return render(
        request,
        "caravan/hidden/followed_tags.html",
        {"rows": rows, "pager": page_links(request, [row.id for row in rows], page)},
    )


@member_view
@require_POST
def unfollow_tag(request: HttpRequest, name: str) -> HttpResponse:
    tag = timelines.find_tag(name)
    if tag is not None:
        feeds.unfollow_tag(request.user.account, tag)
    return redirect("/followed_tags")
