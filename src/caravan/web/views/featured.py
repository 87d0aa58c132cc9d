"""The settings page of featured hashtags: feature one (typed or suggested), stop featuring one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.posts import featured
from caravan.web.shortcuts import member_view


@member_view
def featured_settings(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    status = 200
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                featured.unfeature_tag(account, parse_int64(request.POST["remove"]) or 0)
                messages.success(request, _("The hashtag is no longer featured."))
            else:
                featured.feature_tag(account, request.POST.get("name", "")[:1000])
                messages.success(request, _("The hashtag is featured on your profile."))
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("/settings/featured")
    return render(
        request,
        "caravan/settings/featured.html",
        {
            "featured_tags": featured.featured_tags(account),
            "suggestions": featured.suggested_tags(account),
            "limit": featured.FEATURED_TAGS_LIMIT,
        },
        status=status,
    )
