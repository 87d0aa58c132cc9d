"""Root URLs: the three faces, plus media files for the one-box default (media on the local disk)."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from caravan.api.urls import PREFIX_LOOKAHEAD as API_PREFIXES

urlpatterns = [
    path("", include("caravan.federation.urls")),
    re_path(API_PREFIXES, include("caravan.api.urls")),
    path("", include("caravan.moving.urls")),
    path("", include("caravan.web.urls")),
]
if not settings.MEDIA_IN_BUCKET:  # media in a bucket is served by the bucket (or its CDN), never from here
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
