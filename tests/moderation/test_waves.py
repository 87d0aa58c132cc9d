"""The waves selectors find a real wave (one invite, one email domain, one hour, following each other, one
hashtag and link, one address or network) and leave ordinary new accounts out; they are for moderators only and
stay bounded. Acting on many accounts at once: each gets its own action, notice and public log entry, from the
service, the form and, on a real server, all the way to each person's API notifications."""

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.test import Client

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation_services
from caravan.moderation import waves
from caravan.moderation.models import ModerationAction
from caravan.moderation.services import take_action, take_actions
from caravan.notifications.models import Notification
from caravan.posts.models import Post
from caravan.relationships import follow
from caravan.signup import create_admin, register_user
from tests.api.conftest import client_credentials_token, running_server
from tests.moderation.over_http import BEHIND_PROXY, api_sign_up, csrf, web_sign_in
from tests.moderation.wave import PASSWORD, build_wave


def _member_ids(report) -> set[int]:
    groups = report.email_domains + report.invites + report.busy_hours + report.rings
    return {member.id for group in groups for member in group.members}


def test_a_campaigns_actor_is_not_a_sign_up(db):
    """Starting campaigns makes the server's own actors (`campaign_<id>`, no user): none is a new account."""
    from caravan.campaigns.services import start_campaign

    built = build_wave()
    before = waves.waves_report(built.moderator).total_new
    for n in range(3):
        start_campaign(built.ordinary[0], title=f"Leave together {n}", target=100)
    assert Account.objects.filter(domain="", username__startswith="campaign_").count() == 3
    assert waves.waves_report(built.moderator).total_new == before


def test_each_section_finds_the_wave_and_only_the_wave(db):
    built = build_wave()
    wave_ids = {account.id for account in built.wave}
    report = waves.waves_report(built.moderator)

    assert report.hours == 48 and report.until - report.since == timedelta(hours=48)
    counts = dict(report.per_hour)
    assert len(report.per_hour) == 48
    assert counts[built.wave_hour] == 5
    assert report.total_new == 8  # the wave and the three ordinary accounts; the moderator is a month old
    assert sorted(n for n in counts.values() if n) == [1, 1, 1, 5]

    [domain] = report.email_domains
    assert (domain.key, domain.size, {m.id for m in domain.members}) == ("spam.example", 5, wave_ids)
    [invite] = report.invites
    assert invite.size == 5 and invite.detail == "boss" and {m.id for m in invite.members} == wave_ids
    [hour] = report.busy_hours
    assert hour.key == built.wave_hour.isoformat() and hour.size == 5
    assert {m.id for m in hour.members} == wave_ids
    [ring] = report.rings
    assert ring.size == 5 and {m.id for m in ring.members} == wave_ids
    assert ring.inside_follows == ring.all_follows == 20

    [tag] = report.hashtag_bursts
    assert (tag.value, tag.hour, tag.accounts, tag.posts, tag.new_accounts) == (
        "cheapwatches",
        built.wave_hour,
        5,
        5,
        5,
    )
    [link] = report.link_bursts
    assert (link.value, link.accounts, link.new_accounts) == ("https://spam.example/buy", 5, 5)

    assert _member_ids(report) == wave_ids
    assert not {a.id for a in built.ordinary} & _member_ids(report)
    assert not report.accounts_truncated and not report.posts_truncated


def test_a_shorter_window_leaves_the_wave_out(db):
    built = build_wave()
    report = waves.waves_report(built.moderator, hours=2)
    assert report.total_new == 0 and not report.email_domains and not report.rings
    assert not report.hashtag_bursts and not report.link_bursts


def test_bounds_on_members_and_rows(db, monkeypatch):
    built = build_wave()
    monkeypatch.setattr(waves, "MAX_MEMBERS", 2)
    monkeypatch.setattr(waves, "MAX_NEW_ACCOUNTS", 4)
    report = waves.waves_report(built.moderator)
    assert report.accounts_truncated and report.accounts_read == 4
    assert report.total_new == 8  # the chart counts every account even when fewer rows are read
    [hour] = report.busy_hours
    assert hour.size == 5 and len(hour.members) == 2  # the hour's full count, two members shown
    [domain] = report.email_domains
    assert domain.size == 4 and len(domain.members) == 2


def test_only_moderators_may_look(db):
    built = build_wave()
    with pytest.raises(DomainError) as raised:
        waves.waves_report(built.ordinary[0].user)
    assert raised.value.kind == error_codes.NOT_A_MODERATOR
    with pytest.raises(DomainError):
        waves.waves_report(None)


