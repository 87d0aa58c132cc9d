"""The reading pages: front page, about, home, local and federated timelines, hashtags."""

from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caravan.instance.models import Rule
from caravan.pagination import Page
from caravan.timelines import selectors as timelines
from caravan.timelines import services as feeds
from caravan.web.cards import post_cards
from caravan.web.shortcuts import handles_domain_errors, member_view, page_links


def timeline_page(
    request: HttpRequest, template: str, posts: list, page: Page, filter_context: str | None = None, **context
) -> HttpResponse:
    """A page of posts; the viewer's filters for `filter_context` warn about or leave out posts (the pager
    still pages by every post read, so hidden posts never stop paging)."""
    viewer = request.user.account if request.user.is_authenticated else None
    return render(
        request,
        template,
        {
            "cards": post_cards(posts, viewer, context=filter_context),
            "pager": page_links(request, [p.id for p in posts], page),
            **context,
        },
    )


@handles_domain_errors
def index(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/home")
    page = Page(limit=10)
    posts = timelines.public_timeline(None, page, local=True)
    return timeline_page(request, "caravan/index.html", posts, page, rules=Rule.objects.all())


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "caravan/about.html", {"rules": Rule.objects.all()})


@member_view
def home(request: HttpRequest) -> HttpResponse:
    page = Page.from_params(request.GET)
    viewer = request.user.account
    posts = timelines.home_timeline(viewer, page)
    return timeline_page(
        request,
        "caravan/timeline.html",
        posts,
        page,
        "home",
        heading="home",
        live_streams=[{"stream": "user"}],
    )


@handles_domain_errors
def public(request: HttpRequest, local: bool = False) -> HttpResponse:
    page = Page.from_params(request.GET)
    viewer = request.user.account if request.user.is_authenticated else None
    posts = timelines.public_timeline(viewer, page, local=local)
    return timeline_page(
        request,
        "caravan/timeline.html",
        posts,
        page,
        "public",
        heading="local" if local else "federated",
        live_streams=[{"stream": "public:local" if local else "public"}],
    )


@handles_domain_errors
def tag(request: HttpRequest, name: str) -> HttpResponse:
    page = Page.from_params(request.GET)
    viewer = request.user.account if request.user.is_authenticated else None
    posts = timelines.tag_timeline(viewer, name, page)
    following = timelines.follows_tag(viewer, timelines.find_tag(name)) if viewer else False
    return timeline_page(
        request,
        "caravan/timeline.html",
        posts,
        page,
        "public",
        heading="tag",
        tag=name,
        following_tag=following,
        live_streams=[{"stream": "hashtag", "tag": name}],
    )


@member_view
@require_POST
def follow_tag(request: HttpRequest, name: str, action: str) -> HttpResponse:
    viewer = request.user.account
    if action == "follow":
        feeds.follow_tag(viewer, name)
    elif action == "unfollow":
        tag = timelines.find_tag(name)
        if tag is not None:
            feeds.unfollow_tag(viewer, tag)
    else:
        raise Http404
    return redirect(f"/tags/{quote(name)}")
