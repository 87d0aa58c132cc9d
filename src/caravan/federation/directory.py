"""The X-id directory between Caravan servers (decision 0027).

- A server advertises its lookup endpoint in NodeInfo `metadata.caravanDirectory`; `discover` reads it (the
  domain caches the answer per server for a day).
- `lookup` answers a POST signed by an actor of the asking server (the existing signature check) with the
  listed, undisputed entries for at most 500 exact ids: no ranges, no prefixes, no listing. The domain counts
  lookups per asking server and records which server received which entry.
- `ask` is the other side: a signed POST from this server's instance actor, through the guarded HTTP client.
- A withdrawn entry is a `Delete` of `caravan:DirectoryEntry` from the entry's own actor, recorded through the
  durable delivery path to every inbox that received it; a receiving server accepts it only from that actor.
"""

import logging
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from caravan import events
from caravan.directory import services as directory
from caravan.directory.models import Entry
from caravan.errors import DomainError, Throttled
from caravan.federation import documents
from caravan.federation.actors import signing_identity
from caravan.federation.delivery import record
from caravan.federation.network import FetchError, http_request
from caravan.federation.signatures import SignatureError, sign_request
from caravan.federation.views import verified_signer
from caravan.instance.domains import is_suspended

logger = logging.getLogger(__name__)

MAX_LOOKUP_BYTES = 64 * 1024  # 500 ids of 20 digits, quoted, fit many times over
ENTRY_TYPE = "caravan:DirectoryEntry"
NODEINFO_KEY = "caravanDirectory"


def endpoint_url() -> str:
    return f"{settings.BASE_URL}/directory/lookup"


def _answer(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


@csrf_exempt
def lookup(request: HttpRequest) -> HttpResponse:
    """POST {"ids": ["<X id>", ...]} signed by an actor of the asking server: {"entries": [{"id", "xId",
    "actor", "handle"}]}. Unsigned or badly signed: 401; more than 500 ids: 413; anything but ids: 400."""
    if request.method != "POST":
        return _answer({"error": "POST signed ids here"}, 405)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer({"error": "bad Content-Length"}, 400)
    if length > MAX_LOOKUP_BYTES:
        return _answer({"error": "request too large"}, 413)
    body = request.body
    if len(body) > MAX_LOOKUP_BYTES:  # a body sent without a length
        return _answer({"error": "request too large"}, 413)
    try:
        signer = verified_signer(request, body)
    except SignatureError as error:
        return _answer({"error": str(error)}, 401)
    if signer is None:
        return _answer({"error": "sign the request as an actor of your server"}, 401)
    if signer.is_local or is_suspended(signer.domain):
        return _answer({"error": "this server does not answer you"}, 403)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _answer({"error": "the body is not JSON"}, 400)
    ids = data.get("ids") if isinstance(data, dict) else None
    try:
        with translation.override("en"):
            entries = directory.answer_lookup(ids, signer.shared_inbox_url or signer.inbox_url, signer.domain)
    except Throttled as error:
        response = _answer({"error": error.english}, error.status)
        response["Retry-After"] = str(error.retry_after)
        return response
    except DomainError as error:
        return _answer({"error": error.english}, error.status)
    return _answer({"entries": entries})


def discover(domain: str) -> str:
    """The domain's directory lookup endpoint from its NodeInfo, or "" when it has none. Raises FetchError
    when the server cannot be asked now."""
    scheme = "http" if settings.BASE_SCHEME == "http" else "https"
    links = http_request("GET", f"{scheme}://{domain}/.well-known/nodeinfo", timeout=5).json()
    hrefs = [
        link.get("href")
        for link in links.get("links") or []
        if isinstance(link, dict)
        and str(link.get("rel", "")).startswith("http://nodeinfo.diaspora.software/")
    ]
    href = next((h for h in reversed(hrefs) if isinstance(h, str) and _host(h) == domain), None)
    if href is None:
        return ""
    info = http_request("GET", href, timeout=5).json()
    metadata = info.get("metadata")
    endpoint = metadata.get(NODEINFO_KEY) if isinstance(metadata, dict) else None
    # Only an endpoint on the server itself: a NodeInfo naming another host gets nothing sent there.
    if not isinstance(endpoint, str) or _host(endpoint) != domain or len(endpoint) > 2000:
        return ""
    return endpoint


def ask(endpoint: str, ids: list[int]) -> list[dict]:
    """Ask another server's directory about these ids, signed by this server's instance actor (who is
    importing is never said). Raises FetchError on anything but an answer."""
    body = orjson.dumps({"ids": [str(i) for i in ids]})
    key_id, private_pem = signing_identity(None)
    headers = sign_request(
        "POST",
        endpoint,
        key_id=key_id,
        private_key_pem=private_pem,
        body=body,
        content_type="application/json",
    )
    response = http_request("POST", endpoint, headers=headers, body=body, timeout=10)
    if response.status != 200:
        raise FetchError(f"{endpoint} answered {response.status}", response.status)
    entries = response.json().get("entries")
    return entries if isinstance(entries, list) else []


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rpartition("@")[2].lower()
    except ValueError:
        return ""


def withdrawal_activity(entry: Entry) -> dict:
    return {
        "@context": documents.CONTEXT,
        "id": f"{entry.uri}#withdrawn",
        "type": "Delete",
        "actor": entry.account.uri,
        "object": {"id": entry.uri, "type": ENTRY_TYPE},
    }


def on_withdrawn(entry: Entry, inboxes: set[str], **_) -> None:
    """A local listing was withdrawn: every server that received it gets a signed Delete of the entry."""
    if inboxes:
        record(entry.account, withdrawal_activity(entry), set(inboxes))


def connect() -> None:
    """Plug the directory into the domain: withdrawals become deliveries, and lookups go through here."""
    events.listen("directory.withdrawn", on_withdrawn)
    directory.install(discover, ask)
