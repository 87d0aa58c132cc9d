"""Outbound HTTP policy shared by fetching and delivery: which addresses we may connect to, name overrides for
tests and benchmarks, and a small synchronous signed fetch of ActivityPub documents (≤1 MiB, ≤3 redirects).

Remote servers choose the URLs we fetch and the inboxes we deliver to, so private, loopback, link-local,
unspecified, multicast and reserved addresses are refused unless CARAVAN_FEDERATION_ALLOW_PRIVATE=1 (the loopback
test servers set it). `check_address` is the one rule; it runs on the address each socket is about to connect to
(`connect` here, `guarded_socket` in aiohttp), so IP literals in any spelling, every redirect hop and whatever a
DNS server answers between a check and a connection all meet it.
"""

import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import orjson
from django.conf import settings

MAX_DOCUMENT_BYTES = 1024 * 1024
AP_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_CONTENT_TYPES = ("application/activity+json", "application/ld+json")
USER_AGENT = "Caravan/0.1 (+https://github.com/caravan)"


class FetchError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AddressRefused(FetchError, OSError):
    """The address policy refused a connection. An OSError too, so that aiohttp carries it through its own
    connection errors (`ClientConnectorError.os_error`) and the sender can tell a refusal from an outage."""


def allow_private() -> bool:
    return settings.CARAVAN["FEDERATION_ALLOW_PRIVATE"]


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges refused beyond what the ipaddress flags say, written out so the rule does not depend on which Python's
# tables are installed (3.11 and 3.13 disagree on several).
_BLOCKED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible form
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo among them)
        "2001:db8::/32",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # old site-local
        "ff00::/8",  # multicast
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: "str | IPAddress") -> bool:
    """Whether an address is one the open internet routes: not private, loopback, link-local, unspecified,
    multicast or reserved, also when an IPv6 address embeds an IPv4 one (mapped, NAT64, 6to4). Pure."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False  # a zone only makes sense for link-local destinations
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
    if any(ip in net for net in _BLOCKED_NETWORKS if net.version == ip.version):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
        or not ip.is_global
    )


_V4_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def ip_literal(host: str) -> IPAddress | None:
    """The address a host name denotes by itself, in any form a C library accepts: dotted, IPv6 (brackets,
    zones, mapped), and inet_aton's decimal, octal, hex and short forms (2130706433, 0177.0.0.1, 0x7f.1,
    127.1). None for a real name."""
    host = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_V4_PART.fullmatch(part) for part in parts):
        return None
    values = [
        int(part, 0) if part[:2].lower() == "0x" else int(part, 8 if part[0] == "0" else 10) for part in parts
    ]
    # inet_aton: each leading part is one byte, the last fills the bytes that remain.
    last_bits = 8 * (5 - len(parts))
    if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    number = 0
    for value in values[:-1]:
        number = number << 8 | value
    return ipaddress.IPv4Address(number << last_bits | values[-1])


def check_address(address: "str | IPAddress", name: str = "") -> None:
    """The policy, applied to the address a connection is about to be made to. Raises AddressRefused."""
    if allow_private():
        return
    try:
        public = is_public_address(address)
    except ValueError:
        public = False
    if not public:
        shown = f"{name} ({address})" if name and name != str(address) else str(address)
        raise AddressRefused(f"{shown} is a private, local or reserved address; refused")


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL whose host, if an address literal, passes the policy. Raises
    FetchError (AddressRefused for a refused address) without any network access."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError(f"not a valid URL: {url}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    literal = ip_literal(parts.hostname)
    if literal is not None:
        check_address(literal, parts.hostname)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`, after the override and the private-address policy (every
    address checked: a name with one private address among public ones is refused)."""
    host = host.lower().strip("[]")
    literal = ip_literal(host)
    if literal is not None:
        check_address(literal, host)
        return [str(literal)]
    # CARAVAN_FEDERATION_RESOLVE (tests, benchmarks): only name resolution, the address still passes the policy.
    for suffix, ip in settings.CARAVAN["FEDERATION_RESOLVE"]:
        if host == suffix or host.endswith(suffix):
            check_address(ip, host)
            return [ip]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host}: {error}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        check_address(address, host)
    return addresses


def connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to an address that passes the policy, checked right before connecting."""
    check_address(address)
    return socket.create_connection((address, port), timeout=timeout)


def guarded_socket(addr_info: tuple) -> socket.socket:
    """aiohttp's socket factory: the policy checks the address every connection is actually made to, IP
    literals included (aiohttp connects to those without asking the resolver)."""
    family, type_, proto, _canonname, sockaddr = addr_info
    check_address(sockaddr[0])
    return socket.socket(family=family, type=type_, proto=proto)


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
        # Every hop is checked again: a public server may redirect to a private one.
        scheme, hostname, port = check_url(url)
        parts = urlsplit(url)
        address = resolve_host(hostname, port)[0]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = parts.netloc.rpartition("@")[2]  # never send user:password@ on
        all_headers = {"User-Agent": USER_AGENT, "Host": host_header, **(headers or {})}
        conn: http.client.HTTPConnection | None = None
        sock: socket.socket | None = None
        try:
            # Connect to the address we checked (no second look-up a rebinding DNS server could answer
            # differently); for https verify the certificate (and send SNI) for the name.
            sock = connect(address, port, timeout=min(timeout, 5))
            sock.settimeout(timeout)
            if scheme == "https":
                context = ssl.create_default_context()
                conn = http.client.HTTPSConnection(address, port, timeout=timeout, context=context)
                conn.sock = context.wrap_socket(sock, server_hostname=hostname)
            else:
                conn = http.client.HTTPConnection(address, port, timeout=timeout)
                conn.sock = sock
            conn.request(method, target, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read(MAX_DOCUMENT_BYTES + 1)
        except AddressRefused:
            raise
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"{url}: {error}") from None
        finally:
            if conn is not None:
                conn.close()
            elif sock is not None:
                sock.close()
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
