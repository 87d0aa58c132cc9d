"""Web Push through a real `caravan serve` and a push service on loopback (tests/push/receiver.py): apps
subscribe with Mastodon.py or plain requests, other people mention, favourite and follow, and the receiver
checks each push's VAPID signature and decrypts it with the subscriber's private key, as a browser would."""

import time
import uuid

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
from tests.push.receiver import BrowserKeys, Receiver, verify_vapid

REDIRECT = "https://app.example/callback"
SCOPES = "read write follow push"


class Site:
    def __init__(self, base: str) -> None:
        self.base = base
        self.app = requests.post(
            f"{base}/api/v1/apps",
            json={"client_name": "Push tests", "redirect_uris": REDIRECT, "scopes": SCOPES},
            timeout=30,
        ).json()
        self.server_key = requests.get(f"{base}/api/v2/instance", timeout=30).json()["configuration"][
            "vapid"
        ]["public_key"]

    def person(self, prefix: str) -> tuple[str, Mastodon]:
        """A new account (through the API) and a Mastodon.py client with its first token."""
        username = f"{prefix}{uuid.uuid4().hex[:6]}"
        response = requests.post(
            f"{self.base}/api/v1/accounts",
            headers={"Authorization": f"Bearer {client_credentials_token(self.base, self.app, 'write')}"},
            json={
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.org",
                "agreement": True,
                "locale": "en",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return username, self.client(response.json()["access_token"])

    def token(self, username: str) -> str:
        """Another token of the same person (another app install): each has its own subscription."""
        return token_by_authorization_code(self.base, self.app, username, SCOPES, redirect=REDIRECT)

    def client(self, token: str) -> Mastodon:
        return Mastodon(access_token=token, api_base_url=self.base, request_timeout=30)

    def subscribe(self, token: str, endpoint: str, keys: BrowserKeys, **data) -> requests.Response:
        body = {
            "subscription": {
                "endpoint": endpoint,
                "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
                "standard": data.pop("standard", True),
            },
            "data": data,
        }
        return requests.post(
            f"{self.base}/api/v1/push/subscription",
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            timeout=30,
        )


@pytest.fixture(scope="module")
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server that may reach the loopback push service (as federation tests reach loopback servers), with
    retries a hundred times sooner than in production."""
    env = {
        **LIMITS_OFF,
        "CARAVAN_FEDERATION_ALLOW_PRIVATE": "1",
        "CARAVAN_FEDERATION_RETRY_SCALE": "0.01",
    }
    with running_server(tmp_path_factory.mktemp("push-server"), env) as base:
        yield Site(base)


@pytest.fixture(scope="module")
def strict_site(tmp_path_factory):
    """A server with the outbound address rule on, where push.evil.test resolves to loopback."""
    env = {**LIMITS_OFF, "CARAVAN_FEDERATION_RESOLVE": "push.evil.test=127.0.0.1"}
    with running_server(tmp_path_factory.mktemp("push-strict-server"), env) as base:
        yield Site(base)


def _path() -> str:
    return f"/push/{uuid.uuid4().hex}"


ALL_ALERTS = {"alerts": {"mention": True, "favourite": True, "follow": True, "reblog": True}}


def test_the_server_key_is_published_where_apps_look_for_it(site):
    instance_v1 = requests.get(f"{site.base}/api/v1/instance", timeout=30).json()
    app = requests.post(
        f"{site.base}/api/v1/apps",
        json={"client_name": "Another", "redirect_uris": REDIRECT, "scopes": SCOPES},
        timeout=30,
    ).json()
    assert len(site.server_key) == 87  # a P-256 point, base64url
    assert app["vapid_key"] == site.server_key
    assert "vapid" not in instance_v1["configuration"]  # Mastodon gives it in v2 and on the app only
    again = requests.get(f"{site.base}/api/v2/instance", timeout=30).json()
    assert again["configuration"]["vapid"]["public_key"] == site.server_key  # made once, kept


def test_a_subscription_is_created_read_changed_replaced_and_deleted(site, receiver):
    username, alice = site.person("alice")
    keys = BrowserKeys()
    first = site.subscribe(alice.access_token, receiver.url(_path()), keys, alerts={"mention": True})
    assert first.status_code == 200, first.text
    created = first.json()
    assert created["server_key"] == site.server_key
    assert created["standard"] is True and created["policy"] == "all"
    assert created["alerts"]["mention"] is True and created["alerts"]["favourite"] is False
    assert set(created["alerts"]) >= {"admin.sign_up", "admin.report", "quote", "quoted_update", "update"}

    read = alice.push_subscription()
    assert read["id"] == created["id"] and read["endpoint"] == created["endpoint"]

    changed = requests.put(
        f"{site.base}/api/v1/push/subscription",
        headers={"Authorization": f"Bearer {alice.access_token}"},
        json={"data": {"alerts": {"favourite": True}, "policy": "followed"}},
        timeout=30,
    ).json()
    assert changed["alerts"]["favourite"] is True and changed["alerts"]["mention"] is True
    assert changed["policy"] == "followed"

    # One per token: a new POST replaces it.
    second = site.subscribe(alice.access_token, receiver.url(_path()), BrowserKeys(), alerts={"follow": True})
    assert second.json()["id"] != created["id"]
    assert alice.push_subscription()["alerts"]["mention"] is False

    assert (
        requests.delete(
            f"{site.base}/api/v1/push/subscription",
            headers={"Authorization": f"Bearer {alice.access_token}"},
            timeout=30,
        ).json()
        == {}
    )
    gone = requests.get(
        f"{site.base}/api/v1/push/subscription",
        headers={"Authorization": f"Bearer {alice.access_token}"},
        timeout=30,
    )
    assert gone.status_code == 404 and "error" in gone.json()


def test_a_mention_is_pushed_signed_and_encrypted_as_mastodon_sends_it(site, receiver):
    _, alice = site.person("alice")
    bob_name, bob = site.person("bob")
    bob.account_update_credentials(display_name="Omar")
    keys, path = BrowserKeys(), _path()
    assert site.subscribe(alice.access_token, receiver.url(path), keys, **ALL_ALERTS).status_code == 200
    me = alice.me()

    post = bob.status_post(f"@{me['acct']} the caravan leaves at dawn")
    [received] = receiver.wait(path)

    verify_vapid(received, site.server_key, receiver.origin)
    assert received.headers["Content-Encoding"] == "aes128gcm"
    assert int(received.headers["TTL"]) > 0 and received.headers["Urgency"] == "normal"
    payload = keys.decrypt(received)
    [notification] = alice.notifications(types=["mention"])
    assert payload["notification_id"] == int(notification["id"])
    assert payload["notification_type"] == "mention"
    assert payload["access_token"] == alice.access_token
    assert payload["preferred_locale"] == "en"
    assert payload["title"] == "Omar mentioned you"
    assert payload["body"].endswith("the caravan leaves at dawn")
    assert payload["icon"].startswith(("http://", "https://"))
    assert notification["status"]["id"] == post["id"]


def test_a_legacy_subscription_made_by_mastodon_py_is_decrypted_by_it(site, receiver):
    _, alice = site.person("alice")
    _, bob = site.person("bob")
    private, public = alice.push_subscription_generate_keys()
    path = _path()
    made = alice.push_subscription_set(
        receiver.url(path), public, favourite_events=True, mention_events=False
    )
    assert made["alerts"]["favourite"] is True and made["standard"] is False

    post = alice.status_post("a favourite, please")
    bob.status_favourite(post["id"])
    [received] = receiver.wait(path)
    verify_vapid(received, site.server_key, receiver.origin)
    assert received.headers["Content-Encoding"] == "aesgcm"
    pushed = alice.push_subscription_decrypt_push(
        received.body, private, received.headers["Encryption"], received.headers["Crypto-Key"]
    )
    assert pushed["notification_type"] == "favourite"
    assert pushed["body"] == "a favourite, please"
    assert pushed["access_token"] == alice.access_token


def test_alerts_that_are_off_send_nothing(site, receiver):
    _, alice = site.person("alice")
    _, bob = site.person("bob")
    keys, path = BrowserKeys(), _path()
    site.subscribe(alice.access_token, receiver.url(path), keys, alerts={"mention": False, "follow": True})
    acct = alice.me()["acct"]
    bob.status_post(f"@{acct} you will not be pushed this")
    time.sleep(1)
    bob.account_follow(alice.me()["id"])  # the follow is pushed: everything before it has been handled
    [received] = receiver.wait(path)
    time.sleep(0.5)
    assert [keys.decrypt(r)["notification_type"] for r in receiver.to(path)] == ["follow"]
    assert received.answered == 201


def test_policies_choose_whose_notifications_are_pushed(site, receiver):
    alice_name, alice = site.person("alice")
    _, friend = site.person("friend")  # alice follows friend
    _, fan = site.person("fan")  # fan follows alice
    _, stranger = site.person("stranger")
    alice.account_follow(friend.me()["id"])
    fan.account_follow(alice.me()["id"])
    acct = alice.me()["acct"]
    paths = {policy: _path() for policy in ("all", "followed", "follower", "none")}
    keys = BrowserKeys()
    for policy, path in paths.items():
        token = alice.access_token if policy == "all" else site.token(alice_name)
        answer = site.subscribe(token, receiver.url(path), keys, alerts={"mention": True}, policy=policy)
        assert answer.json()["policy"] == policy

    for who, client in (("stranger", stranger), ("fan", fan), ("friend", friend)):
        client.status_post(f"@{acct} hello from {who}")
    receiver.wait(paths["all"], 3)
    time.sleep(1)
    texts = {
        policy: sorted(keys.decrypt(r)["body"].split()[-1] for r in receiver.to(path))
        for policy, path in paths.items()
    }
    assert texts == {
        "all": ["fan", "friend", "stranger"],
        "followed": ["friend"],
        "follower": ["fan"],
        "none": [],
    }


def test_a_gone_subscription_is_dropped_and_a_failing_service_is_tried_again(site, receiver):
    alice_name, alice = site.person("alice")
    _, bob = site.person("bob")
    gone, flaky = _path(), _path()
    receiver.script(gone, [410])
    receiver.script(flaky, [500, 503])
    keys = BrowserKeys()
    other_token = site.token(alice_name)
    site.subscribe(alice.access_token, receiver.url(gone), keys, alerts={"mention": True})
    site.subscribe(other_token, receiver.url(flaky), keys, alerts={"mention": True})

    bob.status_post(f"@{alice.me()['acct']} are you there?")
    receiver.wait(gone)
    missing = wait_until(
        lambda: (
            requests.get(
                f"{site.base}/api/v1/push/subscription",
                headers={"Authorization": f"Bearer {alice.access_token}"},
                timeout=30,
            ).status_code
            == 404
        )
    )
    assert missing
    tries = receiver.wait(flaky, 3, timeout=30)
    assert [r.answered for r in tries] == [500, 503, 201]
    assert len({keys.decrypt(r)["notification_id"] for r in tries}) == 1  # the same notification each time
    assert site.client(other_token).push_subscription()["endpoint"] == receiver.url(flaky)  # kept


def test_a_revoked_token_takes_its_subscription_with_it(site, receiver):
    alice_name, alice = site.person("alice")
    _, bob = site.person("bob")
    revoked_path, kept_path = _path(), _path()
    keys = BrowserKeys()
    doomed = site.token(alice_name)
    site.subscribe(doomed, receiver.url(revoked_path), keys, alerts={"mention": True})
    site.subscribe(alice.access_token, receiver.url(kept_path), keys, alerts={"mention": True})
    answer = requests.post(
        f"{site.base}/oauth/revoke",
        data={
            "token": doomed,
            "client_id": site.app["client_id"],
            "client_secret": site.app["client_secret"],
        },
        timeout=30,
    )
    assert answer.status_code == 200

    bob.status_post(f"@{alice.me()['acct']} only one app hears this")
    receiver.wait(kept_path)
    time.sleep(1)
    assert receiver.to(revoked_path) == []


def test_private_posts_reach_only_those_who_may_read_them(site, receiver):
    _, alice = site.person("alice")
    _, carol = site.person("carol")
    _, bob = site.person("bob")
    keys = BrowserKeys()
    alice_path, carol_path = _path(), _path()
    site.subscribe(alice.access_token, receiver.url(alice_path), keys, alerts={"mention": True})
    site.subscribe(
        carol.access_token, receiver.url(carol_path), keys, alerts={"mention": True, "follow": True}
    )
    carol.account_follow(bob.me()["id"])
    alice.account_follow(bob.me()["id"])  # a private mention from a stranger would be held back (as Mastodon)
    bob.status_post(f"@{alice.me()['acct']} the secret meeting place", visibility="direct")
    [received] = receiver.wait(alice_path)
    assert keys.decrypt(received)["body"].endswith("the secret meeting place")
    bob.account_follow(carol.me()["id"])  # a push carol does get: the direct post was handled before it
    receiver.wait(carol_path)
    time.sleep(0.5)
    assert all("secret" not in keys.decrypt(r)["body"] for r in receiver.to(carol_path))
    assert [keys.decrypt(r)["notification_type"] for r in receiver.to(carol_path)] == ["follow"]


@pytest.mark.parametrize(
    ("endpoint", "keys_change"),
    [
        ("ftp://push.example/x", {}),
        ("not a url", {}),
        ("http://10.0.0.1/push", {}),
        ("http://169.254.169.254/latest", {}),
        ("http://[::1]/push", {}),
        ("http://2130706433/push", {}),
        ("http://0x7f.1/push", {}),
        ("https://user:secret@push.example/x", {}),
        ("https://push.example/" + "a" * 3000, {}),
        ("https://push.example/x", {"p256dh": "short"}),
        ("https://push.example/x", {"p256dh": "!!!!" * 22}),
        ("https://push.example/x", {"auth": "AAAA"}),
        ("https://push.example/x", {"p256dh": "BA" + "A" * 85}),  # not a point on the curve
    ],
)
def test_hostile_subscriptions_are_refused_with_a_clear_error(strict_site, endpoint, keys_change):
    _, mallory = strict_site.person("mallory")
    keys = BrowserKeys()
    body = {
        "subscription": {
            "endpoint": endpoint,
            "keys": {"p256dh": keys.p256dh, "auth": keys.auth, **keys_change},
        },
        "data": {"alerts": {"mention": True}},
    }
    answer = requests.post(
        f"{strict_site.base}/api/v1/push/subscription",
        headers={"Authorization": f"Bearer {mallory.access_token}"},
        json=body,
        timeout=30,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]
    assert (
        requests.get(
            f"{strict_site.base}/api/v1/push/subscription",
            headers={"Authorization": f"Bearer {mallory.access_token}"},
            timeout=30,
        ).status_code
        == 404
    )


def test_an_unknown_policy_and_a_token_without_push_are_refused(strict_site):
    username, mallory = strict_site.person("mallory")
    keys = BrowserKeys()
    answer = strict_site.subscribe(mallory.access_token, "https://push.example/x", keys, policy="everyone")
    assert answer.status_code == 422 and "policy" in answer.json()["error"]
    read_only = token_by_authorization_code(
        strict_site.base, strict_site.app, username, "read write", redirect=REDIRECT
    )
    refused = strict_site.subscribe(read_only, "https://push.example/x", keys)
    assert refused.status_code == 403


def test_an_endpoint_whose_name_leads_to_a_private_address_is_never_reached(strict_site, receiver):
    _, alice = strict_site.person("alice")
    _, bob = strict_site.person("bob")
    path = _path()
    sneaky = f"http://push.evil.test:{receiver.port}{path}"
    made = strict_site.subscribe(alice.access_token, sneaky, BrowserKeys(), alerts={"mention": True})
    assert made.status_code == 200  # the name is checked where it leads, when a push is sent
    bob.status_post(f"@{alice.me()['acct']} knock knock")
    dropped = wait_until(
        lambda: (
            requests.get(
                f"{strict_site.base}/api/v1/push/subscription",
                headers={"Authorization": f"Bearer {alice.access_token}"},
                timeout=30,
            ).status_code
            == 404
        )
    )
    assert dropped
    assert receiver.to(path) == []
