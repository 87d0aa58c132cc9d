"""The waves selectors find a real wave (one invite, one email domain, one hour, following each other, one
hashtag and link) and leave ordinary new accounts out; they are for moderators only and stay bounded."""

from datetime import timedelta

import pytest

from caravan import error_codes
from caravan.errors import DomainError
from caravan.moderation import waves
from caravan.posts.models import Post
from caravan.relationships import follow
from tests.moderation.wave import build_wave


def _member_ids(report) -> set[int]:
    groups = report.email_domains + report.invites + report.busy_hours + report.rings
    return {member.id for group in groups for member in group.members}


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
