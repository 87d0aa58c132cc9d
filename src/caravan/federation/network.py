"""Outbound HTTP policy shared by fetching and delivery: which addresses we may connect to, name overrides for
tests and benchmarks, and a small synchronous signed fetch of ActivityPub documents (≤1 MiB, ≤3 redirects).

Remote servers choose the URLs we fetch, so private, loopback and link-local addresses are refused unless
CARAVAN_FEDERATION_ALLOW_PRIVATE=1 (the loopback test servers set it).
"""

import http.client
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import orjson

MAX_DOCUMENT_BYTES = 1024 * 1024
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_CONTENT_TYPES = ("application/activity+json", "application/ld+json")
USER_AGENT = "Caravan/0.1 (+https://github.com/caravan)"


class FetchError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def allow_private() -> bool:
    return os.environ.get("CARAVAN_FEDERATION_ALLOW_PRIVATE", "").lower() in {"1", "true", "yes", "on"}


def _overrides() -> list[tuple[str, str]]:
    """CARAVAN_FEDERATION_RESOLVE="suffix=ip,..." maps host names ending in suffix to ip (tests,
    benchmarks)."""
    raw = os.environ.get("CARAVAN_FEDERATION_RESOLVE", "")
    pairs = []
    for item in raw.split(","):
        if "=" in item:
            suffix, ip = item.split("=", 1)
            pairs.append((suffix.strip().lower(), ip.strip()))
    return pairs


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`, after the override and the private-address policy."""
    host = host.lower().strip("[]")
    for suffix, ip in _overrides():
        if host == suffix or host.endswith(suffix):
            return [ip]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve {host}: {error}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private():
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if (
                ip.is_private
                or ip.is_loopback
                or ip.is_link_local
                or ip.is_reserved
                or ip.is_multicast
                or ip.is_unspecified
            ):
                raise FetchError(f"{host} resolves to a private address; refused")
    return addresses


@dataclass
class Response:
    status: int
    url: str
    content_type: str
    body: bytes

    def json(self) -> dict:
        try:
            data = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            raise FetchError("not JSON", self.status) from None
        if not isinstance(data, dict):
            raise FetchError("not a JSON object", self.status)
        return data


def http_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
    max_redirects: int = 3,
) -> Response:
    """A plain HTTP(S) request that honours the address policy; follows up to `max_redirects` GET
    redirects."""
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve_host(parts.hostname, port)[0]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": USER_AGENT, "Host": parts.netloc, **(headers or {})}
        conn: http.client.HTTPConnection | None = None
        try:
            if parts.scheme == "https":
                # Connect to the address we checked, but verify the certificate (and send SNI) for the name.
                context = ssl.create_default_context()
                conn = http.client.HTTPSConnection(address, port, timeout=timeout, context=context)
                sock = socket.create_connection((address, port), timeout=5)
                conn.sock = context.wrap_socket(sock, server_hostname=parts.hostname)
            else:
                conn = http.client.HTTPConnection(address, port, timeout=timeout)
            conn.request(method, target, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"{url}: {error}") from None
        finally:
            if conn is not None:
                conn.close()
        if len(data) > MAX_DOCUMENT_BYTES:
            raise FetchError("document larger than 1 MiB", response.status)
        if response.status in (301, 302, 303, 307, 308) and method == "GET":
            location = response.getheader("Location")
            if not location:
                raise FetchError("redirect without a location", response.status)
            url = urljoin(url, location)
            continue
        return Response(response.status, url, response.getheader("Content-Type", ""), data)
    raise FetchError("too many redirects")
