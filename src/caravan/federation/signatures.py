"""HTTP Signatures: signing outgoing requests as Mastodon does (draft-cavage, rsa-sha256) and checking
incoming ones, draft-cavage or RFC 9421 (with RFC 9530 Content-Digest; their RFC 8941 structured fields are read
by http-sfv). Pure functions: finding the key is the caller's job.

Loading a PEM costs ~34 ms, so loaded keys are cached by their PEM text.
"""

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlsplit

import http_sfv
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Mastodon: created may be at most 1 h ahead; a signature lasts 5 min (or until expires, at most 12 h),
# plus 1 h of tolerated skew.
MAX_FUTURE = 3600
DEFAULT_VALIDITY = 300
MAX_VALIDITY = 12 * 3600
SKEW = 3600


class SignatureError(Exception):
    """The request's signature is missing, malformed, stale or wrong; the inbox answers 401."""


@lru_cache(maxsize=8192)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=8192)
def load_public_key(pem: str):
    text = pem.strip()
    if "BEGIN RSA PUBLIC KEY" in text:
        return serialization.load_pem_public_key(text.encode())
    return serialization.load_pem_public_key(text.encode())


def http_date(moment: float | None = None) -> str:
    return formatdate(moment if moment is not None else time.time(), usegmt=True)


