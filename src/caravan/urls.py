"""Root URLs: the three faces, plus media files for the one-box default (media on the local disk).

The client API comes first: its paths share no start with the others' (tests/api/test_url_prefixes.py), and
most requests are API calls, which then try no other face's routes."""

from django.conf import settings
from django.urls import include, path, re_path
from django.urls.resolvers import RegexPattern
from django.views.static import serve

from caravan.api.urls import PREFIX_LOOKAHEAD as API_PREFIXES
from caravan.api.urls import RoutesByPrefix

urlpatterns = [
    RoutesByPrefix(RegexPattern(API_PREFIXES, is_endpoint=False), "caravan.api.urls"),
    path("", include("caravan.federation.urls")),
    path("", include("caravan.moving.urls")),
    path("", include("caravan.web.urls")),
]
if not settings.MEDIA_IN_BUCKET:  # media in a bucket is served by the bucket (or its CDN), never from here
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
