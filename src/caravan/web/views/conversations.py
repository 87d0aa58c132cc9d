"""Direct conversations: `/conversations` lists one's direct threads (who is in them, the last post, unread or
not) and `/conversations/<id>` shows one, which reads it. Both go through `timelines.conversations`, the same
reads and marks as the API's `/api/v1/conversations`."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caravan.ids import id_from_text
from caravan.pagination import Page
from caravan.posts.selectors import load_posts
from caravan.timelines import conversations as direct
from caravan.web.cards import avatar_url, post_cards
from caravan.web.shortcuts import member_view, page_links
from caravan.web.views.posts import compose_form

POSTS_SHOWN = 200


@member_view
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.user.account
    page = Page.from_params(request.GET)
    found, ids = direct.conversations(viewer, page)
    cards = {card.id: card for card in post_cards([c.last for c in found], viewer, with_quotes=False)}
    return render(
        request,
        "caravan/conversations/index.html",
        {
            "conversations": [
                (c, cards[c.last.id], [(a, avatar_url(a)) for a in c.participants]) for c in found
            ],
            "pager": page_links(request, ids, page),
        },
    )


@member_view
def detail(request: HttpRequest, root_id: int) -> HttpResponse:
    """The conversation's direct posts, oldest first; opening it marks it read up to its last post."""
    viewer = request.user.account
    root_id = id_from_text(root_id) or 0
    ids = list(
        direct.conversation_posts(viewer, root_id).order_by("-id").values_list("id", flat=True)[:POSTS_SHOWN]
    )
    if not ids:
        raise Http404
    posts = load_posts(sorted(ids))
    direct.mark_conversation(viewer, root_id, read_up_to=ids[0])
    last = posts[-1]
    return render(
        request,
        "caravan/conversations/detail.html",
        {
            "root_id": root_id,
            "cards": post_cards(posts, viewer, context="thread"),
            "compose": compose_form(request.user, last),
        },
    )


@member_view
@require_POST
def remove(request: HttpRequest, root_id: int) -> HttpResponse:
    """Take the conversation off the list until someone writes in it again."""
    root_id = id_from_text(root_id) or 0
    last = direct.last_in_conversation(request.user.account, root_id)
    if last is None:
        raise Http404
    direct.mark_conversation(request.user.account, root_id, hide_up_to=last.id)
    return redirect("/conversations")
