"""The server's VAPID key pair (RFC 8292): made once, kept in the instance row, the same for every process.

Apps bind a push subscription to the public key they were given (the application entity's `vapid_key`, the
instance's `configuration.vapid.public_key`), so the key must never change under them: it lives in the
database, and two processes starting together agree on the first one written.
"""

import base64
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caravan.instance.models import InstanceSettings


@dataclass(frozen=True)
class VapidKeys:
    private_pem: str
    public_key: str  # the uncompressed P-256 point, base64url without padding (what browsers take)

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        return _load(self.private_pem)


@lru_cache(maxsize=4)
def _load(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _new_pair() -> VapidKeys:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(pem, base64.urlsafe_b64encode(point).rstrip(b"=").decode())


_cached: VapidKeys | None = None


def key_pair() -> VapidKeys:
    """The server's VAPID keys, made on first use. Safe when several processes ask at once: the key is written
    only where none is stored yet (one conditional UPDATE), and everyone then reads the stored one."""
    global _cached
    if _cached is not None:
        return _cached
    InstanceSettings.objects.get_or_create(pk=1)
    row = InstanceSettings.objects.filter(pk=1).values_list("vapid_private_key", "vapid_public_key").get()
    if not row[0]:
        fresh = _new_pair()
        InstanceSettings.objects.filter(pk=1, vapid_private_key="").update(
            vapid_private_key=fresh.private_pem, vapid_public_key=fresh.public_key
        )
        row = InstanceSettings.objects.filter(pk=1).values_list("vapid_private_key", "vapid_public_key").get()
    _cached = VapidKeys(row[0], row[1])
    return _cached


def public_key() -> str:
    return key_pair().public_key
