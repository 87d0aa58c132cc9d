"""Discovery through a real `caravan serve` with Mastodon.py (and plain requests where it has no call): trending
hashtags and posts from local and remote activity, follow suggestions, the profile directory, the published
texts, oEmbed and the embed page, /oauth/userinfo, /api/v1/profile, and the operations answered as switched off."""

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon

from tests.api.conftest import (
    LIMITS_OFF,
    PASSWORD,
    client_credentials_token,
    running_server,
    token_by_authorization_code,
    wait_until,
)

REDIRECT = "https://app.example/callback"
ALL = "read write follow push profile"
CARAVAN = str(Path(sys.executable).with_name("caravan"))
# Trends are cached for 10 s (discovery/trends.py CACHE_SECONDS): reads poll past that.
TRENDS_WAIT = 40


@dataclass
class Site:
    base: str
    env: dict
    app: dict
    clients: dict[str, Mastodon] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def shell(self, code: str) -> str:
        """Run Python against the server's own database (as the admin's commands do)."""
        done = subprocess.run(
            [CARAVAN, "manage", "shell", "--no-imports", "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def person(self, username: str) -> Mastodon:
        token = requests.post(
            f"{self.base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {client_credentials_token(self.base, self.app, 'write')}"},
            json={
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.org",
                "agreement": True,
            },
            timeout=10,
        ).json()["access_token"]
        client = Mastodon(access_token=token, api_base_url=self.base, request_timeout=30)
        self.clients[username] = client
        self.ids[username] = str(client.me()["id"])
        return client

    def get(self, path: str, token: str | None = None, **params) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(f"{self.base}/{path}", params=params, headers=headers, timeout=20)

    def remote_post(self, username: str, domain: str, html: str, tags: list[str], follower: str) -> None:
        """A Create from another server, applied as the inbox applies it (a local person follows the author,
        so the post is kept, as Mastodon keeps only what touches its people)."""
        uri = f"https://{domain}/users/{username}"
        note = {
            "type": "Note",
            "id": f"{uri}/statuses/{uuid.uuid4().int % 10**12}",
            "attributedTo": uri,
            "content": html,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{uri}/followers"],
            "tag": [{"type": "Hashtag", "name": f"#{t}", "href": f"https://{domain}/tags/{t}"} for t in tags],
        }
        activity = {"type": "Create", "id": f"{note['id']}/activity", "actor": uri, "object": note}
        self.shell(
            "import json; "
            "from caravan.accounts.models import Account; "
            "from caravan.profiles import upsert_remote_account; "
            "from caravan.social.models import Follow; "
            "from caravan.social.services import record_follow; "
            "from caravan.federation.applying import process_activity; "
            f"author = upsert_remote_account({uri!r}, username={username!r}, domain={domain!r}, "
            f"inbox_url={uri + '/inbox'!r}, url={f'https://{domain}/@{username}'!r}, discoverable=True); "
            f"me = Account.objects.get(username={follower!r}, domain=''); "
            "None if Follow.objects.filter(account=me, target_account=author).exists() else record_follow(me, author); "
            f"print(process_activity(json.loads({json.dumps(activity)!r}), author))"
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    env: dict = {}
    with running_server(tmp_path_factory.mktemp("caravan-discovery"), LIMITS_OFF, server_env=env) as base:
        subprocess.run([CARAVAN, "createadmin", "boss", "--password", PASSWORD], env=env, check=True)
        app = requests.post(
            f"{base}/api/v1/apps",
            json={"client_name": "Discovery", "redirect_uris": REDIRECT, "scopes": ALL},
            timeout=10,
        ).json()
        yield Site(base, env, app)


def _names(tags: list) -> list[str]:
    return [t["name"].lower() for t in tags]


def test_hashtags_trend_by_distinct_accounts_here_and_elsewhere_and_private_posts_never_count(site):
    ana, ben, cai, dee = (site.person(n) for n in ("ana", "ben", "cai", "dee"))
    # Followers-only and direct posts with a tag, from four accounts: never counted, never shown.
    for client in (ana, ben, cai, dee):
        client.status_post("between us #hushhush", visibility="private")
        client.status_post(f"@ana only you #hushhush{client.me()['username']}", visibility="direct")
    # One account posting a tag many times is one account: below the threshold of two.
    for n in range(4):
        ana.status_post(f"again and again #loneshout {n}")
    ana.status_post("moving day #caravantrend")
    ben.status_post("packing #CaravanTrend")
    cai.status_post("on the road #caravantrend #caravantrend")
    site.remote_post(
        "far1", "far.example", "<p>from afar #caravantrend</p>", ["caravantrend"], follower="dee"
    )
    # A tag only other servers use trends too, counted by its distinct remote authors.
    site.remote_post("far1", "far.example", "<p>#farawaytag</p>", ["farawaytag"], follower="dee")
    site.remote_post("far2", "other.example", "<p>#farawaytag</p>", ["farawaytag"], follower="dee")

    tags = wait_until(
        lambda: (found := dee.trending_tags()) and "farawaytag" in _names(found) and found,
        timeout=TRENDS_WAIT,
    )
    assert _names(tags)[0] == "caravantrend", tags  # four accounts today beat two
    top = tags[0]
    assert len(top["history"]) == 7
    today = top["history"][0]
    assert (int(today["accounts"]), int(today["uses"])) == (4, 4)
    assert all(int(day["uses"]) == 0 for day in top["history"][1:])
    names = _names(tags)
    assert not any(name.startswith("hushhush") for name in names), names
    assert "loneshout" not in names
    # Anonymous readers get the same list; `limit` and `offset` page through it.
    anonymous = site.get("api/v1/trends/tags").json()
    assert _names(anonymous) == names
    assert _names(site.get("api/v1/trends", limit=1).json()) == names[:1]
    assert _names(site.get("api/v1/trends/tags", limit=1, offset=1).json()) == names[1:2]


def test_posts_trend_by_boosts_and_favourites_from_distinct_people(site):
    writer, fan1, fan2, fan3 = (site.person(n) for n in ("writer", "fan1", "fan2", "fan3"))
    for fan in (fan1, fan2, fan3):
        fan.account_follow(site.ids["writer"])
    loved = writer.status_post("a post people love")
    quiet = writer.status_post("a post one person likes")
    hidden = writer.status_post("followers only, much loved", visibility="private")
    flagged = writer.status_post("with a warning", spoiler_text="spoilers")
    for fan in (fan1, fan2, fan3):
        fan.status_favourite(loved["id"])
        fan.status_favourite(hidden["id"])
        fan.status_favourite(flagged["id"])
    fan1.status_reblog(loved["id"])
    fan1.status_favourite(quiet["id"])
    writer.status_favourite(quiet["id"])  # the author's own favourite does not count

    found = wait_until(lambda: [s["id"] for s in fan2.trending_statuses()] or None, timeout=TRENDS_WAIT)
    assert found == [loved["id"]], found
    # Someone who may not read a post never gets it, and a stranger does not see followers-only ones either.
    assert [s["id"] for s in site.get("api/v1/trends/statuses").json()] == [loved["id"]]
    fan3.account_block(site.ids["writer"])
    assert fan3.trending_statuses() == []


def test_trends_switched_off_answer_empty_lists(tmp_path_factory):
    with running_server(
        tmp_path_factory.mktemp("no-trends"), {**LIMITS_OFF, "CARAVAN_TRENDS": "off"}
    ) as base:
        for path in ("api/v1/trends", "api/v1/trends/tags", "api/v1/trends/statuses"):
            response = requests.get(f"{base}/{path}", timeout=10)
            assert (response.status_code, response.json()) == (200, [])


def test_suggestions_friends_of_friends_and_featured_minus_followed_blocked_and_dismissed(site):
    me, friend, fof, star, pest, muted = (
        site.person(n) for n in ("me", "friend", "fof", "star", "pest", "mutee")
    )
    me.account_follow(site.ids["friend"])
    for target in ("fof", "pest", "mutee"):
        friend.account_follow(site.ids[target])
    for who in ("fof", "star", "pest", "mutee"):
        site.clients[who].status_post("hello")
    me.account_block(site.ids["pest"])
    me.account_mute(site.ids["mutee"])
    boss = token_by_authorization_code(site.base, site.app, "boss", ALL, redirect=REDIRECT)
    boss_client = Mastodon(access_token=boss, api_base_url=site.base)
    boss_client.account_follow(site.ids["star"])
    assert requests.post(
        f"{site.base}/api/v1/accounts/{site.ids['star']}/endorse",
        headers={"Authorization": f"Bearer {boss}"},
        timeout=10,
    ).ok

    v2 = site.get("api/v2/suggestions", me.access_token).json()
    by_name = {item["account"]["username"]: item for item in v2}
    assert by_name["star"]["sources"][0] == "featured" and by_name["star"]["source"] == "staff"
    assert "friends_of_friends" in by_name["fof"]["sources"]
    assert by_name["fof"]["source"] == "past_interactions"
    assert not {"me", "friend", "pest", "mutee", "boss"} & set(by_name)  # self, followed, blocked, muted
    assert "fof" in [a["username"] for a in me.suggestions()]  # v1: plain accounts

    me.suggestion_delete(site.ids["fof"])
    again = [item["account"]["username"] for item in site.get("api/v2/suggestions", me.access_token).json()]
    assert "fof" not in again and "star" in again
    # Dismissed for good, not for one read; other people still get the suggestion.
    assert "fof" not in [a["username"] for a in me.suggestions()]
    other = site.person("other")
    other.account_follow(site.ids["friend"])
    assert "fof" in [a["username"] for a in other.suggestions()]
    unknown = requests.delete(
        f"{site.base}/api/v1/suggestions/123456789",
        headers={"Authorization": f"Bearer {me.access_token}"},
        timeout=10,
    )
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Record not found"})


def test_directory_lists_discoverable_people_by_activity_or_age_and_local_only(site):
    early, late, shy = (site.person(n) for n in ("early", "late", "shy"))
    late.status_post("I posted last")
    shy.account_update_credentials(discoverable=False)
    site.remote_post("roamer", "far.example", "<p>hi</p>", [], follower="early")

    active = [a["username"] for a in early.directory(limit=80)]
    assert active.index("late") < active.index("early"), active  # recent posters first, never-posted last
    assert "shy" not in active
    assert "roamer" in active  # remote accounts too
    assert "boss" in active
    newest = [a["username"] for a in site.get("api/v1/directory", order="new", limit=80).json()]
    assert newest.index("late") < newest.index("early")  # newest accounts first
    local = [a["acct"] for a in site.get("api/v1/directory", local="true", limit=80).json()]
    assert local and all("@" not in acct for acct in local)
    # Local accounts without a person (the instance actor, campaigns' group actors) are never listed.
    users = set(
        json.loads(
            site.shell(
                "import json; from caravan.accounts.models import User; "
                "print(json.dumps(list(User.objects.values_list('account__username', flat=True))))"
            )
        )
    )
    assert set(local) <= users
    assert [
        a["username"] for a in site.get("api/v1/directory", limit=1, offset=1, local="true").json()
    ] == local[1:2]
    assert site.get("api/v1/directory", limit="lots").status_code == 422


def test_published_texts_in_the_api_and_on_pages(site):
    policy = site.get("api/v1/instance/privacy_policy").json()
    assert policy["content"].startswith("<p>") and policy["updated_at"]  # the default one
    assert site.get("api/v1/instance/terms_of_service").status_code == 404  # none set: Mastodon's 404
    assert site.get("terms").status_code == 404

    site.shell(
        "from caravan.instance.services import update_published_texts; "
        "update_published_texts(privacy_policy='We keep little.\\n\\nAsk <script>alert(1)</script> us.', "
        "terms_of_service='Be kind.', terms_effective_date='2026-01-15')"
    )
    policy = site.get("api/v1/instance/privacy_policy").json()
    assert policy["content"] == "<p>We keep little.</p><p>Ask &lt;script&gt;alert(1)&lt;/script&gt; us.</p>"
    terms = site.get("api/v1/instance/terms_of_service").json()
    assert terms == {
        "effective_date": "2026-01-15",
        "effective": True,
        "content": "<p>Be kind.</p>",
        "succeeded_by": None,
    }
    assert site.get("api/v1/instance/terms_of_service/2026-01-15").json() == terms
    assert site.get("api/v1/instance/terms_of_service/2020-01-01").status_code == 404
    urls = site.get("api/v2/instance").json()["configuration"]["urls"]
    assert urls["privacy_policy"].endswith("/privacy-policy") and urls["terms_of_service"].endswith("/terms")

    page = site.get("privacy-policy")
    assert page.status_code == 200 and "We keep little." in page.text and "<script>alert" not in page.text
    arabic = site.get("terms", lang="ar")
    assert arabic.status_code == 200 and 'dir="rtl"' in arabic.text and "شروط الخدمة" in arabic.text


def test_oembed_of_a_public_post_and_its_safe_embed_page_never_a_private_one(site):
    poster = site.person("poster")
    public = poster.status_post("<script>alert('x')</script> hello embed")
    private = poster.status_post("only followers", visibility="private")

    found = site.get("api/oembed", url=public["url"]).json()
    assert found["type"] == "rich" and found["version"] == "1.0" and found["width"] == 400
    assert found["author_name"] == "poster" and found["author_url"].endswith("/@poster")
    assert f'src="{public["url"]}/embed"' in found["html"] and "<iframe" in found["html"]
    assert site.get("api/oembed", url=public["uri"]).json()["html"] == found["html"]  # the ActivityPub id too

    embed = requests.get(f"{public['url']}/embed", timeout=10)
    assert embed.status_code == 200 and "hello embed" in embed.text
    assert "<script" not in embed.text  # the post's markup is text, and the page brings none of its own
    assert "script-src" not in embed.headers["Content-Security-Policy"]
    assert "default-src 'none'" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers  # other sites may frame it

    thread = requests.get(public["url"], timeout=10).text
    assert 'type="application/json+oembed"' in thread

    for url in (
        private["url"],
        f"{site.base}/@poster/999999",
        "https://elsewhere.example/@poster/1",
        "nonsense",
    ):
        missing = site.get("api/oembed", url=url)
        assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"}), url
    assert requests.get(f"{private['url']}/embed", timeout=10).status_code == 404
    signed_in = requests.Session()  # a private post is never embedded, whoever asks
    assert signed_in.get(f"{private['url']}/embed", timeout=10).status_code == 404


def test_userinfo_needs_the_profile_scope_and_is_listed_in_the_server_metadata(site):
    site.person("oidc")
    with_profile = token_by_authorization_code(site.base, site.app, "oidc", "profile", redirect=REDIRECT)
    claims = site.get("oauth/userinfo", with_profile).json()
    assert claims["preferred_username"] == "oidc" and claims["sub"].endswith("/users/oidc")
    assert claims["iss"] == f"{site.base}/" and claims["profile"].endswith("/@oidc") and claims["picture"]
    read_only = token_by_authorization_code(site.base, site.app, "oidc", "read", redirect=REDIRECT)
    refused = site.get("oauth/userinfo", read_only)
    assert refused.status_code == 403 and "outside the authorized scopes" in refused.json()["error"]
    assert site.get("oauth/userinfo").status_code == 401
    metadata = site.get(".well-known/oauth-authorization-server").json()
    assert metadata["userinfo_endpoint"] == f"{site.base}/oauth/userinfo"
    assert "profile" in metadata["scopes_supported"]


def test_own_profile_api_and_switched_off_features_answer_as_mastodon(site):
    owner = site.person("owner")
    token = owner.access_token
    auth = {"Authorization": f"Bearer {token}"}
    changed = requests.patch(
        f"{site.base}/api/v1/profile",
        headers=auth,
        json={"display_name": "The Owner", "note": "hi *there*"},
        timeout=10,
    ).json()
    assert (changed["display_name"], changed["note"]) == ("The Owner", "hi *there*")
    assert site.get("api/v1/profile", token).json()["display_name"] == "The Owner"
    assert owner.me()["display_name"] == "The Owner"
    cleared = requests.delete(f"{site.base}/api/v1/profile/avatar", headers=auth, timeout=10).json()
    assert cleared["avatar"].endswith("/avatars/original/missing.png")

    post = owner.status_post("bonjour")
    for method, path in (
        ("POST", "api/v1/announcements/1/dismiss"),
        ("PUT", "api/v1/announcements/1/reactions/%F0%9F%91%8D"),
        ("GET", "api/v1/annual_reports/2025"),
        ("POST", "api/v1/annual_reports/2025/read"),
        ("GET", "api/v1/collections/1"),
        ("POST", "api/v1/collections"),
        ("GET", f"api/v1/accounts/{site.ids['owner']}/collections"),
        ("POST", f"api/v1/statuses/{post['id']}/translate"),
        ("GET", "api/v1_alpha/async_refreshes/abc"),
    ):
        response = requests.request(method, f"{site.base}/{path}", headers=auth, timeout=10)
        assert (response.status_code, response.json()) == (404, {"error": "Record not found"}), path
    assert site.get("api/v1/annual_reports", token).json() == {
        "annual_reports": [],
        "accounts": [],
        "statuses": [],
    }
    assert site.get("api/v1/annual_reports/2025/state", token).json() == {"state": "ineligible"}