def test_links_leave_out_mentions_and_hashtags():
    html = (
        '<p><span class="h-card"><a href="https://a.example/@x" class="u-url mention">@x</a></span> '
        '<a href="https://a.example/tags/y" class="mention hashtag" rel="tag">#y</a> '
        '<a href="https://shop.example/deal#top" rel="nofollow">deal</a> '
        "<a href='https://shop.example/deal'>again</a> <a href=\"javascript:alert(1)\">x</a></p>"
    )
    assert waves.post_links(html) == ["https://shop.example/deal"]


def test_bursts_leave_out_posts_that_are_not_public(db):
    built = build_wave()
    Post.objects.filter(account__in=built.wave).update(visibility="private")
    report = waves.waves_report(built.moderator)
    assert not report.hashtag_bursts and not report.link_bursts
    assert report.rings  # the accounts are still grouped


def test_a_newcomer_tied_to_a_ring_by_one_follow_is_not_in_it(db, make_account):
    built = build_wave()
    newcomer = make_account("nadia")  # signed up now, inside the window
    follow(newcomer, built.wave[0])
    follow(newcomer, built.ordinary[2])  # every follow goes to new accounts, but only one to the ring
    [ring] = waves.waves_report(built.moderator).rings
    assert newcomer.id not in {member.id for member in ring.members} and ring.size == 5


# Clusters by sign-up address and network -------------------------------------------------------------------


def _signed_up(name: str, address: str):
    return register_user(
        username=name, password=PASSWORD, agreement=True, email=f"{name}@{name}.example", address=address
    ).account


def test_clusters_by_address_and_by_network(db, caravan_settings):
    caravan_settings(HOLD_SIGN_UPS_PER_NETWORK=0)
    moderator = create_admin("boss", PASSWORD)
    same_address = [_signed_up(f"same{n}", "198.51.100.7") for n in range(3)]
    same_network = [_signed_up(f"near{n}", f"198.51.100.{20 + n}") for n in range(2)]
    # IPv6: one /64 is one subscriber's address; these three share one, in one /48 with a fourth.
    six = [_signed_up(f"six{n}", f"2001:db8:1:2::{n + 1}") for n in range(3)]
    six_apart = _signed_up("sixapart", "2001:db8:1:3::1")
    lone = [_signed_up(f"lone{n}", f"203.0.{n}.1") for n in range(3)]
    report = waves.waves_report(moderator)

    by_key = {cluster.key: {m.id for m in cluster.members} for cluster in report.addresses}
    assert by_key == {
        "198.51.100.7": {a.id for a in same_address},
        "2001:db8:1:2::/64": {a.id for a in six},
    }
    networks = {cluster.key: {m.id for m in cluster.members} for cluster in report.networks}
    assert networks == {
        "198.51.100.0/24": {a.id for a in same_address + same_network},
        "2001:db8:1::/48": {a.id for a in [*six, six_apart]},
    }
    assert not {a.id for a in lone} & (set().union(*by_key.values()) | set().union(*networks.values()))


def test_a_network_whose_accounts_share_one_address_is_not_listed_twice(db, caravan_settings):
    caravan_settings(HOLD_SIGN_UPS_PER_NETWORK=0)
    moderator = create_admin("boss", PASSWORD)
    for n in range(4):
        _signed_up(f"same{n}", "192.0.2.9")
    report = waves.waves_report(moderator)
    assert [c.key for c in report.addresses] == ["192.0.2.9"] and report.networks == []


def test_address_clusters_are_bounded_like_the_others(db, caravan_settings, monkeypatch):
    caravan_settings(HOLD_SIGN_UPS_PER_NETWORK=0)
    moderator = create_admin("boss", PASSWORD)
    for n in range(6):
        _signed_up(f"same{n}", "192.0.2.9")
    monkeypatch.setattr(waves, "MAX_MEMBERS", 2)
    monkeypatch.setattr(waves, "MAX_NEW_ACCOUNTS", 4)
    [cluster] = waves.waves_report(moderator).addresses
    assert cluster.size == 4 and len(cluster.members) == 2


# Acting on many accounts at once ----------------------------------------------------------------------------


@pytest.fixture
def crowd(db):
    built = build_wave()
    rule = add_rule("No spam")
    return built, rule


def test_take_actions_gives_each_account_its_own_action_and_notice(crowd):
    built, rule = crowd
    outcome = take_actions(built.moderator, built.wave, "suspend", rule_ids=[rule.id], reason="A spam wave.")
    assert [a.target_account_id for a in outcome.actions] == [a.id for a in built.wave]
    assert outcome.skipped == []
    actions = ModerationAction.objects.filter(target_account__in=built.wave)
    assert actions.count() == 5 and len({a.id for a in actions}) == 5
    for action in actions:
        assert action.kind == "suspend" and action.reason == "A spam wave."
        assert [r.id for r in action.rules.all()] == [rule.id]
        assert (
            Notification.objects.filter(
                recipient=action.target_account, type="moderation_warning", moderation_action_id=action.id
            ).count()
            == 1
        )
    assert all(a.suspended_at for a in Account.objects.filter(pk__in=[a.id for a in built.wave]))


