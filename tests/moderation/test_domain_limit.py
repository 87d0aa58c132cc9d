"""A domain limit limits that server's accounts, as a moderator's limit does one account: their posts leave the
public timelines and search for everyone who does not follow them, their follows of local people need
approval, accounts first seen later arrive limited; lifting the domain limit un-limits only what it limited."""

import pytest

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation
from caravan.moderation.domains import remove_domain_policy, set_domain_policy
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.posts.visibility import can_read
from caravan.search.selectors import search_posts
from caravan.social.models import Follow, FollowRequest
from caravan.timelines.selectors import public_timeline
from tests.federation import conftest as federation
from tests.federation.test_inbox import create, followed_by, note

# Remote actors with real keys that sign their inbox POSTs, as the federation tests make them.
keys, make_remote, _loopback_allowed = federation.keys, federation.make_remote, federation._loopback_allowed


@pytest.fixture
def moderator(make_user):
    return set_role(make_user("moderator1"), "moderator")


@pytest.fixture
def alice(make_account):
    return make_account("alice")  # follows bob


@pytest.fixture
def dave(make_account):
    return make_account("dave")  # follows nobody


def _limited(account) -> bool:
    return Account.objects.get(pk=account.pk).limited_at is not None


def test_a_limited_domains_posts_reach_only_followers_and_lifting_restores_them(
    client, alice, dave, make_remote, moderator, run_tasks
):
    bob = make_remote("bob", "remote.example")
    followed_by(alice, bob)
    assert bob.post(client, create(bob, note(bob, content="<p>caravans crossing</p>"))).status_code == 202
    run_tasks()
    post = Post.objects.get(account=bob.account)
    page = Page(limit=20)
    assert [p.id for p in public_timeline(dave, page)] == [post.id]
    assert [p.id for p in search_posts(dave, "caravans")] == [post.id]

    set_domain_policy(moderator, "remote.example", limit=True, reason="spam waves")
    run_tasks()
    assert _limited(bob.account)
    post = Post.objects.select_related("account").get(pk=post.pk)
    # Everyone who does not follow the account loses it, anonymous readers included.
    assert public_timeline(dave, page) == [] and public_timeline(None, page) == []
    assert search_posts(dave, "caravans") == [] and search_posts(None, "caravans") == []
    assert not can_read(post, dave) and not can_read(post, None)
    # Its followers keep it (public timelines leave limited accounts out for everyone, followers too).
    assert can_read(post, alice) and [p.id for p in search_posts(alice, "caravans")] == [post.id]
    assert public_timeline(alice, page) == []
    # Its new follows of an open local account wait for approval.
    follow = {"id": f"{bob.uri}#follows/1", "type": "Follow", "actor": bob.uri, "object": dave.uri}
    assert bob.post(client, follow, "/users/dave/inbox").status_code == 202
    assert FollowRequest.objects.filter(account=bob.account, target_account=dave).exists()
    assert not Follow.objects.filter(account=bob.account, target_account=dave).exists()

    set_domain_policy(moderator, "remote.example", reject_media=True, reason="spam waves")  # limit dropped
    run_tasks()
    assert not _limited(bob.account)
    assert [p.id for p in public_timeline(dave, page)] == [post.id]
    assert [p.id for p in search_posts(dave, "caravans")] == [post.id]


def test_accounts_first_seen_later_arrive_limited_or_suspended(make_remote, moderator, run_tasks):
    set_domain_policy(moderator, "limited.example", limit=True)
    set_domain_policy(moderator, "suspended.example", suspend=True)
    run_tasks()
    limited = make_remote("newcomer", "social.limited.example").account  # a subdomain is covered too
    suspended = make_remote("newcomer", "suspended.example").account
    elsewhere = make_remote("newcomer", "elsewhere.example").account
    assert limited.limited_at is not None and limited.suspended_at is None
    assert suspended.suspended_at is not None and suspended.limited_at is None
    assert elsewhere.limited_at is None and elsewhere.suspended_at is None
    # A refreshed profile (an Update, a re-fetch) keeps the marks.
    again = make_remote("newcomer", "social.limited.example").account
    assert again.pk == limited.pk and again.limited_at == limited.limited_at
    remove_domain_policy(moderator, "limited.example")
    remove_domain_policy(moderator, "suspended.example")
    run_tasks()
    assert not _limited(limited)
    assert Account.objects.get(pk=suspended.pk).suspended_at is None


def test_lifting_the_domain_limit_keeps_accounts_a_moderator_limited(make_remote, moderator, run_tasks):
    rule = add_rule("No spam")
    before = make_remote("before", "remote.example").account  # limited by a moderator before the domain
    during = make_remote("during", "remote.example").account  # limited by a moderator while the domain was
    plain = make_remote("plain", "remote.example").account
    own_before = moderation.take_action(moderator, before, "limit", rule_ids=[rule.id], reason="Spam.")
    set_domain_policy(moderator, "remote.example", limit=True)
    run_tasks()
    own_during = moderation.take_action(moderator, during, "limit", rule_ids=[rule.id], reason="Spam.")
    assert all(_limited(a) for a in (before, during, plain))
    # Lifting a moderator's own limit while the domain is limited leaves the domain's mark.
    moderation.lift_action(moderator, own_before, "Not spam after all.")
    assert _limited(before)
    remove_domain_policy(moderator, "remote.example")
    run_tasks()
    assert not _limited(plain) and not _limited(before)
    assert _limited(during)  # its own standing action holds it
    moderation.lift_action(moderator, own_during, "Not spam after all.")
    assert not _limited(during)


def test_a_limit_lifted_before_its_task_runs_limits_nobody(make_remote, moderator, run_tasks):
    bob = make_remote("bob", "remote.example").account
    set_domain_policy(moderator, "remote.example", limit=True)
    set_domain_policy(moderator, "remote.example", suspend=True)  # replaced before any task ran
    run_tasks()
    fresh = Account.objects.get(pk=bob.pk)
    assert fresh.limited_at is None and fresh.suspended_at is not None
