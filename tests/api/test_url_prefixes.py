"""The root URLconf tries the client API's routes only for paths that start with one of its prefixes
(`caravan.api.urls.PREFIXES`): every API route must still be reached through the root, by the same view."""

import re

from django.urls import Resolver404, URLResolver, resolve
from django.urls.resolvers import RegexPattern

from caravan.api import urls as api_urls
from caravan.api.urls import RoutesByPrefix


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


def _linear(path: str):
    """What Django's own resolver, trying the module's routes one by one, answers for `path`."""
    plain = URLResolver(RegexPattern(api_urls.PREFIX_LOOKAHEAD, is_endpoint=False), api_urls.urlpatterns)
    try:
        found = plain.resolve(path)
    except Resolver404:
        return None
    return found.func, found.args, found.kwargs


def test_routes_grouped_by_prefix_answer_as_trying_every_route_in_order():
    grouped = RoutesByPrefix(RegexPattern(api_urls.PREFIX_LOOKAHEAD, is_endpoint=False), "caravan.api.urls")
    paths = [_sample_path(p.pattern.regex.pattern)[1:] for p in api_urls.urlpatterns]
    paths += [
        "api/v1/statuses/",
        "api/v1/statuses/1/context/",
        "api/v1/statuses/1/nothing",
        "api/v1/nothing",
        "api/v9/statuses",
        "api/",
        "api",
        "oauth/elsewhere",
        "health",
        "healthy",
        ".well-known/oauth-authorization-server",
        "avatars/original/missing.png",
        "avatars/original/missingXpng",
        "api/v1/streaming/public/local",
        "api/v1/accounts/1/statuses/extra",
    ]
    for path in paths:
        try:
            found = grouped.resolve(path)
            answer = found.func, found.args, found.kwargs
        except Resolver404:
            answer = None
        assert answer == _linear(path), path
    assert grouped.resolve("api/v1/statuses/7/context").kwargs == {"status_id": "7"}


def test_a_route_key_is_the_whole_segments_its_regex_starts_with():
    key = api_urls._literal_key
    assert key(r"^api/v1/statuses/(?P<status_id>[^/]+)/context/?$") == ("api", "v1", "statuses")
    assert key(r"^api/v1/statuses/?$") == ("api", "v1", "statuses")
    assert key(r"^oauth/token/?$") == ("oauth", "token")
    assert key(r"^api/v1/stat(?P<x>[^/]+)$") == ("api", "v1")  # "stat" goes on past the text
    assert key(r"^healths?$") == ()  # the "s" is optional: "health" may end the path or not
    assert key(r"^(?:api|oauth)/") == ()
    assert key(r"api/v1/statuses") == ()  # not anchored: it could match anywhere
