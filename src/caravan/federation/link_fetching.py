"""Fetching pages, oEmbed answers and images for link preview cards, under the same address rule as every
other outbound connection (`network.check_address` on the address each socket connects to, every redirect hop
checked again), with limits of their own: at most MAX_REDIRECTS redirects, a byte limit read as it arrives, a
deadline for the whole fetch (redirects and a server dripping bytes included), and only the content types asked
for. Installed into `previews.services` at start-up."""

import http.client
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from caravan.federation import network
from caravan.previews.services import Fetched, FetchFailed

MAX_REDIRECTS = 3
CHUNK = 16 * 1024


def fetch(url: str, *, max_bytes: int, content_types: tuple[str, ...], accept: str) -> Fetched:
    """GET `url`; the body if the final answer is a 200 of one of `content_types` (prefixes) within
    `max_bytes`, and all of it arrived within CARAVAN_PREVIEW_FETCH_SECONDS. Raises FetchFailed."""
    deadline = time.monotonic() + settings.CARAVAN["PREVIEW_FETCH_SECONDS"]
    for _ in range(MAX_REDIRECTS + 1):
        status, location, content_type, body = _get(url, max_bytes, content_types, accept, deadline)
        if status in (301, 302, 303, 307, 308):
            if not location:
                raise FetchFailed(f"{url}: a redirect without a location")
            url = urljoin(url, location)
            continue
        if status != 200:
            raise FetchFailed(f"{url}: HTTP {status}")
        return Fetched(url, content_type, body)
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def _remaining(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(f"{url}: too slow")
    return left


def _get(
    url: str, max_bytes: int, content_types: tuple[str, ...], accept: str, deadline: float
) -> tuple[int, str, str, bytes]:
    try:
        scheme, hostname, port = network.check_url(url)
        address = network.resolve_host(hostname, port)[0]
    except network.FetchError as error:
        raise FetchFailed(str(error)) from None
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "User-Agent": network.USER_AGENT,
        "Host": parts.netloc.rpartition("@")[2],
        "Accept": accept,
        "Accept-Encoding": "identity",  # the byte limit counts what is stored, not what was compressed
    }
    sock: socket.socket | None = None
    conn: http.client.HTTPConnection | None = None
    try:
        sock = network.connect(address, port, timeout=min(5.0, _remaining(deadline, url)))
        sock.settimeout(_remaining(deadline, url))
        if scheme == "https":
            context = ssl.create_default_context()
            conn = http.client.HTTPSConnection(address, port, context=context)
            conn.sock = context.wrap_socket(sock, server_hostname=hostname)
        else:
            conn = http.client.HTTPConnection(address, port)
            conn.sock = sock
        stream = conn.sock  # http.client lets go of it once the answer says the connection will close
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        status = response.status
        if status in (301, 302, 303, 307, 308):
            return status, response.getheader("Location", ""), "", b""
        if status != 200:
            return status, "", "", b""
        content_type = response.getheader("Content-Type", "").strip().lower()
        if not any(content_type.startswith(kind) for kind in content_types):
            raise FetchFailed(f"{url}: {content_type or 'no content type'} is not what was asked for")
        length = response.getheader("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchFailed(f"{url}: larger than {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            # One read at a time with the time that is left: a server sending a byte now and then still ends
            # at the deadline.
            stream.settimeout(_remaining(deadline, url))
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed(f"{url}: larger than {max_bytes} bytes")
            chunks.append(chunk)
        return status, "", content_type, b"".join(chunks)
    except network.AddressRefused as error:
        raise FetchFailed(str(error)) from None
    except TimeoutError:
        raise FetchFailed(f"{url}: too slow") from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise FetchFailed(f"{url}: {error}") from None
    finally:
        if conn is not None:
            conn.close()
        elif sock is not None:
            sock.close()
