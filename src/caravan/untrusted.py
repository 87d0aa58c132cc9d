"""Rules for text that comes from elsewhere (other servers, archives, people): which URLs may be shown or
linked, which handles may be stored, and which characters may not reorder the text around a name.

Pure functions with no database access, applied where remote data is stored and again where anything is
shown, so rows stored before a rule existed are safe too. HTML has its own rule: `posts.rendering.sanitize_html`.
"""

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
MAX_USERNAME_LENGTH = 64  # Account.username's column
MAX_DOMAIN_LENGTH = 253

# Mastodon's Account::USERNAME_RE for remote accounts: word characters, with dots and dashes only inside.
REMOTE_USERNAME_RE = re.compile(r"\A[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*\Z")
HOST_LABEL_RE = re.compile(r"\A(?!-)[a-z0-9-]{1,63}(?<!-)\Z")

# Explicit bidi formatting characters: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and
# the marks (U+200E, U+200F, U+061C). In a name they can flip the handle or sentence around it.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = dict.fromkeys(map(ord, BIDI_CONTROLS))


# Browsers silently drop tabs and newlines inside URLs ("java\nscript:"): any space, control or bidi control.
_NOT_IN_URL = re.compile(rf"[\s\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def http_url(value: object, *, max_length: int = MAX_URL_LENGTH) -> str:
    """`value` if it is an absolute http(s) URL with a host, else "". Nothing else (javascript:, data:,
    relative paths, other schemes) may become a link or an image source."""
    if not isinstance(value, str) or not value or len(value) > max_length:
        return ""
    return _checked_url(value)


@lru_cache(maxsize=4096)  # at most 4096 * MAX_URL_LENGTH characters
def _checked_url(value: str) -> str:
    """http_url's check, remembered: every status shown asks it of its author's and its own addresses."""
    if _NOT_IN_URL.search(value):
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return value


def without_bidi_controls(text: str) -> str:
    """`text` with the bidi control characters removed: a display name cannot flip what surrounds it."""
    return (text or "").translate(_BIDI_TABLE)


def valid_remote_username(username: object) -> bool:
    """Whether another server's account name is one Mastodon would store (letters, digits, `_`, and `.`/`-`
    between them)."""
    return (
        isinstance(username, str)
        and len(username) <= MAX_USERNAME_LENGTH
        and REMOTE_USERNAME_RE.match(username) is not None
    )


def valid_remote_handle(username: object, domain: object) -> bool:
    """Whether `username@domain` may be stored for a remote actor. A server's own actor may also be named after
    its host (Mastodon's and Caravan's instance actors are), port included."""
    if not valid_domain(domain):
        return False
    return valid_remote_username(username) or (
        isinstance(username, str) and username.lower() == domain.lower()
    )


def valid_domain(domain: object) -> bool:
    """Whether `domain` is a host name (internationalized names allowed), an IPv4 address or a bracketed IPv6
    address, with an optional port: what the authority of an actor's URL may be."""
    if not isinstance(domain, str) or not domain or len(domain) > MAX_DOMAIN_LENGTH + 6:
        return False
    host, port = domain, ""
    if domain.startswith("["):
        host, _, rest = domain[1:].partition("]")
        if rest and not rest.startswith(":"):
            return False
        port = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    else:
        host, _, port = domain.partition(":")
        if not _valid_host_name(host):
            return False
    if ":" in domain and not domain.endswith("]"):
        return port.isascii() and port.isdigit() and 0 < int(port) < 65536
    return True


def _valid_host_name(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    try:
        # IDNA (nameprep) refuses bidi controls and labels that mix directions; the ASCII form is then checked.
        ascii_host = host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return False
    labels = ascii_host.split(".")
    return (
        len(ascii_host) <= MAX_DOMAIN_LENGTH
        and len(labels) >= 1
        and all(HOST_LABEL_RE.match(label) for label in labels)
        and not labels[-1].isdigit()
    )
