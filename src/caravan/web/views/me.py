"""The signed-in person's own pages: notifications, bookmarks, favourites and settings."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caravan import throttling
from caravan.accounts.services import update_preferences
from caravan.errors import DomainError, Throttled
from caravan.leaving import delete_account
from caravan.notifications.selectors import notifications_for, requests_for
from caravan.notifications.services import save_marker
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.profiles import update_profile
from caravan.timelines.selectors import bookmarked_posts, favourited_posts
from caravan.web.cards import avatar_url, post_cards
from caravan.web.forms import FIELD_SLOTS, DeleteAccountForm, PreferencesForm, ProfileForm
from caravan.web.shortcuts import member_view, page_links


@member_view
def notifications(request: HttpRequest) -> HttpResponse:
    viewer = request.user.account
    page = Page.from_params(request.GET)
    items = notifications_for(viewer, page)
    # A notification's post is shown only while the reader may still read it (it may have turned private).
    post_ids = [n.post_id for n in items if n.post_id]
    readable = load_posts(
        list(visible_posts(viewer, Post.objects.filter(pk__in=post_ids)).values_list("id", flat=True))
    )
    cards = {card.post.id: card for card in post_cards(readable, viewer, context="notifications")}
    hidden = {post.id for post in readable} - set(cards)  # a "hide" filter leaves the notification out
    rows = [(n, cards.get(n.post_id), avatar_url(n.from_account)) for n in items if n.post_id not in hidden]
    first_page = page.max_id is None and page.min_id is None
    if items and first_page:
        save_marker(viewer, "notifications", items[0].id)
    # The senders the notification policy held back, shown above the first page to accept or dismiss.
    held = requests_for(viewer, Page(limit=40)) if first_page else []
    return render(
        request,
        "caravan/notifications.html",
        {
            "held": [(r, avatar_url(r.from_account)) for r in held],
            "rows": rows,
            "pager": page_links(request, [n.id for n in items], page),
        },
    )


def _saved_posts(request: HttpRequest, reader, heading: str) -> HttpResponse:
    viewer = request.user.account
    page = Page.from_params(request.GET)
    posts, marks = reader(viewer, page)
    return render(
        request,
        "caravan/timeline.html",
        {
            "cards": post_cards(posts, viewer),
            "pager": page_links(request, marks, page),
            "heading": heading,
        },
    )


@member_view
def bookmarks(request: HttpRequest) -> HttpResponse:
    return _saved_posts(request, bookmarked_posts, "bookmarks")


@member_view
def favourites(request: HttpRequest) -> HttpResponse:
    return _saved_posts(request, favourited_posts, "favourites")


@member_view
@require_http_methods(["GET", "POST"])
def profile_settings(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                update_profile(
                    account,
                    display_name=data["display_name"],
                    note=data["note"],
                    fields=form.profile_fields(),
                    locked=data["locked"],
                    discoverable=data["discoverable"],
                    avatar=data["avatar"] or None,
                    header=data["header"] or None,
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status
                account.refresh_from_db()
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("/settings/profile")
    else:
        initial = {
            "display_name": account.display_name,
            "note": account.note,
            "locked": account.locked,
            "discoverable": account.discoverable,
        }
        for slot, item in zip(FIELD_SLOTS, account.fields or [], strict=False):
            initial[f"field_name_{slot}"] = item.get("name", "")
            initial[f"field_value_{slot}"] = item.get("value", "")
        form = ProfileForm(initial=initial)
    return render(
        request,
        "caravan/settings/profile.html",
        {"form": form, "account": account, "avatar": avatar_url(account)},
        status=status,
    )


@member_view
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                update_preferences(
                    user,
                    locale=data["locale"],
                    default_visibility=data["default_visibility"],
                    default_language=data["default_language"],
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status
            else:
                return redirect("/settings/preferences?saved=1")
    else:
        form = PreferencesForm(
            initial={
                "locale": user.locale,
                "default_visibility": user.default_visibility,
                "default_language": user.default_language,
            }
        )
    return render(
        request,
        "caravan/settings/preferences.html",
        {"form": form, "saved": request.GET.get("saved") == "1"},
        status=status,
    )


@member_view
@require_http_methods(["GET", "POST"])
def delete_account_page(request: HttpRequest) -> HttpResponse:
    """Deleting one's own account: a warning and the password; done, the person is signed out."""
    form = DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # The password check is a sign-in check too: someone holding a session must not guess on here.
            user, address = request.user, throttling.client_address(request)
            try:
                throttling.check_sign_in(user.id, user.username, address)
                delete_account(user, form.cleaned_data["password"])
            except DomainError as error:
                if error.field == "password":
                    throttling.note_failed_sign_in(user.id, user.username, address)
                form.add_domain_error(error)
                status = error.status
                if isinstance(error, Throttled):
                    response = render(request, "caravan/settings/delete.html", {"form": form}, status=status)
                    response["Retry-After"] = str(error.retry_after)
                    return response
            else:
                logout(request)
                return render(request, "caravan/settings/deleted.html")
    return render(request, "caravan/settings/delete.html", {"form": form}, status=status)
