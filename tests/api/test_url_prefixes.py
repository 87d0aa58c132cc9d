"""The root URLconf tries the client API's routes only for paths that start with one of its prefixes
(`caravan.api.urls.PREFIXES`): every API route must still be reached through the root, by the same view."""

import re

from django.urls import resolve

from caravan.api import urls as api_urls


def _sample_path(source: str) -> str:
    """A path the route's regex matches: each group replaced by a segment, the anchors and escapes removed."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "a", source)
    path = (
        path.replace("(?:api|oauth)/", "api/unknown").removeprefix("^").removesuffix("$").removesuffix("/?")
    )
    return "/" + path.replace("\\", "")


def test_every_api_route_is_reached_through_the_root():
    assert len(api_urls.urlpatterns) > 150
    for pattern in api_urls.urlpatterns:
        path = _sample_path(pattern.pattern.regex.pattern)
        assert pattern.pattern.regex.match(path[1:]), path
        assert resolve(path).func == pattern.callback, path


def test_web_paths_do_not_try_the_api():
    lookahead = re.compile(api_urls.PREFIX_LOOKAHEAD)
    for path in ("@layla", "@layla/1", "home", "notifications", "settings/profile", "users/layla", "healthy"):
        assert (lookahead.match(path) is None) == (path != "healthy"), path
