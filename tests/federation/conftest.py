"""Fixtures for federation tests: remote actors with real keys, and signed requests to our own endpoints."""

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(autouse=True)
def _loopback_allowed(caravan_settings):
    """Federation tests talk to servers on loopback addresses, which the outbound rule refuses by default;
    tests of the rule itself turn it back on."""
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True)


_KEYS: list[tuple[str, str]] = []


def keypair() -> tuple[str, str]:
    """(private PEM, public PEM); a few are made once per session, since RSA generation costs ~50 ms."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="session")
def keys():
    if not _KEYS:
        _KEYS.extend(keypair() for _ in range(3))
    return _KEYS


class Remote:
    """A remote actor we already know (stored through accounts.services), able to sign requests to us."""

    def __init__(self, account, private_pem: str) -> None:
        self.account = account
        self.private_pem = private_pem
        self.uri = account.uri
        self.base = account.uri.rsplit("/users/", 1)[0]

    def post(
        self,
        client,
        activity: dict,
        path: str = "/inbox",
        *,
        key_id: str | None = None,
        private_pem: str | None = None,
        body: bytes | None = None,
        **extra_headers,
    ):
        from django.conf import settings

        from caravan.federation.signatures import sign_request

        body = orjson.dumps(activity) if body is None else body
        headers = sign_request(
            "POST",
            f"{settings.BASE_URL}{path}",
            key_id=key_id or self.account.key_id,
            private_key_pem=private_pem or self.private_pem,
            body=body,
        )
        headers.update(extra_headers)
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
        return client.post(path, data=body, content_type="application/activity+json", **meta)

    def get(self, client, path: str, accept: str = "application/activity+json"):
        from django.conf import settings

        from caravan.federation.signatures import sign_request

        headers = sign_request(
            "GET",
            f"{settings.BASE_URL}{path}",
            key_id=self.account.key_id,
            private_key_pem=self.private_pem,
            accept=accept,
        )
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return client.get(path, **meta)


@pytest.fixture
def make_remote(db, keys):
    from caravan.profiles import upsert_remote_account

    counter = {"n": 0}

    def make(
        username: str = "alice", domain: str = "remote.example", *, key_index: int | None = None, **fields
    ):
        index = counter["n"] % len(keys) if key_index is None else key_index
        counter["n"] += 1
        private, public = keys[index]
        uri = f"https://{domain}/users/{username}"
        account = upsert_remote_account(
            uri,
            username=username,
            domain=domain,
            inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"https://{domain}/inbox",
            followers_url=f"{uri}/followers",
            featured_url=f"{uri}/collections/featured",
            url=f"https://{domain}/@{username}",
            public_key_pem=public,
            key_id=f"{uri}#main-key",
            **fields,
        )
        return Remote(account, private)

    return make
