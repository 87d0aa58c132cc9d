"""Finding people and what is going on: the profile directory and the explore page (trending posts, hashtags and
links). Both work for visitors; every post shown is read through the visibility rule, and each reader is spared
the accounts they block or mute."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import strip_tags
from django.utils.text import Truncator

from caravan.accounts.models import Account
from caravan.discovery import profile_directory, trends
from caravan.posts.models import Post
from caravan.previews.selectors import trending_links
from caravan.social.selectors import follow_states
from caravan.web.cards import avatar_url, link_view, post_cards
from caravan.web.shortcuts import handles_domain_errors

DIRECTORY_PAGE = 20
TRENDS_PAGE = 20
MAX_OFFSET = 1000  # further than any list here reaches (trends keep 100)
BIO_EXCERPT = 160
EXPLORE_TABS = ("posts", "tags", "links")


def _offset(request: HttpRequest) -> int:
    """The `offset` parameter, 0 when absent or not a small whole number (a hand-edited URL reads page one)."""
    text = request.GET.get("offset", "")
    return min(int(text), MAX_OFFSET) if text.isdigit() and len(text) < 8 else 0


def _viewer(request: HttpRequest) -> Account | None:
    return request.user.account if request.user.is_authenticated else None


def _bio_excerpt(account: Account) -> str:
    """The bio as plain text, cut short; the template escapes it."""
    text = strip_tags(account.note_html or account.note or "")
    return Truncator(" ".join(text.split())).chars(BIO_EXCERPT)


@handles_domain_errors
def directory(request: HttpRequest) -> HttpResponse:
    """`/directory`: discoverable accounts, `?scope=local|all`, `?order=active|new`, `?offset=`."""
    viewer = _viewer(request)
    local = request.GET.get("scope", "local") != "all"
    order = request.GET.get("order") if request.GET.get("order") in profile_directory.ORDERS else "active"
    offset = _offset(request)
    found = profile_directory.directory(
        viewer, offset=offset, limit=DIRECTORY_PAGE + 1, order=order, local=local
    )
    more, found = len(found) > DIRECTORY_PAGE, found[:DIRECTORY_PAGE]
    states = follow_states(viewer, [a.id for a in found])
    people = [
        {
            "account": account,
            "avatar": avatar_url(account),
            "bio": _bio_excerpt(account),
            "state": states.get(account.id, ""),
            "is_self": viewer is not None and viewer.id == account.id,
        }
        for account in found
    ]
    scope = "local" if local else "all"
    return render(
        request,
        "caravan/explore/directory.html",
        {
            "people": people,
            "scope": scope,
            "order": order,
            "older": f"?scope={scope}&order={order}&offset={offset + DIRECTORY_PAGE}" if more else "",
            "newer": f"?scope={scope}&order={order}&offset={max(0, offset - DIRECTORY_PAGE)}"
            if offset
            else "",
        },
    )


def _trending_posts(viewer: Account | None, offset: int) -> tuple[list[Post], bool]:
    """The trending posts this reader may read, best first: the ranking's ids through the visibility rule, less
    the authors and domains the reader blocks or mutes."""
    posts = trends.trending_posts_for(viewer, offset, TRENDS_PAGE + 1)
    more = len(posts) > TRENDS_PAGE
    posts = posts[:TRENDS_PAGE]
    return posts, more


@handles_domain_errors
def explore(request: HttpRequest, tab: str = "posts") -> HttpResponse:
    """`/explore` (trending posts), `/explore/tags`, `/explore/links`: what many people share now."""
    if tab not in EXPLORE_TABS:
        raise Http404
    viewer = _viewer(request)
    offset = _offset(request)
    context: dict = {"tab": tab, "enabled": trends.enabled(), "cards": [], "tags": [], "links": []}
    more = False
    if context["enabled"]:
        if tab == "posts":
            posts, more = _trending_posts(viewer, offset)
            context["cards"] = post_cards(posts, viewer)
        elif tab == "tags":
            found = trends.trending_tags(offset, TRENDS_PAGE + 1)
            more, found = len(found) > TRENDS_PAGE, found[:TRENDS_PAGE]
            context["tags"] = [
                {
                    "tag": item.tag,
                    "uses": sum(day.uses for day in item.history),
                }
                for item in found
            ]
        else:
            found = trending_links(limit=TRENDS_PAGE + 1, offset=offset)
            more, found = len(found) > TRENDS_PAGE, found[:TRENDS_PAGE]
            context["links"] = [
                {"view": view, "uses": sum(int(day["uses"]) for day in item.history)}
                for item in found
                if (view := link_view(item.card)) is not None
            ]
    context["older"] = f"?offset={offset + TRENDS_PAGE}" if more else ""
    context["newer"] = f"?offset={max(0, offset - TRENDS_PAGE)}" if offset else ""
    return render(request, "caravan/explore/explore.html", context)
