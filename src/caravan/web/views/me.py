"""The signed-in person's own pages: notifications, bookmarks, favourites and settings."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from caravan import error_codes, throttling
from caravan.accounts.models import Account
from caravan.accounts.services import known_time_zones, update_preferences
from caravan.errors import DomainError, Throttled
from caravan.leaving import delete_account
from caravan.notifications.models import NotificationType
from caravan.notifications.selectors import grouped_notifications, has_requests, requests_for
from caravan.notifications.services import save_marker
from caravan.pagination import Page
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import readable_among
from caravan.profiles import update_profile
from caravan.timelines.selectors import bookmarked_posts, favourited_posts
from caravan.web.cards import avatar_url, post_cards
from caravan.web.forms import FIELD_SLOTS, DeleteAccountForm, PreferencesForm, ProfileForm
from caravan.web.notification_html import notification_line
from caravan.web.shortcuts import member_view, page_links, told_when_to_retry

# The filter tabs of the notifications page, as Mastodon's web offers them: (key, label, types).
NOTIFICATION_TABS = (
    ("all", gettext_lazy("All"), ()),
    ("mentions", gettext_lazy("Mentions"), ("mention",)),
    ("favourites", gettext_lazy("Favourites"), ("favourite",)),
    ("boosts", gettext_lazy("Boosts"), ("reblog",)),
    ("polls", gettext_lazy("Polls"), ("poll",)),
    ("updates", gettext_lazy("Edits"), ("update",)),
    ("follows", gettext_lazy("Follows"), ("follow", "follow_request")),
)
NOTIFICATION_TYPES = tuple(NotificationType.values)


def _notification_types(request: HttpRequest, name: str) -> list[str]:
    """`name[]` (or `name`) from the query, each a known notification type; anything else is a clear 4xx."""
    chosen = [t for t in request.GET.getlist(f"{name}[]") + request.GET.getlist(name) if t]
    unknown = [t for t in chosen if t not in NOTIFICATION_TYPES]
    if unknown:
        raise DomainError(
            error_codes.ADMIN_FILTER_INVALID,
            field=name,
            name=f"{name}[]",
            choices=", ".join(NOTIFICATION_TYPES),
        )
    return list(dict.fromkeys(chosen))[: len(NOTIFICATION_TYPES)]


def _with_query(request: HttpRequest, **changes) -> str:
    """This page's query string (filters kept, `types[]` lists included) with the paging parameters changed."""
    query = request.GET.copy()
    for name in ("max_id", "min_id", "since_id", "lang"):
        query.pop(name, None)
    for name, value in changes.items():
        query[name] = str(value)
    return "?" + query.urlencode()


COMPACT_TYPES = frozenset({NotificationType.FAVOURITE, NotificationType.REBLOG})


@member_view
def notifications(request: HttpRequest) -> HttpResponse:
    """Notifications in groups ("Layla and 3 others favourited your post"), filtered by the tabs' `types[]` or
    any `types[]` / `exclude_types[]` the URL names."""
    viewer = request.user.account
    page = Page.from_params(request.GET)
    types = _notification_types(request, "types")
    exclude_types = _notification_types(request, "exclude_types")
    groups, covered = grouped_notifications(viewer, page, types=types, exclude_types=exclude_types)
    # A notification's post is shown only while the reader may still read it (it may have turned private).
    post_ids = [g.latest.post_id for g in groups if g.latest.post_id]
    loaded = load_posts(post_ids)
    readable_ids = readable_among(loaded, viewer)
    readable = [post for post in loaded if post.id in readable_ids]
    # About one's own post (a favourite, a boost), the post is shown compact (`post_card ... compact=True`).
    compact = frozenset(g.latest.post_id for g in groups if g.latest.type in COMPACT_TYPES)
    cards = {
        card.post.id: card for card in post_cards(readable, viewer, context="notifications", compact=compact)
    }
    hidden = {post.id for post in readable} - set(cards)  # a "hide" filter leaves the notification out
    # The other people of each group (its newest sender is loaded with it): none to read when no group has any.
    others = {i for g in groups for i in g.sample_account_ids if i != g.latest.from_account_id}
    senders = Account.objects.in_bulk(others) if others else {}
    rows = []
    for group in groups:
        if group.latest.post_id in hidden:
            continue
        sample = [senders[i] for i in group.sample_account_ids if i in senders]
        rows.append(
            {
                "notification": group.latest,
                "card": cards.get(group.latest.post_id),
                "avatar": avatar_url(group.latest.from_account),
                "others": max(0, group.count - 1),
                "line": notification_line(group.latest, max(0, group.count - 1)),
                "compact": group.latest.type in COMPACT_TYPES,
                "sample": [(a, avatar_url(a)) for a in sample if a.id != group.latest.from_account_id][:7],
            }
        )
    first_page = page.max_id is None and page.min_id is None
    unfiltered = not types and not exclude_types
    if covered and first_page and unfiltered:
        save_marker(viewer, "notifications", covered[0])
    # The senders the notification policy held back, shown above the first page to accept or dismiss.
    held = requests_for(viewer, Page(limit=40)) if first_page and unfiltered and has_requests(viewer) else []
    current = next(
        (
            key
            for key, _label, tab_types in NOTIFICATION_TABS
            if not exclude_types and set(tab_types) == set(types)
        ),
        "",
    )
    pager = {"older": "", "newer": ""}
    if covered and len(groups) >= page.limit:
        pager["older"] = _with_query(request, max_id=covered[-1])
    if covered and not first_page:
        pager["newer"] = _with_query(request, min_id=covered[0])
    return render(
        request,
        "caravan/notifications.html",
        {
            "held": [(r, avatar_url(r.from_account)) for r in held],
            "rows": rows,
            "tabs": [
                (
                    key,
                    label,
                    "?" + urlencode([("types[]", t) for t in tab_types]) if tab_types else "/notifications",
                )
                for key, label, tab_types in NOTIFICATION_TABS
            ],
            "current_tab": current,
            "pager": pager,
            "live_streams": [{"stream": "user:notification"}],
            "live_types": [t for t in types if t not in exclude_types]
            or [t for t in NOTIFICATION_TYPES if t not in exclude_types],
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
                    digits=data["digits"] or "western",
                    hijri_dates=data["hijri_dates"],
                    time_zone=data["time_zone"],
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
                "digits": user.digits,
                "hijri_dates": user.hijri_dates,
                "time_zone": user.time_zone,
            }
        )
    return render(
        request,
        "caravan/settings/preferences.html",
        {"form": form, "saved": request.GET.get("saved") == "1", "time_zones": sorted(known_time_zones())},
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
                    return told_when_to_retry(
                        render(request, "caravan/settings/delete.html", {"form": form}, status=status),
                        error.retry_after,
                    )
            else:
                logout(request)
                return render(request, "caravan/settings/deleted.html")
    return render(request, "caravan/settings/delete.html", {"form": form}, status=status)
