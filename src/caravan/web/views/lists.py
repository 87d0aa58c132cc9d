"""Lists: `/lists` (make one, see them all), `/lists/<id>` (its timeline, rename it, its replies policy and
whether it is exclusive), `/lists/<id>/members` (add people one follows, remove them) and deleting a list after
a confirmation. Changes go through `timelines.services`, as the API's do."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.ids import id_from_text
from caravan.pagination import Page
from caravan.social import selectors as social_selectors
from caravan.timelines import selectors as timelines
from caravan.timelines import services as feeds
from caravan.timelines.models import List
from caravan.web.cards import avatar_url, post_cards
from caravan.web.shortcuts import member_view, page_links

REPLIES_POLICIES = (
    ("list", gettext_lazy("Replies to members of the list")),
    ("followed", gettext_lazy("Replies to anyone you follow")),
    ("none", gettext_lazy("No replies")),
)
SEARCH_SHOWN = 20


def _own(request: HttpRequest, list_id: int) -> List:
    found = timelines.own_list(request.user.account, id_from_text(list_id) or 0)
    if found is None:
        raise Http404
    return found


def _fields(request: HttpRequest) -> dict:
    return {
        "title": request.POST.get("title", "")[:1000],
        "replies_policy": request.POST.get("replies_policy", "list")[:20],
        "exclusive": request.POST.get("exclusive") == "on",
    }


@member_view
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.user.account
    error = None
    if request.method == "POST":
        fields = _fields(request)
        try:
            created = feeds.create_list(viewer, fields.pop("title"), **fields)
        except DomainError as failure:
            error = failure
        else:
            return redirect(f"/lists/{created.id}/members")
    return render(
        request,
        "caravan/lists/index.html",
        {
            "lists": timelines.lists_of(viewer),
            "policies": REPLIES_POLICIES,
            "errors": [error.message] if error else [],
            "typed": request.POST if error else {},
        },
        status=error.status if error else 200,
    )


def _list_page(request: HttpRequest, lst: List, *, error: DomainError | None = None) -> HttpResponse:
    viewer = request.user.account
    page = Page.from_params(request.GET)
    posts = timelines.list_timeline(viewer, lst, page)
    return render(
        request,
        "caravan/lists/list.html",
        {
            "list": lst,
            "cards": post_cards(posts, viewer, context="home"),
            "pager": page_links(request, [p.id for p in posts], page),
            "policies": REPLIES_POLICIES,
            "errors": [error.message] if error else [],
        },
        status=error.status if error else 200,
    )


@member_view
def detail(request: HttpRequest, list_id: int) -> HttpResponse:
    return _list_page(request, _own(request, list_id))


@member_view
@require_POST
def edit(request: HttpRequest, list_id: int) -> HttpResponse:
    lst = _own(request, list_id)
    try:
        feeds.update_list(lst, **_fields(request))
    except DomainError as error:
        lst.refresh_from_db()
        return _list_page(request, lst, error=error)
    return redirect(f"/lists/{lst.id}")


@member_view
def delete(request: HttpRequest, list_id: int) -> HttpResponse:
    """GET asks to confirm (this works without JavaScript); POST deletes."""
    lst = _own(request, list_id)
    if request.method == "POST":
        feeds.delete_list(lst)
        return redirect("/lists")
    return render(request, "caravan/lists/delete.html", {"list": lst})


def _members_page(request: HttpRequest, lst: List, *, error: DomainError | None = None) -> HttpResponse:
    viewer = request.user.account
    members = timelines.list_members(lst)
    query = request.GET.get("q", "")[:200]
    member_ids = {m.id for m in members}
    found = social_selectors.followed_among(viewer, query, SEARCH_SHOWN) if query or not members else []
    return render(
        request,
        "caravan/lists/members.html",
        {
            "list": lst,
            "members": [(m, avatar_url(m)) for m in members],
            "query": query,
            "searched": bool(query),
            "found": [(a, avatar_url(a), a.id in member_ids) for a in found],
            "errors": [error.message] if error else [],
        },
        status=error.status if error else 200,
    )


@member_view
def members(request: HttpRequest, list_id: int) -> HttpResponse:
    return _members_page(request, _own(request, list_id))


@member_view
@require_POST
def change_members(request: HttpRequest, list_id: int, action: str) -> HttpResponse:
    lst = _own(request, list_id)
    if action not in ("add", "remove"):
        raise Http404
    account = Account.objects.filter(pk=id_from_text(request.POST.get("account_id")) or 0).first()
    if account is None:
        raise Http404
    try:
        if action == "add":
            feeds.add_to_list(lst, [account])
        else:
            feeds.remove_from_list(lst, [account])
    except DomainError as error:
        return _members_page(request, lst, error=error)
    query = request.POST.get("q", "")[:200]
    return redirect(f"/lists/{lst.id}/members" + (f"?{urlencode({'q': query})}" if query else ""))
