"""Outbound requests never reach private addresses unless the operator allows it (tests do)."""

import pytest

from caravan.federation.network import FetchError, http_request, resolve_host


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "localhost"]
)
def test_private_and_loopback_addresses_are_refused(host, monkeypatch):
    monkeypatch.setenv("CARAVAN_FEDERATION_ALLOW_PRIVATE", "0")
    with pytest.raises(FetchError, match="private"):
        resolve_host(host, 443)
    with pytest.raises(FetchError):
        http_request("GET", f"http://{host if ':' not in host else f'[{host}]'}/.well-known/nodeinfo")


def test_allowing_private_addresses_and_the_resolver_override(monkeypatch):
    monkeypatch.setenv("CARAVAN_FEDERATION_ALLOW_PRIVATE", "1")
    assert resolve_host("127.0.0.1", 80) == ["127.0.0.1"]
    monkeypatch.setenv("CARAVAN_FEDERATION_RESOLVE", "fanout.test=127.0.0.1")
    assert resolve_host("h17.fanout.test", 80) == ["127.0.0.1"]


def test_non_http_urls_are_refused(monkeypatch):
    monkeypatch.setenv("CARAVAN_FEDERATION_ALLOW_PRIVATE", "1")
    for url in ("file:///etc/passwd", "gopher://example.com/", "http:///nohost"):
        with pytest.raises(FetchError):
            http_request("GET", url)


def test_https_fetch_connects_to_the_checked_address_and_verifies_the_name(monkeypatch, tmp_path):
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
        monkeypatch.setenv("CARAVAN_FEDERATION_ALLOW_PRIVATE", "1")
        monkeypatch.setenv("CARAVAN_FEDERATION_RESOLVE", "fed.test=127.0.0.1,wrong.test=127.0.0.1")
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        response = http_request("GET", f"https://fed.test:{port}/hello")
        assert response.status == 200 and response.json()["host"] == f"fed.test:{port}"
        with pytest.raises(FetchError):  # the certificate is not for this name
            http_request("GET", f"https://wrong.test:{port}/hello")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