def test_the_moderator_and_suspended_accounts_are_skipped_and_named(crowd):
    built, rule = crowd
    take_action(built.moderator, built.wave[0], "suspend", rule_ids=[rule.id], reason="first")
    targets = [built.moderator.account, *built.wave[:3]]
    outcome = take_actions(built.moderator, targets, "limit", rule_ids=[rule.id], reason="A spam wave.")
    assert [a.target_account_id for a in outcome.actions] == [built.wave[1].id, built.wave[2].id]
    assert [(account.id, error.kind) for account, error in outcome.skipped] == [
        (built.moderator.account.id, error_codes.CANNOT_MODERATE_SELF),
        (built.wave[0].id, error_codes.ACCOUNT_ALREADY_SUSPENDED),
    ]


def test_a_bad_bulk_action_is_refused_once_and_writes_nothing(crowd, make_user):
    built, rule = crowd
    for kwargs, kind in (
        ({"rule_ids": [rule.id], "reason": "  "}, error_codes.MODERATION_REASON_REQUIRED),
        ({"rule_ids": [], "reason": "spam"}, error_codes.MODERATION_RULE_REQUIRED),
        ({"rule_ids": [rule.id], "reason": "spam", "kind": "explode"}, error_codes.MODERATION_KIND_UNKNOWN),
        (
            {"rule_ids": [rule.id], "reason": "spam", "kind": "delete_posts"},
            error_codes.MODERATION_POSTS_REQUIRED,
        ),
    ):
        kind_asked = kwargs.pop("kind", "suspend")
        with pytest.raises(DomainError) as raised:
            take_actions(built.moderator, built.wave, kind_asked, **kwargs)
        assert raised.value.kind == kind
    with pytest.raises(DomainError) as raised:
        take_actions(built.moderator, [], "warn", rule_ids=[rule.id], reason="x")
    assert raised.value.kind == error_codes.BULK_NOTHING_SELECTED
    with pytest.raises(DomainError) as raised:
        take_actions(built.ordinary[0].user, built.wave, "warn", rule_ids=[rule.id], reason="x")
    assert raised.value.kind == error_codes.NOT_A_MODERATOR
    assert not ModerationAction.objects.exists()


def test_a_submission_is_bounded(crowd, monkeypatch):
    built, rule = crowd
    monkeypatch.setattr(moderation_services, "MAX_BULK", 4)
    with pytest.raises(DomainError) as raised:
        take_actions(built.moderator, built.wave, "warn", rule_ids=[rule.id], reason="x")
    assert raised.value.kind == error_codes.BULK_TOO_MANY and raised.value.params == {"limit": 4}
    assert not ModerationAction.objects.exists()


# The bulk form (Django's test client: the same URLs, middleware and views) ---------------------------------


def _moderator_client(built) -> Client:
    client = Client()
    client.force_login(built.moderator)
    return client


def test_non_moderators_get_403_on_the_bulk_form(crowd):
    built, rule = crowd
    form = {
        "account_ids": [a.id for a in built.wave],
        "kind": "suspend",
        "rule_ids": [rule.id],
        "reason": "x",
    }
    for user in (built.ordinary[0].user, built.wave[0].user):
        client = Client()
        client.force_login(user)
        assert client.post("/moderation/waves/act", form).status_code == 403
    assert Client().post("/moderation/waves/act", form).status_code in (302, 403)
    assert not ModerationAction.objects.exists()


