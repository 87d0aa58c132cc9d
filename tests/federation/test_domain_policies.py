"""Domain policies enforced where federation meets them: a suspended domain's inbox POSTs are refused, nothing
is recorded or sent to it, its accounts and posts vanish (and come back when lifted); rejected media and
reports are dropped. Policies are set through `moderation.domains`, as the admin page and API do."""

import pytest
from django.conf import settings

from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.federation.models import Delivery
from caravan.federation.sender import deliver_due
from caravan.instance.domains import normalise_domain, policy_for
from caravan.moderation.domains import remove_domain_policy, set_domain_policy
from caravan.moderation.models import Report
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.publishing import create_post
from caravan.timelines.selectors import home_timeline, public_timeline

from .test_inbox import create, followed_by, note


@pytest.fixture
def alice(make_account):
    return make_account("alice")


@pytest.fixture
def admin(make_user):
    from caravan.accounts.services import set_role

    return set_role(make_user("moderator1"), "moderator")


@pytest.fixture
def bob(make_remote):
    return make_remote("bob", "remote.example")


def test_domains_are_normalised_and_cover_subdomains(admin):
    assert normalise_domain(" Remote.Example. ") == "remote.example"
    assert normalise_domain("https://remote.example/about") == "remote.example"
    assert normalise_domain("*.remote.example") == "remote.example"
    assert normalise_domain("пример.рф") == "xn--e1afmkfd.xn--p1ai"
    assert normalise_domain("not a domain") == "" and normalise_domain("") == ""
    set_domain_policy(admin, "Remote.Example", limit=True, reason="spam")
    assert policy_for("remote.example").limit
    assert policy_for("social.remote.example:8443").domain == "remote.example"
    assert policy_for("notremote.example") is None and policy_for("") is None
    with pytest.raises(DomainError) as error:
        set_domain_policy(admin, "remote.example", limit=True, create_only=True)
    assert error.value.kind.code == "domain_policy_exists"
    for bad in ("", "a b", settings.DOMAIN):
        with pytest.raises(DomainError):
            set_domain_policy(admin, bad, suspend=True)
    with pytest.raises(DomainError):
        set_domain_policy(admin, "other.example")  # no effect chosen


def test_only_moderators_may_change_policies(make_user, admin):
    person = make_user("person")
    with pytest.raises(DomainError) as error:
        set_domain_policy(person, "remote.example", suspend=True)
    assert error.value.status == 403
    set_domain_policy(admin, "remote.example", suspend=True)
    with pytest.raises(DomainError):
        remove_domain_policy(person, "remote.example")
    assert policy_for("remote.example").suspend


def test_suspended_domain_is_refused_at_the_inbox(client, alice, bob, admin):
    set_domain_policy(admin, "remote.example", suspend=True, reason="harassment")
    response = bob.post(client, create(bob, note(bob)))
    assert response.status_code == 403 and b"federate" in response.content
    assert bob.post(client, create(bob, note(bob, 2)), "/users/alice/inbox").status_code == 403
    assert not Post.objects.filter(account=bob.account).exists()


def test_suspension_hides_existing_content_and_lifting_restores_only_its_own(
    client, alice, bob, make_remote, admin, run_tasks
):
    followed_by(alice, bob)
    assert bob.post(client, create(bob, note(bob))).status_code == 202
    run_tasks()
    page = Page(limit=20)
    assert [p.account_id for p in home_timeline(alice, page)] == [bob.account.id]
    gone = make_remote("gone", "remote.example")
    Account.objects.filter(pk=gone.account.pk).update(suspended_at="2020-01-01T00:00:00Z")  # deleted earlier
    set_domain_policy(admin, "remote.example", suspend=True)
    run_tasks()
    assert home_timeline(alice, page) == [] and public_timeline(alice, page) == []
    assert Account.objects.get(pk=bob.account.pk).suspended_at is not None
    newcomer = make_remote("newcomer", "remote.example")
    assert Account.objects.get(pk=newcomer.account.pk).suspended_at is not None  # stored hidden
    remove_domain_policy(admin, "remote.example")
    run_tasks()
    assert [p.account_id for p in public_timeline(alice, page)] == [bob.account.id]
    assert home_timeline(alice, page) == []  # materialized feeds are not refilled; new posts come in again
    assert Account.objects.get(pk=newcomer.account.pk).suspended_at is None
    assert Account.objects.get(pk=gone.account.pk).suspended_at is not None  # suspended for another reason


def test_nothing_is_recorded_or_sent_to_a_suspended_domain(alice, bob, make_remote, admin):
    other = make_remote("carol", "other.example")
    followed_by(alice, bob)
    followed_by(alice, other)
    create_post(alice, "before")
    pending = set(Delivery.objects.values_list("domain", flat=True))
    assert pending == {"remote.example", "other.example"}
    set_domain_policy(admin, "remote.example", suspend=True)
    create_post(alice, "after")
    assert Delivery.objects.filter(domain="remote.example").count() == 1  # only the one recorded before
    deliver_due()
    dropped = Delivery.objects.get(domain="remote.example")
    assert dropped.state == Delivery.FAILED and dropped.last_error == "domain suspended"
    assert dropped.attempts == 0  # never sent


def test_rejected_media_and_reports_are_dropped(client, alice, bob, admin):
    followed_by(alice, bob)
    set_domain_policy(admin, "remote.example", reject_media=True, reject_reports=True, reason="gore")
    obj = note(
        bob,
        attachment=[{"type": "Document", "mediaType": "image/png", "url": "https://remote.example/a.png"}],
    )
    assert bob.post(client, create(bob, obj)).status_code == 202
    post = Post.objects.get(uri=obj["id"])
    assert not post.media_attachments.exists()
    flag = {"id": f"{bob.uri}#flags/1", "type": "Flag", "actor": bob.uri, "object": [alice.uri]}
    assert bob.post(client, flag).status_code == 202
    assert not Report.objects.exists()


def test_signed_fetches_from_a_suspended_domain_are_not_trusted(client, alice, bob, admin, caravan_settings):
    caravan_settings(AUTHORIZED_FETCH=True)
    assert bob.get(client, "/users/alice").status_code == 200
    set_domain_policy(admin, "remote.example", suspend=True)
    response = bob.get(client, "/users/alice")
    assert response.status_code == 401 and b"federate" in response.content


def test_a_suspended_domains_feed_rows_go_in_a_paced_task_that_stops_once_lifted(
    client, alice, bob, admin, run_tasks
):
    from caravan.moderation.domains import apply_domain_suspension, purge_suspended_domain_feeds
    from caravan.timelines.models import FeedEntry

    followed_by(alice, bob)
    assert bob.post(client, create(bob, note(bob))).status_code == 202
    run_tasks()
    in_feeds = FeedEntry.objects.filter(author_id=bob.account.id)
    assert in_feeds.exists()
    stamp = set_domain_policy(admin, "remote.example", suspend=True).suspended_since.isoformat()
    assert apply_domain_suspension.call("remote.example", stamp) == 1  # hidden at once, rows not deleted yet
    assert in_feeds.exists() and home_timeline(alice, Page(limit=20)) == []
    remove_domain_policy(admin, "remote.example")
    assert purge_suspended_domain_feeds.call("remote.example", stamp) == 0  # lifted first: nothing deleted
    run_tasks()
    assert in_feeds.exists()
    set_domain_policy(admin, "remote.example", suspend=True)
    run_tasks()  # the suspension, then its purge
    assert not in_feeds.exists()
