"""Moderation marks are enforced on every read path through the one visibility rule: a suspended account's posts
vanish everywhere, even from home feeds written before; a limited account's posts reach only its followers and
the people they mention, and its new follows become requests. Read through the real URLs (Django's test client
runs the same views `caravan serve` does) and the real services."""

import orjson
import pytest
from django.test import Client

from caravan.accounts.services import set_role
from caravan.api.oauth import issue_token
from caravan.instance.services import add_rule
from caravan.moderation.services import lift_action, take_action
from caravan.publishing import create_post, reblog
from caravan.relationships import follow
from caravan.social.models import Follow, FollowRequest

AP = "application/activity+json"
WORD = "zebracrossing"


@pytest.fixture
def world(make_user, run_tasks, settings):
    from oauth2_provider.models import Application

    settings.CARAVAN = {**settings.CARAVAN, "API_RATE_LIMIT": 10**9}
    app = Application.objects.create(
        name="t",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    users = {name: make_user(name) for name in ("author", "follower", "stranger", "booster")}
    moderator = set_role(make_user("mod"), "moderator")
    accounts = {name: user.account for name, user in users.items()}
    follow(accounts["follower"], accounts["author"])
    follow(accounts["stranger"], accounts["booster"])
    post = create_post(accounts["author"], f"{WORD} #tagz hello")
    boost = reblog(accounts["booster"], post)
    run_tasks()  # the fan-out: the post is in the follower's feed, the boost in the stranger's
    readers = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        readers[name] = (client, issue_token(user, app.id, "read").token)
    readers[None] = (Client(), None)
    return {
        "accounts": accounts,
        "moderator": moderator,
        "post": post,
        "boost": boost,
        "readers": readers,
        "rule": add_rule("Be kind"),
    }


def _seen(client: Client, token: str | None, post, boost) -> dict[str, bool]:
    """Where `post` (or the boost of it) shows for this reader, path by path."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def page_has(path: str) -> bool:
        response = client.get(path)
        return response.status_code == 200 and f'id="post-{post.id}"' in response.content.decode()

    def api_ids(path: str) -> set[str]:
        response = client.get(path, **auth)
        if response.status_code != 200:
            return set()
        body = orjson.loads(response.content)
        items = body["statuses"] if isinstance(body, dict) else body
        return {s["id"] for s in items} | {s["reblog"]["id"] for s in items if s.get("reblog")}

    pid = str(post.id)
    seen = {
        "web post": client.get(f"/@author/{post.id}").status_code == 200,
        "web profile": page_has("/@author"),
        "web public": page_has("/public"),
        "web tag": page_has("/tags/tagz"),
        "web search": page_has(f"/search?q={WORD}"),
        "api status": client.get(f"/api/v1/statuses/{post.id}", **auth).status_code == 200,
        "api boost": client.get(f"/api/v1/statuses/{boost.id}", **auth).status_code == 200,
        "api account": pid in api_ids(f"/api/v1/accounts/{post.account_id}/statuses"),
        "api public": pid in api_ids("/api/v1/timelines/public"),
        "api tag": pid in api_ids("/api/v1/timelines/tag/tagz"),
        "api search": pid in api_ids(f"/api/v2/search?q={WORD}&type=statuses"),
        "activitypub": Client().get(f"/users/author/statuses/{post.id}", HTTP_ACCEPT=AP).status_code == 200,
    }
    if token:
        seen["api home"] = pid in api_ids("/api/v1/timelines/home")
        seen["web home"] = page_has("/home")
    return seen


def test_a_suspended_accounts_posts_vanish_from_every_path(world):
    post, boost = world["post"], world["boost"]
    before = _seen(*world["readers"]["follower"], post, boost)
    assert all(before.values()), before  # the test can see them at all
    take_action(
        world["moderator"],
        world["accounts"]["author"],
        "suspend",
        rule_ids=[world["rule"].id],
        reason="Spam, again and again.",
    )
    for name in ("follower", "stranger", "booster", None):
        seen = _seen(*world["readers"][name], post, boost)
        assert not any(seen.values()), (name, seen)


def test_a_limited_accounts_posts_reach_only_followers_and_the_mentioned(world):
    post, boost = world["post"], world["boost"]
    action = take_action(
        world["moderator"],
        world["accounts"]["author"],
        "limit",
        rule_ids=[world["rule"].id],
        reason="Too many unsolicited replies.",
    )
    follower = _seen(*world["readers"]["follower"], post, boost)
    # Followers still read it where they look for it; public and hashtag timelines leave it out for everyone.
    assert {k for k, v in follower.items() if not v} == {
        "web public",
        "web tag",
        "api public",
        "api tag",
        "activitypub",
    }
    for name in ("stranger", None):
        seen = _seen(*world["readers"][name], post, boost)
        assert not any(seen.values()), (name, seen)
    mentioned = create_post(world["accounts"]["author"], "@stranger look at this")
    stranger_client, token = world["readers"]["stranger"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert stranger_client.get(f"/api/v1/statuses/{mentioned.id}", **auth).status_code == 200
    assert Client().get(f"/api/v1/statuses/{mentioned.id}").status_code == 404

    lift_action(world["moderator"], action, "Appeal accepted.")
    assert all(_seen(*world["readers"]["stranger"], post, boost).values())


def test_a_limited_accounts_new_follows_are_requests(world):
    author, stranger = world["accounts"]["author"], world["accounts"]["stranger"]
    take_action(world["moderator"], author, "limit", rule_ids=[world["rule"].id], reason="Follow spam.")
    made = follow(author, stranger)
    assert isinstance(made, FollowRequest)
    assert not Follow.objects.filter(account=author, target_account=stranger).exists()


def test_a_limited_account_is_found_by_its_handle_or_its_followers_only(world):
    from caravan.search.selectors import search_accounts

    accounts = world["accounts"]
    take_action(world["moderator"], accounts["author"], "limit", rule_ids=[world["rule"].id], reason="Spam.")

    def found(query: str, viewer) -> bool:
        return accounts["author"] in search_accounts(query, viewer=viewer)

    assert not found("auth", accounts["stranger"]) and not found("auth", None)
    assert found("author", accounts["stranger"]) and found("author", None)  # the exact handle
    assert found("auth", accounts["follower"])
