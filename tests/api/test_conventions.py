"""The client API's conventions: parameter styles, booleans, CORS, Link headers, errors,
rate-limit headers."""

import uuid

import requests

from caravan.api.params import as_bool, nest


def test_rails_style_arrays_and_hashes_are_nested():
    params = nest(
        [
            ("media_ids[]", ["1", "2"]),
            ("poll[options][]", ["Tea", "Coffee"]),
            ("poll[expires_in]", ["600"]),
            ("fields_attributes[0][name]", ["Site"]),
            ("fields_attributes[0][value]", ["https://example.org"]),
            ("fields_attributes[1][name]", ["Pronouns"]),
            ("source[privacy]", ["unlisted"]),
            ("choices[0]", ["1"]),
            ("choices[1]", ["0"]),
            ("status", ["first", "last"]),
        ]
    )
    assert params["media_ids"] == ["1", "2"]
    assert params["poll"] == {"options": ["Tea", "Coffee"], "expires_in": "600"}
    assert params["fields_attributes"] == [
        {"name": "Site", "value": "https://example.org"},
        {"name": "Pronouns"},
    ]
    assert params["source"] == {"privacy": "unlisted"}
    assert params["choices"] == ["1", "0"]
    assert params["status"] == "last"


def test_mastodon_booleans():
    for false in ("0", "f", "false", "FALSE", "off", False):
        assert as_bool(false) is False
    for true in ("1", "true", "t", "on", "yes", True):
        assert as_bool(true) is True
    assert as_bool("", None) is None and as_bool(None, True) is True


def test_cors_errors_links_and_rate_limit_headers(server, signup):
    alice = signup(f"cv{uuid.uuid4().hex[:8]}")
    auth = {"Authorization": f"Bearer {alice.access_token}"}
    preflight = requests.options(
        f"{server}/api/v1/statuses",
        headers={
            "Origin": "https://elk.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    plain = requests.get(
        f"{server}/api/v1/timelines/public", headers={"Origin": "https://elk.example"}, timeout=10
    )
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in plain.headers["Access-Control-Expose-Headers"]

    for i in range(3):
        requests.post(f"{server}/api/v1/statuses", headers=auth, data={"status": f"n{i}"}, timeout=10)
    page = requests.get(
        f"{server}/api/v1/accounts/{alice.account_verify_credentials()['id']}/statuses",
        headers=auth,
        params={"limit": 2},
        timeout=10,
    )
    link = page.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link and "max_id=" in link and "min_id=" in link
    assert int(page.headers["X-RateLimit-Limit"]) > 0 and "X-RateLimit-Remaining" in page.headers
    assert page.headers["X-RateLimit-Reset"].endswith("Z")

    cases = [
        ("get", "/api/v1/statuses/999", None, 404),
        ("get", "/api/v1/statuses/not-a-number", None, 404),
        ("get", "/api/v1/accounts/0", None, 404),
        ("get", "/api/v1/accounts/99999999999999999999999", None, 404),
        ("get", "/api/v1/lists/99999999999999999999999", None, 404),
        ("get", "/api/v1/polls/99999999999999999999999", None, 404),
        ("get", "/api/v1/timelines/home?max_id=99999999999999999999999", None, 400),
        ("post", "/api/v1/statuses", {"status": ""}, 422),
        ("post", "/api/v1/statuses", {"status": "x" * 600}, 422),
        ("post", "/api/v1/statuses", {"status": "x", "visibility": "galaxy"}, 422),
        ("post", "/api/v1/statuses", {"status": "x", "media_ids[]": "abc"}, 422),
        ("get", "/api/v1/timelines/home?limit=lots", None, 400),
        ("get", "/api/v1/timelines/home?max_id=abc", None, 400),
        ("post", "/api/v2/filters", {"title": "t", "context[]": "nowhere"}, 422),
        ("get", "/api/v2/search", None, 400),
        ("post", "/api/v1/lists", {"title": ""}, 422),
        ("delete", "/api/v1/timelines/home", None, 405),
    ]
    for method, path, data, status in cases:
        response = requests.request(method, f"{server}{path}", headers=auth, data=data, timeout=10)
        assert response.status_code == status, (path, response.status_code, response.text)
        assert "error" in response.json(), path
    bad_json = requests.post(
        f"{server}/api/v1/statuses",
        headers={**auth, "Content-Type": "application/json"},
        data="{nope",
        timeout=10,
    )
    assert bad_json.status_code == 400 and "error" in bad_json.json()
    unknown = requests.get(f"{server}/api/v1/no/such/endpoint", headers=auth, timeout=10)
    assert unknown.status_code == 404 and unknown.json() == {"error": "Record not found"}
    no_token = requests.get(f"{server}/api/v1/timelines/home", timeout=10)
    assert no_token.status_code == 401 and no_token.json() == {"error": "The access token is invalid"}
    with_slash = requests.get(f"{server}/api/v1/accounts/verify_credentials/", headers=auth, timeout=10)
    assert with_slash.status_code == 200
    as_json = requests.post(
        f"{server}/api/v1/statuses",
        headers=auth,
        timeout=10,
        json={"status": "json body", "visibility": "unlisted", "sensitive": False},
    )
    assert as_json.status_code == 200 and as_json.json()["visibility"] == "unlisted"
    assert isinstance(as_json.json()["id"], str)


def test_rate_limit_answers_429_with_headers(client, settings, make_user):
    """In-process (Django test client), so the low limit here does not touch the shared server."""
    from oauth2_provider.models import Application

    from caravan.api.oauth import issue_token

    settings.CARAVAN = {**settings.CARAVAN, "API_RATE_LIMIT": 3}
    user = make_user(f"rl{uuid.uuid4().hex[:6]}")
    app = Application.objects.create(
        name="limits",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        client_type="confidential",
        authorization_grant_type="authorization-code",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, app.pk, 'read').token}"}
    statuses = [client.get("/api/v1/timelines/home", **auth) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[2]["X-RateLimit-Remaining"] == "0" and statuses[3].json()["error"] == "Too many requests"
