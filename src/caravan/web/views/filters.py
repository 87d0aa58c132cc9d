"""Filters: `/filters` lists one's filters; `/filters/new` and `/filters/<id>` make and change one (title,
keywords each whole word or not, contexts, expiry, warn or hide); deleting asks to confirm first. The rule of
which posts a filter matches is `filters.services.ActiveFilters`, applied by `web.cards.post_cards` to every
timeline with its context, as the API applies it to statuses."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from caravan.errors import DomainError, each_error
from caravan.filters import services as filtering
from caravan.filters.models import Filter
from caravan.ids import id_from_text
from caravan.web.shortcuts import member_view

CONTEXTS = (
    ("home", gettext_lazy("Home timeline and lists")),
    ("notifications", gettext_lazy("Notifications")),
    ("public", gettext_lazy("Public timelines and hashtags")),
    ("thread", gettext_lazy("Conversations and threads")),
    ("account", gettext_lazy("Profiles")),
)
ACTIONS = (
    ("warn", gettext_lazy("Hide behind a warning that names the filter")),
    ("hide", gettext_lazy("Hide completely")),
)
EXPIRIES = (
    ("", gettext_lazy("Never")),
    ("1800", gettext_lazy("30 minutes")),
    ("3600", gettext_lazy("1 hour")),
    ("21600", gettext_lazy("6 hours")),
    ("43200", gettext_lazy("12 hours")),
    ("86400", gettext_lazy("1 day")),
    ("604800", gettext_lazy("1 week")),
)
NEW_KEYWORD_ROWS = 3


def _own(request: HttpRequest, filter_id: int) -> Filter:
    found = Filter.objects.filter(pk=id_from_text(filter_id) or 0, account=request.user.account).first()
    if found is None:
        raise Http404
    return found


def _expires_in(value: str) -> int | None:
    """The expiry field: "keep" changes nothing, "" means never (0 clears an expiry), else seconds."""
    if value == "keep":
        return None
    if value == "":
        return 0
    seconds = id_from_text(value)
    return seconds if seconds is not None else -1  # the service refuses it with a clear message


def _keywords(request: HttpRequest, f: Filter | None) -> list[dict]:
    post = request.POST
    items = []
    for keyword in f.keywords.all() if f is not None else []:
        items.append(
            {
                "id": keyword.id,
                "keyword": post.get(f"keyword-{keyword.id}", keyword.keyword)[:1000],
                "whole_word": post.get(f"whole-{keyword.id}") == "on",
                "_destroy": post.get(f"remove-{keyword.id}") == "on",
            }
        )
    for row in range(NEW_KEYWORD_ROWS):
        text = post.get(f"new-keyword-{row}", "")[:1000].strip()
        if text:
            items.append({"keyword": text, "whole_word": post.get(f"new-whole-{row}") == "on"})
    return items


def _form(request: HttpRequest, f: Filter | None, error: DomainError | None = None) -> HttpResponse:
    typed = request.POST if error else None
    keywords = list(f.keywords.all().order_by("id")) if f is not None else []
    if typed is not None:
        chosen = typed.getlist("context")
        action = typed.get("filter_action", "warn")
        title = typed.get("title", "")
        expiry = typed.get("expires_in", "")
    else:
        chosen = (
            list(f.context) if f is not None else ["home", "notifications", "public", "thread", "account"]
        )
        action = f.filter_action if f is not None else "warn"
        title = f.title if f is not None else ""
        expiry = "keep" if f is not None and f.expires_at else ""
    return render(
        request,
        "caravan/filters/form.html",
        {
            "filter": f,
            "title_value": title,
            "keywords": keywords,
            "new_rows": range(NEW_KEYWORD_ROWS),
            "contexts": [(value, label, value in chosen) for value, label in CONTEXTS],
            "actions": [
                (value, label, value == action or (value == "warn" and action == "blur"))
                for value, label in ACTIONS
            ],
            "expiries": EXPIRIES,
            "expiry": expiry,
            "errors": [each.message for each in each_error(error)] if error else [],
        },
        status=error.status if error else 200,
    )


@member_view
def index(request: HttpRequest) -> HttpResponse:
    found = Filter.objects.filter(account=request.user.account).prefetch_related("keywords").order_by("id")
    labels = dict(CONTEXTS)
    filters = [(f, [labels.get(c, c) for c in f.context or []]) for f in found]
    return render(request, "caravan/filters/index.html", {"filters": filters})


@member_view
def new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form(request, None)
    try:
        expires_in = _expires_in(request.POST.get("expires_in", "")[:20])
        filtering.create_filter(
            request.user.account,
            title=request.POST.get("title", "")[:1000],
            context=request.POST.getlist("context")[:10],
            filter_action=request.POST.get("filter_action", "warn")[:10],
            expires_in=expires_in or None,
            keywords=_keywords(request, None),
        )
    except DomainError as error:
        return _form(request, None, error)
    return redirect("/filters")


@member_view
def edit(request: HttpRequest, filter_id: int) -> HttpResponse:
    f = _own(request, filter_id)
    if request.method != "POST":
        return _form(request, f)
    try:
        filtering.update_filter(
            f,
            title=request.POST.get("title", "")[:1000],
            context=request.POST.getlist("context")[:10],
            filter_action=request.POST.get("filter_action", "warn")[:10],
            expires_in=_expires_in(request.POST.get("expires_in", "")[:20]),
            keywords=_keywords(request, f),
        )
    except DomainError as error:
        return _form(request, _own(request, filter_id), error)
    return redirect("/filters")


@member_view
def delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    """GET asks to confirm (this works without JavaScript); POST deletes."""
    f = _own(request, filter_id)
    if request.method == "POST":
        filtering.remove_filter(f)
        return redirect("/filters")
    return render(request, "caravan/filters/delete.html", {"filter": f})
