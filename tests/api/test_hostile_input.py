"""Client API input never gets a 5xx: strange parameter names, values of the wrong type, digits that are not
ASCII, numbers beyond 64 bits, unreadable bodies. Every route (read from `api/urls.py`) and the OAuth endpoints
get a 4xx with `{"error": ...}` or a normal answer, from a real `caravan serve`."""

import uuid

import pytest
import requests

from caravan.api.params import Params, nest
from caravan.errors import DomainError
from caravan.ids import id_from_text, parse_int64
from tests.api.routes import api_routes, sample_path

# Names the views read, so that every hostile value reaches a typed accessor somewhere.
NAMES = [
    "q",
    "acct",
    "type",
    "limit",
    "offset",
    "max_id",
    "min_id",
    "since_id",
    "account_id",
    "id",
    "status",
    "title",
    "domain",
    "comment",
    "tagged",
    "local",
    "only_media",
    "types",
    "exclude_types",
    "timeline",
    "status_ids",
    "media_ids",
    "choices",
    "context",
    "keyword",
    "description",
    "focus",
    "display_name",
    "note",
    "fields_attributes",
    "source",
    "poll",
    "in_reply_to_id",
    "visibility",
    "spoiler_text",
    "language",
    "scheduled_at",
    "duration",
    "expires_in",
    "keywords_attributes",
    "replies_policy",
    "exclusive",
    "whole_word",
    "username",
    "email",
    "password",
    "agreement",
    "reason",
    "locale",
    "notifications",
    "reblogs",
    "notify",
    "languages",
    "following",
    "resolve",
    "exclude_replies",
    "exclude_reblogs",
    "pinned",
    "any",
    "all",
    "none",
    "list",
    "filter_action",
    "category",
    "forward",
    "rule_ids",
    "sensitive",
    "media_attributes",
    "home",
    "account_ids",
    "locked",
    "bot",
    "discoverable",
]
DEEP = "[" * 200 + "]" * 200

QUERIES = {
    "empty, bracket-only, nested and numeric names": (
        "=1&[]=2&[x]=3&[][]=4&&=&a[][]=1&a[]=2&a[x]=3&b[x][][y]=1&b[x][]=2"
        "&0=1&1=2&2[]=3&3[4]=5&99999999999999999999999=1"
        "&poll[options][99999999999999999999]=a&choices[%C2%B2]=1&media_ids[9999999]=1"
    ),
    "one name as value, list and hash": "&".join(f"{n}=1&{n}[]=2&{n}[x]=3" for n in NAMES),
    "hash before list": "&".join(f"{n}[x]=1&{n}[]=2&{n}=3" for n in NAMES),
    "non-ASCII digits": "&".join(f"{n}=%D9%A3" for n in NAMES) + "&id[]=%D9%A3&x[%C2%B2]=1",
    "beyond 64 bits": "&".join(f"{n}=99999999999999999999999" for n in NAMES),
    "negative beyond 64 bits": "&".join(f"{n}=-99999999999999999999999" for n in NAMES),
    "NUL characters": "&".join(f"{n}=a%00b" for n in NAMES),
    "deep names": "a" + "[x]" * 100 + "=1",
}
JSON_BODIES = {
    "lists of hashes": {n: [{"a": [1]}] for n in NAMES},
    "hashes": {n: {"x": {"y": 1}} for n in NAMES},
    "hash items": {n: {"0": {"x": [1]}, "1": [2]} for n in NAMES},
    "numbers beyond 64 bits as text": dict.fromkeys(NAMES, "99999999999999999999"),
    "big integers": dict.fromkeys(NAMES, 9223372036854775807),
    "floats": dict.fromkeys(NAMES, 1e308),
    "booleans": dict.fromkeys(NAMES, True),
    "nulls": dict.fromkeys(NAMES),
    "non-ASCII digits": dict.fromkeys(NAMES, "٣"),
    "empty strings": dict.fromkeys(NAMES, ""),
    "NUL characters": dict.fromkeys(NAMES, "a\x00b"),
}
RAW_BODIES = {
    "malformed JSON": ("application/json", b'{"status": '),
    "JSON array": ("application/json", b"[1, 2]"),
    "JSON string": ("application/json", b'"status"'),
    "deeply nested JSON": ("application/json", ('{"status": ' + DEEP + "}").encode()),
    "too deeply nested for the parser": ("application/json", ("[" * 5000 + "]" * 5000).encode()),
    "JSON with 65-bit number": ("application/json", b'{"limit": 99999999999999999999999}'),
    "multipart without a boundary": (
        "multipart/form-data",
        b"--x\r\nContent-Disposition: form-data\r\n\r\n1",
    ),
    "multipart with a broken body": ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
    "form with conflicting names": (
        "application/x-www-form-urlencoded",
        b"status=1&status[]=2&poll[options]=x&poll=1&poll[options][]=y&media_ids[x]=1&source=1&source[a]=2",
    ),
    "form with bad percent-encoding": ("application/x-www-form-urlencoded", b"status=%ff%fe%&limit=%"),
}
PATH_IDS = ["\u0663", "99999999999999999999999", "-1", "%C2%B2"]


def test_ids_are_ascii_digits_within_64_bits():
    assert id_from_text("123") == 123 and id_from_text(123) == 123
    for bad in (
        "\u0663",
        "\u00b2",
        "99999999999999999999",
        "-1",
        "+1",
        "1_000",
        "1.0",
        "",
        True,
        [1],
        {},
        1.5,
    ):
        assert id_from_text(bad) is None, bad
    assert parse_int64("-5") == -5 and parse_int64(" 7 ") == 7
    assert parse_int64(str(1 << 63)) is None and parse_int64(str((1 << 63) - 1)) == (1 << 63) - 1


