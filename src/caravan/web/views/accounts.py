"""Profiles (posts, posts & replies, media), the follow, block and mute buttons, and follow requests."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from caravan import relationships
from caravan.accounts.models import Account
from caravan.accounts.services import find_account
from caravan.directory import services as directory
from caravan.negotiation import wants_activity_json
from caravan.pagination import Page
from caravan.posts import featured
from caravan.social import selectors as social_selectors
from caravan.social import services as social
from caravan.timelines.selectors import account_timeline
from caravan.web.cards import avatar_url, header_url, local_links, post_cards, profile_fields
from caravan.web.shortcuts import back, handles_domain_errors, member_view, page_links

TABS = ("posts", "with_replies", "media")
ENDORSED_SHOWN = 12  # the profile shows the latest endorsed accounts; the API pages through all


def _account_for(acct: str) -> Account:
    username, _, domain = acct.partition("@")
    account = find_account(username, domain)
    if account is None or account.suspended_at is not None:
        raise Http404
    return account


def _account_by_id(account_id: int) -> Account | None:
    if not 0 < account_id < 1 << 63:  # ids are 64-bit; anything longer is no account (and overflows SQLite)
        return None
    return Account.objects.filter(pk=account_id, suspended_at__isnull=True).first()


@handles_domain_errors
def profile(request: HttpRequest, acct: str, tab: str = "posts") -> HttpResponse:
    account = _account_for(acct)
    if wants_activity_json(request.headers.get("Accept", "")):
        return redirect(account.uri)
    viewer = request.user.account if request.user.is_authenticated else None
    page = Page.from_params(request.GET)
    posts = account_timeline(
        account,
        viewer,
        page,
        exclude_replies=tab == "posts",
        only_media=tab == "media",
        exclude_reblogs=tab == "media",
    )
    # Pinned posts head the first page of the main tab, as on Mastodon.
    first_page = tab == "posts" and page.max_id is None and page.min_id is None
    pinned = account_timeline(account, viewer, Page(limit=5), pinned=True) if first_page else []
    # One set of cards for both lists (the viewer's state, filters and links read once), keyed as each list
    # names its items (a boost by its own id).
    cards = {card.boost_id or card.id: card for card in post_cards(pinned + posts, viewer, context="account")}
    return render(
        request,
        "caravan/profile.html",
        {
            "account": account,
            "avatar": avatar_url(account),
            "header": header_url(account),
            # Bios are HTML (rendered here, or from another server); local_links cleans them again.
            "note": local_links(account.note_html or ("" if account.is_local else account.note)),
            "fields": profile_fields(account),
            "formerly_on_x": directory.formerly_on_x(account) if account.is_local else "",
            "relationship": social_selectors.relationship(viewer, account),
            "is_self": viewer is not None and viewer.id == account.id,
            "tab": tab,
            "cards": [cards[p.id] for p in posts if p.id in cards],
            "pinned": [cards[p.id] for p in pinned if p.id in cards],
            "featured_tags": featured.featured_tags(account) if first_page else [],
            "endorsed": [
                (row.target_account, avatar_url(row.target_account))
                for row in social_selectors.endorsed_by(account, Page(limit=ENDORSED_SHOWN), viewer=viewer)
            ]
            if first_page
            else [],
            "pager": page_links(request, [p.id for p in posts], page),
        },
    )


@member_view
@require_POST
@handles_domain_errors
def act(request: HttpRequest, account_id: int, action: str) -> HttpResponse:
    viewer = request.user.account
    target = _account_by_id(account_id)
    if target is None:
        raise Http404
    actions = {
        "follow": relationships.follow,
        "unfollow": relationships.unfollow,
        "block": relationships.block,
        "unblock": social.unblock,
        "mute": social.mute,
        "unmute": social.unmute,
        "pin": social.endorse,
        "unpin": social.unendorse,
    }
    if action not in actions:
        raise Http404
    actions[action](viewer, target)
    return back(request, target.profile_path)


@member_view
def follow_requests(request: HttpRequest) -> HttpResponse:
    page = Page.from_params(request.GET)
    pending = social_selectors.follow_requests_for(request.user.account, page)
    return render(
        request,
        "caravan/follow_requests.html",
        {
            "requests": [(item, avatar_url(item.account)) for item in pending],
            "pager": page_links(request, [item.id for item in pending], page),
        },
    )


@member_view
@require_POST
def answer_follow_request(request: HttpRequest, account_id: int, answer: str) -> HttpResponse:
    requester = _account_by_id(account_id)
    if requester is None or answer not in ("accept", "reject"):
        raise Http404
    if answer == "accept":
        relationships.accept_follow_request(request.user.account, requester)
    else:
        relationships.reject_follow_request(request.user.account, requester)
    return back(request, "/follow_requests")


@handles_domain_errors
def follow_list(request: HttpRequest, acct: str, direction: str) -> HttpResponse:
    """Who follows this account (`followers`) or whom it follows (`following`)."""
    account = _account_for(acct)
    page = Page.from_params(request.GET, default_limit=40)
    if direction == "followers":
        follows = social_selectors.followers_of(account, page)
        people = [follow.account for follow in follows]
    else:
        follows = social_selectors.following_of(account, page)
        people = [follow.target_account for follow in follows]
    return render(
        request,
        "caravan/follow_list.html",
        {
            "account": account,
            "direction": direction,
            "people": [(person, avatar_url(person)) for person in people if person.suspended_at is None],
            "pager": page_links(request, [follow.id for follow in follows], page),
        },
    )
