"""Coordinated sign-ups: a second limit per network (IPv4 /24, IPv6 /48) beside the per-address one, answered
429 with Retry-After on the web form and the client API alike; and suspicious sign-ups held for a moderator's
approval even when registration is open, with the reasons kept and shown (translated) on the admins' list.

The signals are read from the stored users, so the domain tests build them with `register_user`; the faces are
tested on a real `caravan serve` behind a proxy (X-Forwarded-For names each client's address)."""

from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from caravan.accounts.models import User
from caravan.accounts.services import approve_user, set_role
from caravan.instance.models import RegistrationMode
from caravan.instance.services import add_rule, create_invite, set_registration_mode
from caravan.moderation.services import take_action
from caravan.signup import create_admin, register_user
from tests.api.conftest import PASSWORD, client_credentials_token, running_server
from tests.moderation.over_http import BEHIND_PROXY, api_sign_up, web_sign_in, web_sign_up

HOLDS_OFF = {
    "HOLD_SIGN_UPS_PER_NETWORK": 0,
    "HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": 0,
    "HOLD_AFTER_SUSPENSIONS": False,
}


def _join(username: str, address: str = "", email: str = "", **kwargs) -> User:
    return register_user(
        username=username,
        password=PASSWORD,
        agreement=True,
        email=email or f"{username}@example.org",
        address=address,
        **kwargs,
    )


def _codes(user: User) -> list[str]:
    return [reason["code"] for reason in user.sign_up_holds]


# The signals, one by one ------------------------------------------------------------------------------------


def test_an_ordinary_sign_up_is_not_held(db):
    user = _join("first", "198.51.100.7")
    assert user.approved and user.sign_up_holds == []
    assert user.sign_up_ip == "198.51.100.7" and user.sign_up_network == "198.51.100.0/24"


def test_a_busy_network_holds_the_next_sign_up_and_other_networks_are_not_affected(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 3})
    for n in range(3):
        assert _join(f"ok{n}", f"198.51.100.{n + 1}").approved  # three addresses of one /24
    held = _join("fourth", "198.51.100.200")
    assert not held.approved
    assert held.sign_up_holds == [{"code": "network", "network": "198.51.100.0/24", "count": 3, "hours": 24}]
    assert _join("neighbour", "198.51.101.1").approved  # the next /24 is another network


def test_ipv6_networks_are_counted_per_48(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 2})
    assert _join("six1", "2001:db8:5:1::1").approved
    assert _join("six2", "2001:db8:5:ffff::9").approved
    held = _join("six3", "2001:db8:5:abcd::1")
    assert not held.approved and held.sign_up_holds[0]["network"] == "2001:db8:5::/48"
    assert _join("six4", "2001:db8:6::1").approved


def test_sign_ups_older_than_a_day_do_not_count(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 2})
    for n in range(2):
        _join(f"old{n}", f"192.0.2.{n + 1}")
    User.objects.update(date_joined=timezone.now() - timedelta(hours=25))
    assert _join("fresh", "192.0.2.50").approved


