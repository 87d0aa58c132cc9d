"""Mastodon's OAuth scopes: `read` grants every `read:*`, `write` every `write:*`, `follow`
the follow parts."""

from django.conf import settings

FOLLOW_PARTS = {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}


def all_scopes() -> set[str]:
    return set(settings.OAUTH2_PROVIDER["SCOPES"])


def expand(scopes) -> set[str]:
    """Every scope the given ones grant, parents and granular parts alike."""
    known = all_scopes()
    granted: set[str] = set()
    for scope in scopes:
        if scope not in known:
            continue
        granted.add(scope)
        granted |= {s for s in known if s.startswith(scope + ":")}
        if scope == "follow":
            granted |= FOLLOW_PARTS
    return granted


def parse(value) -> list[str]:
    """Scopes from a space-, plus- or comma-separated string or a list; unknown ones are kept (to refuse)."""
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    words = str(value or "").replace("+", " ").replace(",", " ").split()
    return list(dict.fromkeys(words))
