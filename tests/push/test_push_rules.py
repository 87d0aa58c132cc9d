"""Web Push rules that the API tests cannot time: what is decided when the worker sends (a post that became
unreadable since, a person who may no longer sign in), subscriptions ending with the account's access, the
VAPID key made once, and no task written for people without a subscription."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import AccessToken, Application

from caravan import relationships
from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance import vapid
from caravan.instance.models import InstanceSettings
from caravan.instance.services import add_rule
from caravan.moderation import access
from caravan.moderation import services as moderation
from caravan.notifications.models import Notification
from caravan.publishing.posting import create_post
from caravan.push import services as push
from caravan.push.models import PushSubscription
from tests.push.receiver import BrowserKeys, Receiver


@pytest.fixture
def receiver(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True)  # the loopback push service, as federation tests do
    receiver = Receiver()
    yield receiver
    receiver.close()


def _subscribe(account: Account, endpoint: str, keys: BrowserKeys, **alerts) -> PushSubscription:
    app = Application.objects.create(
        name="app", client_type="confidential", authorization_grant_type="authorization-code"
    )
    token = AccessToken.objects.create(
        user=account.user,
        application=app,
        token=f"token-{account.username}-{AccessToken.objects.count()}",
        expires=timezone.now() + timedelta(days=1),
        scope="read push",
    )
    return push.subscribe(
        account, token.id, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth, standard=True, alerts=alerts
    )


def test_nothing_of_a_post_goes_out_once_the_subscriber_may_no_longer_read_it(
    make_account, run_tasks, receiver
):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(alice, bob)  # a private mention from a stranger would be held back (as Mastodon)
    keys = BrowserKeys()
    _subscribe(alice, receiver.url("/alice"), keys, mention=True)
    create_post(bob, "@alice first", visibility="direct")
    run_tasks()
    [first] = receiver.wait("/alice")
    assert keys.decrypt(first)["body"] == "@alice first"

    create_post(bob, "@alice the second, never to be seen", visibility="direct")
    Account.objects.filter(pk=bob.pk).update(suspended_at=timezone.now())  # before the worker gets to it
    run_tasks()
    assert len(receiver.to("/alice")) == 1


def test_a_notification_held_back_by_the_policy_is_never_pushed(make_account, run_tasks, receiver):
    alice, stranger, friend = make_account("alice"), make_account("stranger"), make_account("friend")
    relationships.follow(alice, friend)
    keys = BrowserKeys()
    _subscribe(alice, receiver.url("/alice"), keys, mention=True)
    create_post(stranger, "@alice a private word from a stranger", visibility="direct")
    create_post(friend, "@alice a private word from a friend", visibility="direct")
    run_tasks()
    [pushed] = receiver.wait("/alice")
    assert keys.decrypt(pushed)["body"] == "@alice a private word from a friend"
    assert Notification.objects.filter(recipient=alice, from_account=stranger, filtered=True).exists()
    run_tasks()
    assert len(receiver.to("/alice")) == 1


def test_a_person_who_may_not_sign_in_is_pushed_nothing(make_account, make_user, run_tasks, receiver):
    alice, bob = make_account("alice"), make_account("bob")
    moderator = make_user("warden")
    set_role(moderator, "moderator")
    _subscribe(alice, receiver.url("/alice"), BrowserKeys(), mention=True)
    create_post(bob, "@alice hello")
    access.disable_sign_in(moderator, alice)
    assert not PushSubscription.objects.filter(account=alice).exists()
    run_tasks()
    assert receiver.to("/alice") == []


def test_suspension_ends_the_accounts_subscriptions(make_account, make_user, receiver):
    alice = make_account("alice")
    admin = make_user("chief")
    set_role(admin, "admin")
    rule = add_rule("Be kind")
    _subscribe(alice, receiver.url("/alice"), BrowserKeys(), mention=True)
    other = make_account("other")
    _subscribe(other, receiver.url("/other"), BrowserKeys(), mention=True)
    moderation.take_action(admin, alice, "suspend", rule_ids=[rule.id], reason="spam")
    assert not PushSubscription.objects.filter(account=alice).exists()
    assert PushSubscription.objects.filter(account=other).exists()


def test_revoking_the_token_ends_its_subscription(make_account, receiver):
    alice = make_account("alice")
    subscription = _subscribe(alice, receiver.url("/alice"), BrowserKeys(), mention=True)
    AccessToken.objects.get(pk=subscription.access_token_id).revoke()
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_no_task_is_written_for_people_without_a_wanted_subscription(make_account, receiver):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    _subscribe(carol, receiver.url("/carol"), BrowserKeys(), favourite=True)  # not mentions
    before = DBTaskResult.objects.filter(task_path__endswith="deliver_push").count()
    create_post(bob, "@alice @carol hi")
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_push").count() == before
    _subscribe(alice, receiver.url("/alice"), BrowserKeys(), mention=True)
    create_post(bob, "@alice again")
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_push").count() == before + 1


def test_the_vapid_key_is_made_once_and_never_replaced(db, monkeypatch):
    monkeypatch.setattr(vapid, "_cached", None)
    first = vapid.key_pair()
    stored = InstanceSettings.objects.get(pk=1)
    assert stored.vapid_public_key == first.public_key and "PRIVATE KEY" in stored.vapid_private_key
    monkeypatch.setattr(vapid, "_cached", None)
    assert vapid.key_pair() == first  # read back, not made again

    # Two processes start on an empty row: the other one writes its pair while this one makes its own.
    InstanceSettings.objects.filter(pk=1).update(vapid_private_key="", vapid_public_key="")
    monkeypatch.setattr(vapid, "_cached", None)
    make_pair = vapid._new_pair
    winner = make_pair()

    def racing() -> vapid.VapidKeys:
        InstanceSettings.objects.filter(pk=1).update(
            vapid_private_key=winner.private_pem, vapid_public_key=winner.public_key
        )
        return make_pair()

    monkeypatch.setattr(vapid, "_new_pair", racing)
    assert vapid.key_pair() == winner
    assert InstanceSettings.objects.get(pk=1).vapid_public_key == winner.public_key