def test_a_busy_email_domain_holds_the_next_sign_up(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": 3})
    for n in range(3):
        assert _join(f"mail{n}", f"203.0.{n}.1", email=f"mail{n}@Spam.Example").approved
    held = _join("mail3", "203.0.9.1", email="mail3@spam.example")
    assert not held.approved
    assert held.sign_up_holds == [{"code": "email_domain", "domain": "spam.example", "count": 3}]
    assert _join("other", "203.0.9.2", email="other@mail.example").approved


def test_the_address_of_a_suspended_account_is_held_but_not_its_neighbours(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_AFTER_SUSPENSIONS": True})
    admin = create_admin("boss", PASSWORD)
    rule = add_rule("No spam")
    spammer = _join("spammer", "203.0.113.9")
    take_action(admin, spammer.account, "suspend", rule_ids=[rule.id], reason="spam")
    held = _join("again", "203.0.113.9", email="again@other.example")
    assert not held.approved and held.sign_up_holds == [{"code": "suspended_address", "count": 1}]
    assert _join("neighbour", "203.0.113.10", email="n@other.example").approved
    # IPv6: the same /64 is the same subscriber.
    spammer6 = _join("spammer6", "2001:db8:7:1::1")
    take_action(admin, spammer6.account, "suspend", rule_ids=[rule.id], reason="spam")
    assert _codes(_join("again6", "2001:db8:7:1::abcd", email="a6@other.example")) == ["suspended_address"]
    assert _join("next6", "2001:db8:7:2::1", email="n6@other.example").approved


def test_two_suspended_accounts_of_one_email_domain_hold_it(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_AFTER_SUSPENSIONS": True})
    admin = create_admin("boss", PASSWORD)
    rule = add_rule("No spam")
    first = _join("w1", email="w1@wave.example")
    assert _join("w2", email="w2@wave.example").approved
    take_action(admin, first.account, "suspend", rule_ids=[rule.id], reason="spam")
    assert _join("w3", email="w3@wave.example").approved  # one suspension is not yet a wave
    take_action(admin, User.objects.get(username="w2").account, "suspend", rule_ids=[rule.id], reason="spam")
    held = _join("w4", email="w4@wave.example")
    assert held.sign_up_holds == [{"code": "suspended_email_domain", "domain": "wave.example", "count": 2}]


def test_every_signal_can_be_turned_off(db, caravan_settings):
    caravan_settings(**HOLDS_OFF)
    for n in range(12):
        assert _join(f"many{n}", "198.51.100.1", email=f"many{n}@one.example").approved


def test_an_invite_from_a_moderator_skips_the_hold_and_a_members_does_not(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 1})
    moderator = _join("mod", "192.0.2.1")
    set_role(moderator, "moderator")
    member = _join("member", "198.51.100.99")
    set_registration_mode(RegistrationMode.INVITE)
    vouched = _join("vouched", "192.0.2.2", invite_code=create_invite(moderator).code)
    assert vouched.approved and vouched.sign_up_holds == []
    invited = _join("invited", "192.0.2.3", invite_code=create_invite(member).code)
    assert not invited.approved and _codes(invited) == ["network"]
    # With registration open, a staff invite given on the form still vouches; a code that is no good is not
    # needed, and the sign-up is judged on its own.
    set_registration_mode(RegistrationMode.OPEN)
    invite = create_invite(moderator)
    vouched = _join("vouched2", "192.0.2.4", invite_code=invite.code)
    assert vouched.approved and vouched.invite_id == invite.id
    assert _codes(_join("guessing", "192.0.2.5", invite_code="nope")) == ["network"]


def test_in_approval_mode_the_reasons_are_kept_too(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 1})
    _join("first", "192.0.2.1")
    set_registration_mode(RegistrationMode.APPROVAL)
    second = _join("second", "192.0.2.2", reason="I like caravans")
    assert not second.approved and _codes(second) == ["network"]


def test_the_approval_list_says_why_each_was_held_and_approving_works(db, caravan_settings):
    caravan_settings(**{**HOLDS_OFF, "HOLD_SIGN_UPS_PER_NETWORK": 1, "HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": 1})
    admin = create_admin("boss", PASSWORD)
    _join("first", "198.51.100.1", email="first@spam.example")
    held = _join("held", "198.51.100.2", email="held@spam.example")
    assert _codes(held) == ["network", "email_domain"]
    client = Client()
    client.force_login(admin)
    page = client.get("/admin").content.decode()
    assert "Held for review:" in page
    assert "1 sign-up from the network \u2068198.51.100.0/24\u2069 in the 24 hours before this one." in page
    assert "1 sign-up with the email domain \u2068spam.example\u2069 in the hour before this one." in page
    arabic = client.get("/admin", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "أُوقف للمراجعة:" in arabic and "\u2068198.51.100.0/24\u2069" in arabic
    assert "Held for review" not in arabic
    assert client.post("/admin/approve", {"user_id": held.pk}).status_code == 302
    held.refresh_from_db()
    assert held.approved
    assert "Held for review:" not in client.get("/admin").content.decode()
    approve_user(held)  # approving twice changes nothing


# On a real server ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    env = {
        **BEHIND_PROXY,
        "CARAVAN_SIGN_UPS_PER_ADDRESS": "2",
        "CARAVAN_SIGN_UPS_PER_NETWORK": "3",
        "CARAVAN_HOLD_SIGN_UPS_PER_NETWORK": "2",
        "CARAVAN_HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": "0",
        "CARAVAN_REDIS_URL": "",  # counters in the server's own memory: a shared Redis keeps other runs' counts
    }
    with running_server(tmp_path_factory.mktemp("caravan-sign-up-holds"), env) as base:
        yield base


def _retry_after(response) -> int:
    value = int(response.headers["Retry-After"])
    assert 0 < value <= 3600
    return value


def test_the_web_form_is_limited_per_network(site):
    assert web_sign_up(site, "net1", "198.51.100.1").status_code == 302
    assert web_sign_up(site, "net1b", "198.51.100.1").status_code == 302
    assert web_sign_up(site, "net1c", "198.51.100.1").status_code == 429  # the per-address limit still holds
    # The network's third sign-up passes the limit (it is held for approval: two came from there today).
    assert web_sign_up(site, "net2", "198.51.100.2").status_code == 200
    refused = web_sign_up(site, "net3", "198.51.100.3")  # a fresh address, but the network's fourth
    assert refused.status_code == 429 and _retry_after(refused)
    assert "Too many sign-ups from your network. Try again in" in refused.text
    # The client API counts in the same counters.
    refused = api_sign_up(site, client_credentials_token(site), "net4", "198.51.100.4")
    assert refused.status_code == 429 and _retry_after(refused)
    assert refused.json()["error"].startswith("Too many sign-ups from your network.")
    assert requests.get(f"{site}/api/v1/accounts/lookup?acct=net3", timeout=30).status_code == 404
    assert web_sign_up(site, "elsewhere", "198.51.101.1").status_code == 302  # the next /24


def test_the_api_is_limited_per_ipv6_network(site):
    token = client_credentials_token(site)
    for n, address in enumerate(("2001:db8:9:1::1", "2001:db8:9:2::1", "2001:db8:9:3::1")):
        assert api_sign_up(site, token, f"v6n{n}", address).status_code == 200
    refused = api_sign_up(site, token, "v6n3", "2001:db8:9:4::1")
    assert refused.status_code == 429 and _retry_after(refused)
    assert web_sign_up(site, "v6web", "2001:db8:9:5::1").status_code == 429
    assert api_sign_up(site, token, "v6other", "2001:db8:a::1").status_code == 200


def test_a_suspicious_web_sign_up_waits_for_approval(site):
    assert web_sign_up(site, "early1", "192.0.2.1").headers["Location"] == "/home"
    assert web_sign_up(site, "early2", "192.0.2.2").headers["Location"] == "/home"
    held = web_sign_up(site, "late3", "192.0.2.3")  # the network's third within a day
    assert held.status_code == 200
    assert "Your account @late3 is awaiting approval by the moderators." in held.text
    assert "looked at by a moderator first" in held.text
    _, answer = web_sign_in(site, "late3")
    assert answer.status_code != 302 and "awaiting approval" in answer.text
    _, answer = web_sign_in(site, "early1")
    assert answer.status_code == 302


def test_a_suspicious_api_sign_up_gets_a_token_that_waits_for_approval(site):
    """As Mastodon in approval mode: the app gets its token, and the account's requests answer 403
    "Your login is currently pending approval" until a moderator approves."""
    token = client_credentials_token(site)
    first = api_sign_up(site, token, "apione", "203.0.113.1")
    api_sign_up(site, token, "apitwo", "203.0.113.2")
    third = api_sign_up(site, token, "apithree", "203.0.113.3")
    assert first.status_code == third.status_code == 200

    def me(answer):
        return requests.get(
            f"{site}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {answer.json()['access_token']}"},
            timeout=30,
        )

    assert me(first).status_code == 200 and me(first).json()["username"] == "apione"
    waiting = me(third)
    assert waiting.status_code == 403
    assert waiting.json()["error"] == "Your login is currently pending approval"
