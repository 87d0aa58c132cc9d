"""Both inbox fronts refuse the same broken and hostile requests with the same 4xx, through one shared
check: the production front (the ASGI path of a real `caravan serve`, over HTTP) and the Django view. The
production front also pushes back with 503 and Retry-After when its queue's backlog passes the limit."""

import http.client
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import urlsplit

import orjson
import pytest

from tests.federation.harness import one_server
from tests.federation.inbox_requests import (
    REFUSALS,
    ActorHost,
    InboxRequest,
    Signer,
    follow,
    refusal_case,
    signed,
)

BACKLOG_LIMIT = 4


@pytest.fixture(scope="module")
def actor_host():
    host = ActorHost()
    yield host
    host.close()


@pytest.fixture(scope="module")
def carol(actor_host, keys):
    private, public = keys[0]
    return Signer(actor_host.actor("carol", public), private)


@pytest.fixture(scope="module")
def front():
    """A real `caravan serve` without a worker, so what its front accepts stays queued and can be counted."""
    yield from one_server(10, {"CARAVAN_EMBEDDED_WORKER": "0"})


@pytest.fixture(scope="module")
def crowded_front():
    """The same, with a backlog limit of a handful of activities."""
    yield from one_server(
        12, {"CARAVAN_EMBEDDED_WORKER": "0", "CARAVAN_INBOX_BACKLOG_LIMIT": str(BACKLOG_LIMIT)}
    )


def send(base_url: str, request: InboxRequest) -> tuple[int, Message, bytes]:
    if request.headers_only:
        return _send_headers_only(base_url, request)
    http_request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{base_url}{request.path}", data=request.body, headers=request.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=30) as response:  # noqa: S310 - loopback test server
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _send_headers_only(base_url: str, request: InboxRequest) -> tuple[int, Message, bytes]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", request.path, skip_host=True)
        for name, value in {**request.headers, "Content-Length": str(len(request.body))}.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def post_to_view(client, request: InboxRequest):
    meta = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items() if k != "Content-Type"
    }
    return client.post(request.path, data=request.body, content_type="application/activity+json", **meta)


@pytest.mark.parametrize("name", REFUSALS)
def test_the_production_front_refuses_with_a_4xx_and_queues_nothing(name, front, carol):
    target = front.uri("alice")
    request, expected = refusal_case(front.base_url, carol, target, name)
    before = front.call("inbox_queue")
    status, _headers, body = send(front.base_url, request)
    assert status == expected, body
    assert orjson.loads(body)["error"]
    assert front.call("inbox_queue") == before


@pytest.mark.parametrize("name", REFUSALS)
def test_the_django_view_refuses_with_the_same_4xx_and_changes_nothing(name, client, make_account, carol):
    from django.conf import settings

    from caravan.federation.models import InboxItem
    from caravan.social.models import Follow

    alice = make_account("alice")
    request, expected = refusal_case(settings.BASE_URL, carol, alice.uri, name)
    response = post_to_view(client, request)
    assert response.status_code == expected, response.content
    assert orjson.loads(response.content)["error"]
    assert not Follow.objects.exists() and not InboxItem.objects.exists()


def test_duplicate_keys_are_read_the_same_way_by_both_fronts(front, carol, client, make_account):
    from django.conf import settings

    from caravan.social.models import Follow

    # The last value wins, as in every JSON reader Caravan uses: here the last actor is the signer.
    def body(target: str) -> bytes:
        activity = orjson.dumps(follow(carol, target, 7))
        return activity[:1] + b'"actor": "http://127.0.0.1:1/users/someone-else", ' + activity[1:]

    before = front.call("inbox_queue")["queued"]
    status, _, _ = send(front.base_url, signed(front.base_url, "/inbox", body(front.uri("alice")), carol))
    assert status == 202
    assert front.call("inbox_queue")["queued"] == before + 1
    alice = make_account("alice")
    response = post_to_view(client, signed(settings.BASE_URL, "/inbox", body(alice.uri), carol))
    assert response.status_code == 202
    assert Follow.objects.filter(account__uri=carol.uri, target_account=alice).exists()


def test_the_production_front_pushes_back_when_the_backlog_is_over_the_limit(crowded_front, carol):
    """The server has no worker, so accepted activities pile up."""
    target = crowded_front.uri("alice")
    statuses = []
    retry_after = None
    for n in range(100, 100 + 3 * BACKLOG_LIMIT):  # bounded: the limit is a handful of activities
        request = signed(crowded_front.base_url, "/inbox", orjson.dumps(follow(carol, target, n)), carol)
        status, headers, _ = send(crowded_front.base_url, request)
        statuses.append(status)
        if status == 503:
            retry_after = headers.get("Retry-After")
            break
        time.sleep(0.4)  # the front counts its backlog at most once a second
    assert statuses[-1] == 503, statuses
    assert retry_after is not None and int(retry_after) > 0
    assert set(statuses[:-1]) == {202}
    queued = crowded_front.call("inbox_queue")["queued"]
    assert queued > BACKLOG_LIMIT
    # Nothing more is queued while the backlog is over the limit.
    again = send(
        crowded_front.base_url,
        signed(crowded_front.base_url, "/inbox", orjson.dumps(follow(carol, target, 999)), carol),
    )
    assert again[0] == 503
    assert crowded_front.call("inbox_queue")["queued"] == queued


@pytest.mark.parametrize(
    "key",
    [
        {"publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
        {"publicKeyPem": {"pem": "an object"}},
        "the key as a string",
    ],
    ids=["broken PEM", "object as PEM", "string as key"],
)
def test_the_production_front_answers_401_for_a_hostile_key_document(front, actor_host, keys, key):
    private, _public = keys[1]
    uri = f"{actor_host.base}/users/eve"
    actor_host.actor("eve", "")
    document = actor_host.documents["/users/eve"]
    document["publicKey"] = {"id": f"{uri}#main-key", "owner": uri, **key} if isinstance(key, dict) else key
    eve = Signer(uri, private)
    before = front.call("inbox_queue")
    status, _, body = send(
        front.base_url, signed(front.base_url, "/inbox", orjson.dumps(follow(eve, "x")), eve)
    )
    assert status == 401, body
    assert front.call("inbox_queue") == before
