"""Hostile and broken inbox requests, shared by the tests of both inbox fronts (the ASGI front of a real
`caravan serve`, and the Django view): each builds a signed request and says which status it must get."""

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from aiohttp import web

from caravan.federation.signatures import sign_request
from tests.federation.harness import free_port

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
MIB = 1024 * 1024


class ActorHost:
    """A loopback server publishing documents (actors, keys, objects): documents[path] = dict or raw bytes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.documents: dict[str, dict | bytes] = {}
        self.port = free_port(host)
        self.base = f"http://{host}:{self.port}"
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, host, self.port).start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _serve(self, request):
        document = self.documents.get(request.path)
        if document is None:
            return web.Response(status=404)
        body = document if isinstance(document, bytes) else orjson.dumps(document)
        return web.Response(body=body, content_type="application/activity+json")

    def actor(self, username: str, public_pem: str, **fields) -> str:
        uri = f"{self.base}/users/{username}"
        self.documents[f"/users/{username}"] = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": uri,
            "type": "Person",
            "preferredUsername": username,
            "inbox": f"{uri}/inbox",
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
            **fields,
        }
        return uri

    def close(self) -> None:
        async def stop():
            await self.runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@dataclass
class Signer:
    uri: str
    private_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"


@dataclass
class InboxRequest:
    path: str
    body: bytes
    headers: dict[str, str]
    # Over HTTP, send only the headers (Content-Length included): a server refusing on the length alone
    # answers at once, and a client still writing a body it will never read would see the connection reset.
    headers_only: bool = False


def signed(base_url: str, path: str, body: bytes, signer: Signer, *, signed_body: bytes | None = None):
    """A request to `path` carrying `body`, signed over `signed_body` (the same body unless a test lies)."""
    headers = sign_request(
        "POST",
        f"{base_url}{path}",
        key_id=signer.key_id,
        private_key_pem=signer.private_pem,
        body=body if signed_body is None else signed_body,
    )
    return InboxRequest(path, body, headers)


def oversized(base_url: str, signer: Signer) -> InboxRequest:
    request = signed(base_url, "/inbox", b'{"type": "Note", "content": "' + b"x" * MIB + b'"}', signer)
    request.headers_only = True
    return request


def follow(signer: Signer, target: str, n: int = 1, **fields) -> dict:
    return {
        "id": f"{signer.uri}#follows/{n}",
        "type": "Follow",
        "actor": signer.uri,
        "object": target,
        **fields,
    }


def deeply_nested(depth: int = 100_000) -> bytes:
    return b'{"type": "Follow", "object": ' + b"[" * depth + b"]" * depth + b"}"


def refusal_case(base_url: str, signer: Signer, target: str, name: str) -> tuple[InboxRequest, int]:
    """The request called `name` (one of REFUSALS), and the status it must get. None may change anything."""

    def body(activity: dict) -> bytes:
        return orjson.dumps(activity)

    good = body(follow(signer, target))
    cases: list[tuple[str, Callable[[], InboxRequest], int]] = [
        ("oversized", lambda: oversized(base_url, signer), 413),
        ("malformed JSON", lambda: signed(base_url, "/inbox", b'{"type": "Follow", "actor": ', signer), 400),
        ("not an object", lambda: signed(base_url, "/inbox", b'["Follow"]', signer), 400),
        ("100,000 nested arrays", lambda: signed(base_url, "/inbox", deeply_nested(), signer), 400),
        (
            "a number beyond a double",
            lambda: signed(base_url, "/inbox", good[:-1] + b', "votersCount": 1e999999}', signer),
            400,
        ),
        (
            "a 400-digit integer",
            lambda: signed(base_url, "/inbox", good[:-1] + b', "votersCount": ' + b"9" * 400 + b"}", signer),
            400,
        ),
        (
            "a number as the id",
            lambda: signed(base_url, "/inbox", body({**follow(signer, target), "id": 12345}), signer),
            400,
        ),
        (
            "an object as the type",
            lambda: signed(base_url, "/inbox", body({**follow(signer, target), "type": {"x": 1}}), signer),
            400,
        ),
        (
            "a number as the actor",
            lambda: signed(base_url, "/inbox", body({**follow(signer, target), "actor": 7}), signer),
            400,
        ),
        (
            "bad digest",
            lambda: signed(base_url, "/inbox", good, signer, signed_body=body(follow(signer, target, 2))),
            401,
        ),
        (
            "activity id on another server",
            lambda: signed(
                base_url, "/inbox", body(follow(signer, target, id="http://127.0.0.1:1/follows/1")), signer
            ),
            403,
        ),
        (
            "actor is not the signer",
            lambda: signed(base_url, "/inbox", body(follow(signer, target, actor=f"{signer.uri}x")), signer),
            401,
        ),
        ("unknown inbox", lambda: signed(base_url, "/users/nobody/inbox", good, signer), 404),
        (
            "duplicate keys, the last naming someone else",
            lambda: signed(
                base_url,
                "/inbox",
                good[:-1] + b', "actor": ' + orjson.dumps(f"{signer.uri}x") + b"}",
                signer,
            ),
            401,
        ),
    ]
    build, status = {case: (build, status) for case, build, status in cases}[name]
    return build(), status


REFUSALS = [
    "oversized",
    "malformed JSON",
    "not an object",
    "100,000 nested arrays",
    "a number beyond a double",
    "a 400-digit integer",
    "a number as the id",
    "an object as the type",
    "a number as the actor",
    "bad digest",
    "activity id on another server",
    "actor is not the signer",
    "unknown inbox",
    "duplicate keys, the last naming someone else",
]
