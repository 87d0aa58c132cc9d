"""Outbound requests never reach private addresses unless the operator allows it (tests do)."""

import pytest

from caravan.federation.network import FetchError, http_request, resolve_host
from caravan.untrusted import valid_domain


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "localhost"]
)
def test_private_and_loopback_addresses_are_refused(host, caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
    with pytest.raises(FetchError, match="private"):
        resolve_host(host, 443)
    with pytest.raises(FetchError):
        http_request("GET", f"http://{host if ':' not in host else f'[{host}]'}/.well-known/nodeinfo")


def test_allowing_private_addresses_and_the_resolver_override(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
    assert resolve_host("127.0.0.1", 80) == ["127.0.0.1"]
    caravan_settings(FEDERATION_RESOLVE=(("fanout.test", "127.0.0.1"),))
    assert resolve_host("h17.fanout.test", 80) == ["127.0.0.1"]


def test_non_http_urls_are_refused(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
    for url in ("file:///etc/passwd", "gopher://example.com/", "http:///nohost"):
        with pytest.raises(FetchError):
            http_request("GET", url)


def test_https_fetch_connects_to_the_checked_address_and_verifies_the_name(
    monkeypatch, caravan_settings, tmp_path
):
    """A test CA (trustme) signs a certificate for fed.test, served on loopback via the resolver override."""
    import asyncio
    import ssl
    import threading

    import trustme
    from aiohttp import web

    from tests.federation.harness import free_port

    ca = trustme.CA()
    cert = ca.issue_cert("fed.test")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port("127.0.0.1")

    async def hello(request):
        return web.json_response({"id": f"https://fed.test:{port}/hello", "host": request.headers["Host"]})

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/hello", hello)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port, ssl_context=server_context).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
        caravan_settings(FEDERATION_RESOLVE=(("fed.test", "127.0.0.1"), ("wrong.test", "127.0.0.1")))
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        response = http_request("GET", f"https://fed.test:{port}/hello")
        assert response.status == 200 and response.json()["host"] == f"fed.test:{port}"
        with pytest.raises(FetchError):  # the certificate is not for this name
            http_request("GET", f"https://wrong.test:{port}/hello")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------------------------
# The address policy on every outbound path, against a loopback server that records what reaches it.

import http.server  # noqa: E402
import ipaddress  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import orjson  # noqa: E402

from caravan.federation import network  # noqa: E402


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers like a tiny ActivityPub server (actor documents, WebFinger, an inbox, a redirect) and records
    every request that reaches it."""

    hits: list[str]
    redirect_to = ""

    def _json(self, data: dict, content_type: str) -> None:
        body = orjson.dumps(data)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(f"GET {self.path}")
        host = self.headers.get("Host", "")
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/.well-known/webfinger"):
            self._json(
                {
                    "links": [
                        {
                            "rel": "self",
                            "type": "application/activity+json",
                            "href": f"http://{host}/users/bob",
                        }
                    ]
                },
                "application/jrd+json",
            )
        else:
            self._json(
                {"id": f"http://{host}{self.path}", "type": "Person", "preferredUsername": "bob"},
                "application/activity+json",
            )

    def do_POST(self) -> None:  # noqa: N802
        self.hits.append(f"POST {self.path}")
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _recording_server(address: str = "127.0.0.1"):
    """(port, hits) of a loopback HTTP server running in a thread."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server_class = type(
        "Server",
        (http.server.ThreadingHTTPServer,),
        {"address_family": socket.AF_INET6 if ":" in address else socket.AF_INET},
    )
    server = server_class((address, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits, handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


# Spellings of a loopback or unspecified address; each one connects to the local machine.
V4_FORMS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "0x7f000001",
    "0.0.0.0",
    "0",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
]
# The ones aiohttp itself will connect to (it rejects legacy numeric forms outright), so that with private
# addresses allowed a delivery really arrives.
AIOHTTP_FORMS = ["127.0.0.1", "0.0.0.0", "[::ffff:127.0.0.1]"]


def _forms():
    yield from (("127.0.0.1", form) for form in V4_FORMS)
    if _ipv6_loopback():
        yield ("::1", "[::1]")
        yield ("::1", "[0:0:0:0:0:0:0:1]")


@pytest.mark.parametrize(("listen", "form"), list(_forms()))
def test_fetches_and_webfinger_never_reach_a_loopback_address_in_any_spelling(
    listen, form, caravan_settings, db
):
    from caravan.federation import actors

    with _recording_server(listen) as (port, hits, _handler):
        url = f"http://{form}:{port}/users/bob"
        caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
        with pytest.raises(FetchError, match="private, local or reserved address; refused"):
            actors.fetch_json(url)
        assert actors.resolve_actor(url) is None
        assert actors.webfinger("bob", f"{form}:{port}") is None
        assert hits == []

        # Not vacuous: the same requests do arrive when the operator allows private addresses.
        caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
        assert actors.fetch_json(url)["preferredUsername"] == "bob"
        assert "GET /users/bob" in hits
        if valid_domain(f"{form}:{port}"):
            assert actors.webfinger("bob", f"{form}:{port}") is not None
            assert any(hit.startswith("GET /.well-known/webfinger") for hit in hits)
        else:
            # Legacy spellings (127.1, 2130706433...) are no server address a handle may name: the handle rule
            # refuses them before any request.
            assert actors.webfinger("bob", f"{form}:{port}") is None
            assert not any(hit.startswith("GET /.well-known/webfinger") for hit in hits)


def test_a_host_name_that_resolves_to_loopback_is_refused_too(caravan_settings, db):
    from caravan.federation import actors

    with _recording_server() as (port, hits, _handler):
        caravan_settings(FEDERATION_RESOLVE=(("hostile.test", "127.0.0.1"),))
        caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
        with pytest.raises(FetchError, match="hostile.test .127.0.0.1. is a private"):
            actors.fetch_json(f"http://hostile.test:{port}/users/bob")
        assert actors.webfinger("bob", f"hostile.test:{port}") is None
        assert hits == []
        caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
        actors.fetch_json(f"http://hostile.test:{port}/users/bob")
        assert hits == ["GET /users/bob"]


@pytest.mark.parametrize("form", ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "0.0.0.0"])
def test_a_redirect_to_a_private_address_is_not_followed(form, monkeypatch, caravan_settings):
    """The first server counts as public here (127.0.0.2 stands in for one; nothing may leave loopback), and
    redirects to a loopback address: every hop is checked, so the second server is never reached."""
    public = network.is_public_address
    monkeypatch.setattr(
        network, "is_public_address", lambda address: str(address) == "127.0.0.2" or public(address)
    )
    caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
    with (
        _recording_server("127.0.0.2") as (first_port, first_hits, first),
        _recording_server() as (
            port,
            hits,
            _handler,
        ),
    ):
        first.redirect_to = f"http://{form}:{port}/users/bob"
        with pytest.raises(FetchError, match="refused"):
            http_request("GET", f"http://127.0.0.2:{first_port}/redirect")
        assert first_hits == ["GET /redirect"] and hits == []
        caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
        assert http_request("GET", f"http://127.0.0.2:{first_port}/redirect").status == 200
        assert hits == ["GET /users/bob"]


def _delivery_to(inbox: str, make_account):
    from caravan.federation.models import Delivery, OutgoingActivity

    actor = make_account(f"sender{abs(hash(inbox)) % 10**8}")
    activity = OutgoingActivity.objects.create(
        uri=f"{actor.uri}#test", type="Create", actor=actor, body=orjson.dumps({"type": "Create"})
    )
    return Delivery.objects.create(activity=activity, inbox_url=inbox, domain=inbox.split("/")[2])


@pytest.mark.parametrize(("listen", "form"), list(_forms()))
def test_deliveries_never_reach_a_loopback_inbox_and_are_not_retried(
    listen, form, caravan_settings, make_account
):
    from caravan.federation.models import Delivery, UnavailableDomain
    from caravan.federation.sender import deliver_due

    with _recording_server(listen) as (port, hits, _handler):
        caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
        delivery = _delivery_to(f"http://{form}:{port}/inbox", make_account)
        deliver_due()
        delivery.refresh_from_db()
        assert hits == []
        assert delivery.state == Delivery.FAILED and delivery.attempts == 1
        assert delivery.next_attempt_at is None  # a refusal is final: never tried again
        assert (
            "refused" in delivery.last_error and "private, local or reserved address" in delivery.last_error
        )
        assert not UnavailableDomain.objects.exists()  # the server is not down; we chose not to call it

        if form in AIOHTTP_FORMS or form.startswith("[::1") or form.startswith("[0:"):
            caravan_settings(FEDERATION_ALLOW_PRIVATE=True)
            allowed = _delivery_to(f"http://{form}:{port}/inbox?again", make_account)
            deliver_due()
            allowed.refresh_from_db()
            assert allowed.state == Delivery.DONE and hits == ["POST /inbox?again"]


def test_a_delivery_to_a_name_that_resolves_to_loopback_is_refused(caravan_settings, make_account):
    from caravan.federation.models import Delivery
    from caravan.federation.sender import deliver_due

    with _recording_server() as (port, hits, _handler):
        caravan_settings(FEDERATION_RESOLVE=(("hostile.test", "127.0.0.1"),))
        caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
        delivery = _delivery_to(f"http://hostile.test:{port}/inbox", make_account)
        deliver_due()
        delivery.refresh_from_db()
        assert hits == [] and delivery.state == Delivery.FAILED and delivery.next_attempt_at is None
        assert "hostile.test (127.0.0.1) is a private" in delivery.last_error


def test_the_socket_factory_checks_the_address_actually_connected_to(caravan_settings):
    """Whatever the resolver said, the address a socket is opened for is checked again."""
    caravan_settings(FEDERATION_ALLOW_PRIVATE=False)
    for sockaddr, family in ((("127.0.0.1", 80), socket.AF_INET), (("::1", 80, 0, 0), socket.AF_INET6)):
        with pytest.raises(network.AddressRefused):
            network.guarded_socket((family, socket.SOCK_STREAM, 6, "", sockaddr))


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "127.255.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "192.0.0.8",
        "::",
        "::1",
        "fe80::1",
        "fe80::1%2",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "2002:a00:1::1",
        "2002:7f00:1::",
        "2002:c0a8:101::1",
        "2001:0:4136:e378::1",
        "100::1",
    ],
)
def test_private_and_reserved_ranges_are_classified_as_not_public(address):
    assert not network.is_public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_are_classified_as_public(address):
    assert network.is_public_address(address)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7F.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::1", "::1"),
        ("example.org", None),
        ("1.2.3.4.5", None),
        ("0x", None),
        ("08.1.1.1", None),
        ("256.1.1.1", None),
        ("caravan.test", None),
    ],
)
def test_ip_literals_are_read_in_every_spelling_a_c_library_accepts(host, address):
    literal = network.ip_literal(host)
    assert (str(literal) if literal else None) == address
    if address is not None:
        assert literal == ipaddress.ip_address(socket.getaddrinfo(host.strip("[]"), 80)[0][4][0])