def sha256_digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: str,
    body: bytes | None = None,
    content_type: str = "application/activity+json",
    accept: str = "",
    now: float | None = None,
) -> dict[str, str]:
    """The headers to add to a request so Mastodon (and everyone else) accepts it: Host, Date, Digest,
    Signature."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = {"Host": parts.netloc, "Date": http_date(now)}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = sha256_digest(body)
        headers["Content-Type"] = content_type
        names += ["digest", "content-type"]
    elif accept:
        headers["Accept"] = accept
        names.append("accept")
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name.title() if name != 'content-type' else 'Content-Type']}")
    signature = load_private_key(private_key_pem).sign(
        "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


@dataclass
class IncomingRequest:
    """What the verifier needs of a request: method, path with query, lower-cased headers, body, scheme."""

    method: str
    path: str  # path plus "?query" when there is one
    headers: dict[str, str]
    body: bytes = b""
    scheme: str = "https"


@dataclass
class ParsedSignature:
    key_id: str
    scheme: str  # "cavage" | "rfc9421"
    algorithm: str
    signature: bytes
    bases: list[bytes] = field(default_factory=list)  # candidate signing strings; one must verify

    def verify(self, public_key_pem: str) -> bool:
        """Whether the signature verifies with this key; a key that cannot be loaded verifies nothing."""
        try:
            public_key = load_public_key(public_key_pem)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return False
        return verify_signature(self, public_key)


def verify_signature(parsed: ParsedSignature, public_key) -> bool:
    for base in parsed.bases:
        try:
            if parsed.algorithm == "rsa-pss-sha512":
                public_key.verify(
                    parsed.signature,
                    base,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64),
                    hashes.SHA512(),
                )
            else:
                public_key.verify(parsed.signature, base, padding.PKCS1v15(), hashes.SHA256())
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False


_PARAM_RE = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,]*))\s*(?:,|$)')


def parse_cavage_header(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _PARAM_RE.match(value, pos)
        if match is None or match.end() == pos:
            raise SignatureError("malformed Signature header")
        params[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3).strip()
        pos = match.end()
    return params


def _check_clock(created: float | None, expires: float | None, date_header: str, now: float) -> None:
    if created is None and date_header:
        try:
            created = parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            raise SignatureError("unreadable Date header") from None
    if created is None:
        raise SignatureError("the signature must cover date or (created)")
    if created > now + MAX_FUTURE:
        raise SignatureError("signature created in the future")
    end = min(expires if expires is not None else created + DEFAULT_VALIDITY, created + MAX_VALIDITY)
    if now > end + SKEW:
        raise SignatureError("signature expired")


def _check_digest(request: IncomingRequest) -> None:
    header = request.headers.get("digest", "")
    for item in header.split(","):
        algo, _, value = item.strip().partition("=")
        if algo.lower() == "sha-256":
            if base64.b64encode(hashlib.sha256(request.body).digest()).decode() != value.strip():
                raise SignatureError("Digest does not match the body")
            return
    raise SignatureError("a SHA-256 Digest is required")


def _parse_cavage(request: IncomingRequest, value: str, now: float) -> ParsedSignature:
    params = parse_cavage_header(value)
    key_id, signature = params.get("keyId"), params.get("signature")
    if not key_id or not signature:
        raise SignatureError("keyId and signature are required")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {algorithm}")
    names = (params.get("headers") or "(created)").lower().split()
    if "date" not in names and "(created)" not in names:
        raise SignatureError("the signature must cover date or (created)")
    if request.method == "POST":
        if "digest" not in names:
            raise SignatureError("a POST signature must cover digest")
        _check_digest(request)
    elif "host" not in names:
        raise SignatureError("a GET signature must cover host")
    if "(request-target)" not in names and "digest" not in names:
        raise SignatureError("the signature must cover (request-target)")

    def number(name: str) -> float | None:
        raw = params.get(name)
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            raise SignatureError(f"malformed {name}") from None

    created, expires = number("created"), number("expires")
    _check_clock(created, expires, request.headers.get("date", "") if "date" in names else "", now)
    path_only = request.path.split("?", 1)[0]
    targets = [request.path] if path_only == request.path else [request.path, path_only]
    bases = []
    for target in targets:
        lines = []
        for name in names:
            if name == "(request-target)":
                lines.append(f"(request-target): {request.method.lower()} {target}")
            elif name == "(created)":
                lines.append(f"(created): {params.get('created', '')}")
            elif name == "(expires)":
                lines.append(f"(expires): {params.get('expires', '')}")
            else:
                if name not in request.headers:
                    raise SignatureError(f"signed header {name} is missing")
                lines.append(f"{name}: {request.headers[name]}")
        bases.append("\n".join(lines).encode())
    try:
        raw = base64.b64decode(signature, validate=False)
    except ValueError:
        raise SignatureError("signature is not base64") from None
    return ParsedSignature(key_id=key_id, scheme="cavage", algorithm="rsa-sha256", signature=raw, bases=bases)


def _structured_dictionary(value: str, what: str) -> http_sfv.Dictionary:
    """An RFC 8941 Dictionary header (Signature-Input, Signature, Content-Digest), parsed by http-sfv."""
    dictionary = http_sfv.Dictionary()
    try:
        dictionary.parse(value.encode())
    except ValueError:  # http-sfv's one error, for any malformed text (non-ASCII included)
        raise SignatureError(f"malformed {what}") from None
    return dictionary


def _is_string(value: object) -> bool:
    return isinstance(value, str) and not isinstance(value, http_sfv.Token)


def _component_value(request: IncomingRequest, name: str, params: dict[str, object]) -> str:
    host = request.headers.get("host", "").lower()
    path, _, query = request.path.partition("?")
    if name == "@method":
        return request.method.upper()
    if name == "@authority":
        return host
    if name == "@scheme":
        return request.scheme
    if name == "@target-uri":
        return f"{request.scheme}://{host}{request.path}"
    if name == "@request-target":
        return request.path
    if name == "@path":
        return path or "/"
    if name == "@query":
        return "?" + query
    if name == "@query-param":
        wanted = params.get("name", "")
        for key, val in parse_qsl(query, keep_blank_values=True):
            if key == wanted:
                return quote(val, safe="")
        raise SignatureError(f"query parameter {wanted} is missing")
    if name.startswith("@"):
        raise SignatureError(f"unsupported component {name}")
    if name not in request.headers:
        raise SignatureError(f"signed field {name} is missing")
    return request.headers[name].strip()


def _check_content_digest(request: IncomingRequest) -> None:
    members = _structured_dictionary(request.headers.get("content-digest", ""), "Content-Digest")
    for algo, func in (("sha-256", hashlib.sha256), ("sha-512", hashlib.sha512)):
        if algo in members:
            member = members[algo]
            if not isinstance(member, http_sfv.Item) or not isinstance(member.value, bytes):
                raise SignatureError("malformed Content-Digest")
            if not hmac.compare_digest(member.value, func(request.body).digest()):
                raise SignatureError("Content-Digest does not match the body")
            return
    raise SignatureError("a sha-256 or sha-512 Content-Digest is required")


def signature_base_rfc9421(
    request: IncomingRequest, label: str | None = None
) -> tuple[str, dict, bytes, bytes]:
    """The RFC 9421 signature base of one signature: (label, its parameters with "components", the base, the
    signature bytes)."""
    inputs = _structured_dictionary(request.headers.get("signature-input", ""), "Signature-Input")
    signatures = _structured_dictionary(request.headers.get("signature", ""), "Signature")
    if label is None:
        if len(inputs) != 1:
            raise SignatureError("exactly one signature is supported")
        label = next(iter(inputs))
    if label not in inputs or label not in signatures:
        raise SignatureError("Signature and Signature-Input do not match")
    covered = inputs[label]
    if not isinstance(covered, http_sfv.InnerList) or not all(_is_string(item.value) for item in covered):
        raise SignatureError("malformed Signature-Input")
    lines = []
    for item in covered:
        # The identifier is written as the sender's list serialises it, parameters (;sf, ;name="q") included.
        lines.append(f"{item}: {_component_value(request, item.value, dict(item.params))}")
    lines.append(f'"@signature-params": {covered}')
    signature = signatures[label]
    if not isinstance(signature, http_sfv.Item) or not isinstance(signature.value, bytes):
        raise SignatureError("malformed Signature")
    return (
        label,
        {"components": [item.value for item in covered], **covered.params},
        "\n".join(lines).encode(),
        signature.value,
    )


def _parse_rfc9421(request: IncomingRequest, now: float) -> ParsedSignature:
    _label, params, base, signature = signature_base_rfc9421(request)
    components = params["components"]
    key_id = params.get("keyid", "")
    if not _is_string(key_id) or not key_id or "created" not in params:
        raise SignatureError("created and keyid are required")
    if "@method" not in components or (
        "@target-uri" not in components and "@request-target" not in components
    ):
        raise SignatureError("the signature must cover @method and @target-uri")
    if request.method == "POST":
        if "content-digest" not in components:
            raise SignatureError("a POST signature must cover content-digest")
        _check_content_digest(request)
    created, expires = params["created"], params.get("expires")
    if any(type(value) is not int for value in (created, expires) if value is not None):
        raise SignatureError("malformed created or expires")
    _check_clock(created, expires, "", now)
    algorithm = params.get("alg", "rsa-v1_5-sha256")
    if algorithm not in ("rsa-v1_5-sha256", "rsa-pss-sha512"):
        raise SignatureError(f"unsupported algorithm {algorithm}")
    return ParsedSignature(
        key_id=key_id, scheme="rfc9421", algorithm=algorithm, signature=signature, bases=[base]
    )


def parse_request_signature(request: IncomingRequest, *, now: float | None = None) -> ParsedSignature:
    """Check everything about a request's signature that does not need the key; raises SignatureError."""
    now = time.time() if now is None else now
    if "signature-input" in request.headers:
        return _parse_rfc9421(request, now)
    value = request.headers.get("signature", "")
    if not value:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("signature "):
            value = authorization[len("signature ") :]
    if not value:
        raise SignatureError("the request is not signed")
    return _parse_cavage(request, value, now)
