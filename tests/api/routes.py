"""Every client API route, read from `api/urls.py`, for tests that must cover each one (scopes, hostile
input): a route added later is covered without anyone remembering to add it."""

import re

# Not client API views (no `api()` decorator): OAuth pages and endpoints, images, the streaming health check.
NOT_API = {
    "oauth/authorize",
    "oauth/token",
    "oauth/revoke",
    r"\.well-known/oauth-authorization-server",
    "avatars/original/missing.png",
    "headers/original/missing.png",
    "api/v1/streaming/health",
    "health",
}


def api_routes() -> list[tuple[str, str, object]]:
    """(method, path template such as `api/v1/statuses/<status_id>`, view) for every client API route."""
    from caravan.api import urls

    found = []
    for pattern in urls.urlpatterns:
        regex = pattern.pattern.regex.pattern
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex).removeprefix("^").removesuffix("/?$")
        handlers = getattr(pattern.callback, "handlers", None)
        if handlers is None:
            if (
                template in NOT_API
                or template == "(?:api|oauth)/"
                or template.startswith("api/v1/streaming/")
            ):
                continue  # the catch-all JSON 404 and the SSE streams (tested on their own)
            raise AssertionError(f"{template}: a route outside route(); say how its access is checked")
        found += [(method, template, view) for method, view in handlers.items()]
    assert len(found) > 120
    return found


def sample_path(template: str, value: str = "1") -> str:
    """The template with `value` for each id (and a hashtag for names)."""
    return re.sub(r"<(\w+)>", lambda m: "caravan" if m.group(1) in ("name", "hashtag") else value, template)
