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
