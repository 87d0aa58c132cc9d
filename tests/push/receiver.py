"""A push service on loopback for the Web Push tests: records what it is sent, answers with scripted statuses,
and does what a browser and a push service do with a message: check the VAPID signature (RFC 8292) and
decrypt the payload with the subscriber's private key (RFC 8291, or the older aesgcm draft)."""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread. `script(path, [500, 201])` sets the answers for a path (then
    201); `wait(path, count)` returns the first `count` requests to it."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.scripts: dict[str, list[int]] = {}
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    script = receiver.scripts.get(self.path, [])
                    status = script.pop(0) if script else 201
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), body, status))
                    receiver.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        with self.lock:
            self.scripts[path] = list(statuses)

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [r for r in self.requests if r.path == path]
                if len(found) >= count:
                    return found[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{path} received {len(found)} pushes, expected {count}")
                self.lock.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BrowserKeys:
    """What a browser makes for a push subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.secret = os.urandom(16)
        self.p256dh, self.auth = b64(self.point), b64(self.secret)

    def decrypt(self, received: Received) -> dict:
        encoding = received.headers["Content-Encoding"]
        if encoding == "aes128gcm":
            plain = http_ece.decrypt(
                received.body, private_key=self.private_key, auth_secret=self.secret, version="aes128gcm"
            )
        else:
            assert encoding == "aesgcm", encoding
            salt = unb64(received.headers["Encryption"].split("salt=")[1].split(";")[0])
            dh = unb64(received.headers["Crypto-Key"].split("dh=")[1].split(";")[0])
            plain = http_ece.decrypt(
                received.body,
                salt=salt,
                dh=dh,
                private_key=self.private_key,
                auth_secret=self.secret,
                version="aesgcm",
            )
        return json.loads(plain)


def verify_vapid(received: Received, server_key: str, audience: str) -> dict:
    """Check the request's VAPID JWT (ES256) against the server's published key; returns its claims."""
    authorization = received.headers["Authorization"]
    if authorization.startswith("vapid "):
        fields = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        jwt, key = fields["t"], fields["k"]
    else:  # the draft form: "WebPush <jwt>" with the key in Crypto-Key's p256ecdsa
        assert authorization.startswith("WebPush "), authorization
        jwt = authorization[8:].strip()
        key = received.headers["Crypto-Key"].split("p256ecdsa=")[1].split(";")[0]
    assert unb64(key) == unb64(server_key), "signed with another key than the one the server publishes"
    header_b64, claims_b64, signature_b64 = jwt.split(".")
    assert json.loads(unb64(header_b64))["alg"] == "ES256"
    signature = unb64(signature_b64)
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID signature does not verify") from None
    claims = json.loads(unb64(claims_b64))
    assert claims["aud"] == audience, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600 + 60, claims
    assert claims["sub"].startswith(("mailto:", "http://", "https://")), claims
    return claims