def test_the_form_comes_back_with_the_message_and_the_ticks_kept(crowd):
    built, rule = crowd
    client = _moderator_client(built)
    answer = client.post(
        "/moderation/waves/act",
        {"account_ids": [built.wave[0].id, built.wave[1].id], "kind": "suspend", "rule_ids": [rule.id]},
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Write the reason for the person this action is about." in page
    assert page.count(f'name="account_ids" value="{built.wave[0].id}" checked') == 4
    assert f'name="account_ids" value="{built.wave[2].id}" checked' not in page
    assert not ModerationAction.objects.exists()
    for bad in ({"account_ids": "12abc"}, {"cluster": "1,-2"}, {"rule_ids": "x"}):
        assert client.post("/moderation/waves/act", {"kind": "warn", "reason": "x", **bad}).status_code == 400


def test_the_result_page_says_who_was_acted_on_and_who_was_skipped(crowd):
    built, rule = crowd
    take_action(built.moderator, built.wave[4], "suspend", rule_ids=[rule.id], reason="first")
    client = _moderator_client(built)
    cluster = ",".join(str(a.id) for a in built.wave)
    answer = client.post(
        "/moderation/waves/act",
        {
            "cluster": cluster,
            "account_ids": [built.wave[0].id],
            "kind": "suspend",
            "rule_ids": [rule.id],
            "reason": "A spam wave.",
        },
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Account suspended: 4 accounts acted on" in page
    assert "1 account skipped" in page and "This account is already suspended." in page
    assert ModerationAction.objects.filter(reason="A spam wave.").count() == 4
    arabic = client.post(
        "/moderation/waves/act?lang=ar",
        {"cluster": cluster, "kind": "suspend", "rule_ids": [rule.id], "reason": "again"},
        HTTP_ACCEPT_LANGUAGE="ar",
    ).content.decode()
    assert 'dir="rtl"' in arabic and "This account is already suspended." not in arabic


# The whole path on a real server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    env: dict = {}
    extra = {
        **BEHIND_PROXY,
        "CARAVAN_SIGN_UPS_PER_ADDRESS": "0",
        "CARAVAN_SIGN_UPS_PER_NETWORK": "0",
        "CARAVAN_HOLD_SIGN_UPS_PER_NETWORK": "0",
        "CARAVAN_MODERATION_LOG_SHOWS_HANDLES": "1",
    }
    with running_server(tmp_path_factory.mktemp("caravan-bulk"), extra, server_env=env) as base:
        caravan = str(Path(sys.executable).with_name("caravan"))
        subprocess.run([caravan, "createadmin", "boss", "--password", PASSWORD], env=env, check=True)
        yield base


def test_a_bulk_action_through_the_web_form_reaches_each_person_on_its_own(site):
    boss, answer = web_sign_in(site, "boss")
    assert answer.status_code == 302
    admin_page = boss.get(f"{site}/admin", timeout=30).text
    boss.post(
        f"{site}/admin/add_rule",
        data={"csrfmiddlewaretoken": csrf(admin_page), "text": "No spam"},
        timeout=30,
    ).raise_for_status()
    token = client_credentials_token(site)
    people = {}
    for n in range(4):
        answer = api_sign_up(site, token, f"bulk{n}", "198.51.100.77")
        assert answer.status_code == 200, answer.text
        people[f"bulk{n}"] = answer.json()["access_token"]
    assert api_sign_up(site, token, "bystander", "192.0.2.1").status_code == 200

    page = boss.get(f"{site}/moderation/waves", timeout=30).text
    section = page.split('aria-labelledby="clusters-address"', 1)[1].split("</section>", 1)[0]
    assert "198.51.100.77" in section and "bystander" not in section
    cluster = re.search(r'name="cluster" value="([0-9,]+)"', section).group(1)
    rule_id = re.search(r'name="rule_ids" value="([0-9]+)"', page).group(1)
    done = boss.post(
        f"{site}/moderation/waves/act",
        data={
            "csrfmiddlewaretoken": csrf(page),
            "hours": "48",
            "cluster": cluster,
            "kind": "limit",
            "rule_ids": rule_id,
            "reason": "These accounts arrived together to advertise.",
        },
        timeout=30,
    )
    assert done.status_code == 200 and "Account limited: 4 accounts acted on" in done.text

    notice_ids = set()
    for username, person_token in people.items():
        notifications = requests.get(
            f"{site}/api/v1/notifications",
            headers={"Authorization": f"Bearer {person_token}"},
            timeout=30,
        ).json()
        [warning] = [n for n in notifications if n["type"] == "moderation_warning"]
        assert warning["moderation_warning"]["action"] == "silence"
        assert warning["moderation_warning"]["text"] == "These accounts arrived together to advertise."
        notice_id = warning["moderation_warning"]["id"]
        notice_ids.add(notice_id)
        session, _ = web_sign_in(site, username)
        notice = session.get(f"{site}/notices/{notice_id}", timeout=30)
        assert notice.status_code == 200 and "These accounts arrived together to advertise." in notice.text
    assert len(notice_ids) == 4  # one notice each

    log = requests.get(f"{site}/about/moderation.json", timeout=30).json()
    entries = {d["id"]: d for d in log["decisions"]}
    assert set(entries) == notice_ids
    assert sorted(d["account"].split("@")[1] for d in entries.values()) == [f"bulk{n}" for n in range(4)]
    assert {d["reason"] for d in entries.values()} == {"These accounts arrived together to advertise."}
    bystander = requests.get(f"{site}/api/v1/accounts/lookup?acct=bystander", timeout=30).json()
    assert "limited" not in bystander or not bystander["limited"]
