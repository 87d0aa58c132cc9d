"""The server's published texts as pages: the privacy policy (`/privacy-policy`) and the terms of service
(`/terms`), rendered by `instance.texts` (escaped plain text)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from caravan.instance import texts
from caravan.instance.services import get_instance_settings


def privacy_policy(request: HttpRequest) -> HttpResponse:
    published = texts.privacy_policy(get_instance_settings())
    return render(request, "caravan/published_text.html", {"heading": _("Privacy policy"), "text": published})


def terms(request: HttpRequest) -> HttpResponse:
    published = texts.terms_of_service(get_instance_settings())
    if published is None:
        raise Http404
    return render(
        request, "caravan/published_text.html", {"heading": _("Terms of service"), "text": published}
    )
