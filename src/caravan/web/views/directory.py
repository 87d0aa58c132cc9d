"""The X-id directory settings page: be findable by one's old X account, show it on one's profile, withdraw."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from caravan.directory import services as directory
from caravan.errors import DomainError
from caravan.web.shortcuts import member_view


@member_view
def directory_settings(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    status = 200
    if request.method == "POST":
        try:
            directory.choose(
                account,
                listed=request.POST.get("listed") == "on",
                show_on_profile=request.POST.get("show_on_profile") == "on",
            )
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, _("Your directory choices have been saved."))
            return redirect("/settings/directory")
    return render(
        request, "caravan/settings/directory.html", {"listing": directory.listing_of(account)}, status=status
    )
