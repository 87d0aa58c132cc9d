"""The addresses an OAuth app registers: where the authorization page may send people back to (RFC 8252),
and the website shown beside the app's name. Both come from whoever registers an app, so both are checked
before they are stored and again before they are used.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from caravan.untrusted import http_url

OOB = "urn:ietf:wg:oauth:2.0:oob"
# A URI scheme as RFC 3986 spells it; private-use schemes (`com.example.app:/cb`, `myapp://cb`) are these too.
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
# Schemes that run code, read local files or load content in the page itself: never a place to send a code.
FORBIDDEN_SCHEMES = frozenset(
    {
        "javascript",
        "vbscript",
        "livescript",
        "data",
        "file",
        "blob",
        "filesystem",
        "about",
        "view-source",
        "jar",
        "mhtml",
        "ftp",
        "ws",
        "wss",
    }
)


def is_loopback_host(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (the host part of a URL, brackets already removed)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_allowed_redirect_uri(uri: str) -> bool:
    """Whether the authorization page may send a person, with a code, to `uri`: https anywhere, http only to
    this computer (loopback), the out-of-band page, or an app's private-use scheme that is not a script, data
    or file address. No fragment, no whitespace or control characters (which browsers strip, changing the
    scheme they see)."""
    if uri == OOB:
        return True
    if not uri or len(uri) > 2000 or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in uri):
        return False
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if not _SCHEME.fullmatch(scheme) or "#" in uri:
        return False
    if scheme == "https":
        return bool(host)
    if scheme == "http":
        return is_loopback_host(host)
    return scheme not in FORBIDDEN_SCHEMES and scheme != "urn" and bool(parts.netloc or parts.path)


def website_link(url: str | None) -> str | None:
    """The app's website if it is an http(s) address with a host, to show as a link; None otherwise."""
    return http_url((url or "").strip()) or None