def test_strange_names_nest_without_errors():
    assert nest([("", ["1"]), ("[]", ["2"]), ("[x]", ["3"])]) == {}
    assert nest([("0", ["a"]), ("1", ["b"])]) == {"0": "a", "1": "b"}  # the top level stays a hash
    assert nest([("a[b]", ["1"]), ("a[]", ["2"])]) == {"a": {"b": "1"}}
    assert nest([("a", ["1"]), ("a[]", ["2"])]) == {"a": ["2"]}
    assert nest([("a[][]", ["1"])]) == {"a": []}
    assert nest([("a[\u00b2]", ["1"])]) == {"a": {"\u00b2": "1"}}
    with pytest.raises(DomainError):
        nest([("a" + "[x]" * 100, ["1"])])


def test_typed_accessors_refuse_the_wrong_shape_with_422():
    p = Params(
        {"limit": "\u0663", "big": "99999999999999999999", "h": {"a": "1"}, "l": ["x", {"y": 1}], "d": "2"}
    )
    for read in (
        lambda: p.int("limit"),
        lambda: p.int("big"),
        lambda: p.str("h"),
        lambda: p.int("h"),
        lambda: p.strs("l"),
        lambda: p.ids("l"),
        lambda: p.dicts("l"),
        lambda: p.dict("d"),
        lambda: p.seconds("big"),
        lambda: p.dict("h").int("a", maximum=0),
    ):
        with pytest.raises(DomainError) as caught:
            read()
        assert caught.value.status == 422
    assert p.dict("h").int("a") == 1 and p.int("d", minimum=1, maximum=3) == 2
    with pytest.raises(DomainError, match=r"h\[a\] must be"):
        p.dict("h").ids("a") and p.dict("h").dict("a")


def _check(response: requests.Response, what: str, failures: list) -> None:
    if response.status_code >= 500:
        failures.append((what, response.status_code, response.text[:200]))
    elif response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
            failures.append((what, response.status_code, "not a JSON error: " + response.text[:200]))


@pytest.fixture(scope="module")
def hostile(signup):
    """A person whose every request is hostile; made for this module, so what it changes harms no other test."""
    return signup(f"hostile{uuid.uuid4().hex[:8]}").access_token


def test_every_route_answers_hostile_queries_and_bodies_with_a_4xx_not_a_5xx(server, hostile):
    auth = {"Authorization": f"Bearer {hostile}"}
    failures: list = []
    for method, template, _view in api_routes():
        url = f"{server}/{sample_path(template)}"
        for name, query in QUERIES.items():
            response = requests.request(method, f"{url}?{query}", headers=auth, timeout=20)
            _check(response, f"{method} {template} query: {name}", failures)
        for name, body in JSON_BODIES.items():
            response = requests.request(method, url, headers=auth, json=body, timeout=20)
            _check(response, f"{method} {template} JSON: {name}", failures)
        for name, (content_type, body) in RAW_BODIES.items():
            if method == "GET" and content_type != "application/json":
                continue  # a GET's form or multipart body is never read; a JSON one is (Mastodon.py sends it)
            headers = {**auth, "Content-Type": content_type}
            response = requests.request(method, url, headers=headers, data=body, timeout=20)
            _check(response, f"{method} {template} body: {name}", failures)
        if "<" in template:
            for value in PATH_IDS:
                response = requests.request(
                    method, f"{server}/{sample_path(template, value)}", headers=auth, timeout=20
                )
                _check(response, f"{method} {template} id {value!r}", failures)
    assert failures == [], "\n".join(map(str, failures))


def test_oauth_endpoints_answer_hostile_input_with_a_json_4xx(server, app_credentials):
    client_id, _secret = app_credentials
    failures: list = []
    for path in ("oauth/token", "oauth/revoke", "api/v1/apps"):
        url = f"{server}/{path}"
        for name, query in QUERIES.items():
            _check(requests.post(f"{url}?{query}", timeout=20), f"{path} query: {name}", failures)
        for name, body in JSON_BODIES.items():
            extra = {"grant_type": body.get("q"), "client_id": body.get("q"), "token": body.get("q")}
            for payload in (body, {**body, **extra}):
                _check(requests.post(url, json=payload, timeout=20), f"{path} JSON: {name}", failures)
                form = {k: v for k, v in payload.items() if isinstance(v, str | int)}
                _check(requests.post(url, data=form, timeout=20), f"{path} form: {name}", failures)
        for name, (content_type, body) in RAW_BODIES.items():
            response = requests.post(url, headers={"Content-Type": content_type}, data=body, timeout=20)
            _check(response, f"{path} body: {name}", failures)
        for grant in ("authorization_code", "client_credentials", "refresh_token", "password", "bogus"):
            for payload in (
                {"grant_type": grant, "client_id": client_id, "code": ["a", "b"], "scope": {"x": 1}},
                {"grant_type": [grant, grant], "client_id": [client_id], "redirect_uri": 5},
                {"grant_type": grant, "client_id": "\u0663" * 300, "client_secret": "x\u0000y"},
            ):
                _check(requests.post(url, json=payload, timeout=20), f"{path} {grant}: {payload}", failures)
    for name, query in QUERIES.items():  # the consent page is HTML for people; it must still never fail
        response = requests.get(f"{server}/oauth/authorize?{query}&client_id={client_id}", timeout=20)
        if response.status_code >= 500:
            failures.append((f"authorize query: {name}", response.status_code, response.text[:200]))
    assert failures == [], "\n".join(map(str, failures))
