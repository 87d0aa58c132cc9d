"""Account moves (in and out), aliases, and finding the people you followed on X again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import events, lookup, relationships
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.moving import services as moving
from caravan.moving.models import FollowCandidate
from caravan.moving.people import handles_in
from caravan.profiles import upsert_remote_account
from caravan.social import services as social
from caravan.social.models import Block, Follow, FollowRequest, Mute

from .archives import XArchive, later, tweet


def remote(username, domain, **extra):
    return upsert_remote_account(
        f"https://{domain}/users/{username}",
        username=username,
        domain=domain,
        inbox_url=f"https://{domain}/users/{username}/inbox",
        **extra,
    )


def test_accept_move_carries_followers_settings_blocks_and_mutes_once(make_account):
    old = remote("me", "old.example")
    new = remote("me", "new.example", also_known_as=["https://old.example/users/me"])
    fan, grump, quiet = make_account("fan"), make_account("grump"), make_account("quiet")
    Follow.objects.create(account=fan, target_account=old, show_reblogs=False, notify=True)
    relationships.block(grump, old)
    social.mute(quiet, old, hide_notifications=False)
    assert moving.accept_move(old, new) == 1
    request = FollowRequest.objects.get(account=fan, target_account=new)  # remote: waits for Accept
    assert request.show_reblogs is False and request.notify is True
    assert not Follow.objects.filter(account=fan, target_account=old).exists()
    assert Block.objects.filter(account=grump, target_account=new).exists()
    assert Mute.objects.get(account=quiet, target_account=new).hide_notifications is False
    old.refresh_from_db()
    assert old.moved_to_id == new.id
    assert moving.accept_move(old, new) == 0  # idempotent
    assert FollowRequest.objects.filter(account=fan, target_account=new).count() == 1


def test_move_out_needs_alias_has_cooldown_and_announces(make_account):
    me, next_home, fan = make_account("me"), make_account("nexthome"), make_account("fan")
    relationships.follow(fan, me, notify_on_post=True)
    with pytest.raises(DomainError, match="alias"):
        moving.move_out(me, next_home)
    moving.add_alias(next_home, me.uri)
    heard = []
    listener = lambda **payload: heard.append(payload)  # noqa: E731
    events.listen("account.moved", listener)
    try:
        moving.move_out(me, next_home)
    finally:
        events._listeners["account.moved"].remove(listener)
    assert heard == [{"account": me, "target": next_home}]
    me.refresh_from_db()
    assert me.moved_to_id == next_home.id
    assert Follow.objects.get(account=fan, target_account=next_home).notify is True
    assert not Follow.objects.filter(account=fan, target_account=me).exists()
    third = make_account("third")
    moving.add_alias(third, me.uri)
    with pytest.raises(DomainError, match="30 days"):
        moving.move_out(me, third)
    Account.objects.filter(pk=me.pk).update(moved_at=timezone.now() - timedelta(days=31))
    me.refresh_from_db()
    moving.move_out(me, third)
    moving.remove_alias(third, me.uri)
    third.refresh_from_db()
    assert third.also_known_as == []


def test_handles_are_found_in_names_and_links():
    assert handles_in(
        "Jane (she/her) @jane@social.example · https://art.example/@janedraws, mail jane@gmail.com"
    ) == [("janedraws", "art.example"), ("jane", "social.example")]


def test_people_followed_on_x_are_found_confirmed_and_followed_in_one_action(
    make_user, make_account, tmp_path, settings
):
    settings.DOMAIN = "caravan.test"
    me = make_user("mover")
    alice = make_account("alice")  # a real local account found by its handle
    bob_remote = remote("bob", "bob.example")
    archive = XArchive()
    archive.add(
        tweet(
            later(0),
            "@alicex @bobx @carolx hello",
            mentions=[
                ("alicex", "11", f"Alice 🐘 @alice@{settings.DOMAIN}"),
                ("bobx", "22", "Bob https://bob.example/@bob"),
                ("carolx", "33", "Carol @carol@unknown.example"),
            ],
        )
    )
    archive.data("following", [{"following": {"accountId": i}} for i in ("11", "22", "33", "44")])
    job = moving.start_import(me, "x_archive", archive.write_zip(tmp_path / "x.zip"), {}, enqueue=False)
    moving.run_import_job(job.pk)
    candidates = {c.found_handle: c for c in FollowCandidate.objects.filter(account=me.account)}
    assert set(candidates) == {f"alice@{settings.DOMAIN}", "bob@bob.example"}
    assert candidates["bob@bob.example"].old_handle == "@bobx"
    job.refresh_from_db()
    assert any("followed 4 accounts" in r["reason"] for r in job.report)
    made = moving.follow_candidates(me, [c.pk for c in candidates.values()])
    assert made == 2
    assert Follow.objects.filter(account=me.account, target_account=alice).exists()
    assert FollowRequest.objects.filter(account=me.account, target_account=bob_remote).exists()


def test_webfinger_resolver_hook_confirms_unknown_handles(make_user, tmp_path):
    me = make_user("mover")
    looked_up = []

    def webfinger(username, domain):
        looked_up.append((username, domain))
        return remote(username, domain) if domain == "found.example" else None

    lookup.install(webfinger)
    try:
        archive = XArchive()
        archive.add(
            tweet(
                later(0),
                "@a @b",
                mentions=[("a", "1", "A @a@found.example"), ("b", "2", "B @b@lost.example")],
            )
        )
        job = moving.start_import(me, "x_archive", archive.write_zip(tmp_path / "x.zip"), {}, enqueue=False)
        moving.run_import_job(job.pk)
    finally:
        lookup.install(None)
    assert sorted(looked_up) == [("a", "found.example"), ("b", "lost.example")]
    assert list(FollowCandidate.objects.values_list("found_handle", flat=True)) == ["a@found.example"]
