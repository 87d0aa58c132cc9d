"""Mastodon CSV imports and exports: Mastodon's quirks, merge, overwrite, unresolvable rows reported."""

from caravan import profiles, publishing, relationships
from caravan.moving import services as moving
from caravan.moving.csv_io import export_csv
from caravan.moving.models import ImportStatus
from caravan.posts.models import Visibility
from caravan.profiles import upsert_remote_account
from caravan.social.models import Block, DomainBlock, Follow, FollowRequest, Mute
from caravan.timelines.models import List, ListMember


def run_csv(user, tmp_path, kind, text, **options):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(text.encode("utf-8"))
    job = moving.start_import(user, kind, path, options, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def remote(username, domain):
    return upsert_remote_account(
        f"https://{domain}/users/{username}",
        username=username,
        domain=domain,
        inbox_url=f"https://{domain}/users/{username}/inbox",
    )


def test_following_csv_with_header_quirks_and_unresolvable_rows(make_user, make_account, tmp_path, settings):
    me = make_user("mover")
    alice, bob = make_account("alice"), make_account("bob")
    far = remote("carol", "xn--bcher-kva.example")
    text = (
        "\ufeffAccount address,Show boosts,Notify on new posts,Languages\n"
        "\n"
        f'alice@{settings.DOMAIN},false,true,"en, fr"\n'
        "@bob,true,false,\n"
        "carol@bücher.example,true,false,\n"
        "nobody@nowhere.example,true,false,\n"
        "not an address\n"
    )
    job = run_csv(me, tmp_path, "following", text)
    assert job.status == ImportStatus.DONE
    assert job.done == 3 and job.skipped == 2 and len(job.report) == 2
    assert "nobody@nowhere.example" in job.report[0]["reason"]
    follow = Follow.objects.get(account=me.account, target_account=alice)
    assert follow.show_reblogs is False and follow.notify is True and follow.languages == ["en", "fr"]
    assert Follow.objects.filter(account=me.account, target_account=bob).exists()
    assert FollowRequest.objects.filter(account=me.account, target_account=far).exists()
    exported = export_csv(me.account, "following")
    assert exported.splitlines()[0] == "Account address,Show boosts,Notify on new posts,Languages"
    assert f'alice@{settings.DOMAIN},false,true,"en, fr"' in exported


def test_headerless_files_and_overwrite(make_user, make_account, tmp_path, settings):
    me = make_user("mover")
    make_account("alice")
    bob, dave = make_account("bob"), make_account("dave")
    relationships.block(me.account, dave)
    run_csv(me, tmp_path, "blocks", "alice\n\n@bob\n")
    assert set(
        Block.objects.filter(account=me.account).values_list("target_account__username", flat=True)
    ) == {"alice", "bob", "dave"}
    run_csv(me, tmp_path, "blocks", "alice\n", mode="overwrite")
    assert list(
        Block.objects.filter(account=me.account).values_list("target_account__username", flat=True)
    ) == ["alice"]
    assert export_csv(me.account, "blocks") == f"alice@{settings.DOMAIN}\n"
    run_csv(me, tmp_path, "mutes", "Account address\nbob\n")  # partial header
    assert Mute.objects.get(account=me.account, target_account=bob).hide_notifications is True
    assert export_csv(me.account, "mutes").splitlines() == [
        "Account address,Hide notifications",
        f"bob@{settings.DOMAIN},true",
    ]
    run_csv(me, tmp_path, "domain_blocks", "spam.example\nBÜCHER.example\n\n")
    assert set(DomainBlock.objects.filter(account=me.account).values_list("domain", flat=True)) == {
        "spam.example",
        "xn--bcher-kva.example",
    }


def test_lists_and_bookmarks_round_trip_without_leaking_private_posts(
    make_user, make_account, tmp_path, settings
):
    me = make_user("mover")
    alice, eve = make_account("alice"), make_account("eve")
    public = publishing.create_post(alice, "public words")
    job = run_csv(
        me, tmp_path, "lists", f"Friends,alice@{settings.DOMAIN}\nFriends,ghost@{settings.DOMAIN}\n"
    )
    assert job.done == 1 and job.skipped == 1
    friends = List.objects.get(owner=me.account, title="Friends")
    assert ListMember.objects.filter(list=friends, account=alice).exists()
    assert export_csv(me.account, "lists") == f"Friends,alice@{settings.DOMAIN}\n"
    run_csv(me, tmp_path, "bookmarks", f"{public.uri}\nhttps://gone.example/statuses/1\n")
    assert me.account.bookmarks.filter(post=public).exists()
    relationships.follow(me.account, eve)
    secret = publishing.create_post(eve, "followers only", visibility=Visibility.PRIVATE)
    publishing.bookmark(me.account, secret)
    exported = export_csv(me.account, "bookmarks")
    assert public.uri in exported and secret.uri not in exported


def test_a_binary_file_is_refused_clearly(make_user, tmp_path):
    me = make_user("mover")
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    job = moving.start_import(me, "following", path, {}, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "not a CSV" in job.error


def test_a_mastodon_lists_csv_creates_every_list_it_names(make_user, make_account, tmp_path, settings):
    """Mastodon's lists.csv (no header, `title,user@domain` rows, titles in any language) creates each list, as
    Mastodon does: even a list none of whose members can be found, and a locked account stays in its list while
    the follow request waits (Mastodon 4.1+), leaving it if the request is refused."""
    me = make_user("mover")
    alice = make_account("alice")
    locked = make_account("locked")
    profiles.update_profile(locked, locked=True)
    text = (
        f"Friends,alice@{settings.DOMAIN}\n"
        f"Friends,locked@{settings.DOMAIN}\n"
        f'"أخبار, عربية",ghost@{settings.DOMAIN}\n'
        f"Reading,alice@{settings.DOMAIN}\n"
    )
    job = run_csv(me, tmp_path, "lists", text)
    assert job.status == ImportStatus.DONE and job.done == 3 and job.skipped == 1
    titles = set(List.objects.filter(owner=me.account).values_list("title", flat=True))
    assert titles == {"Friends", "أخبار, عربية", "Reading"}
    friends = List.objects.get(owner=me.account, title="Friends")
    assert set(ListMember.objects.filter(list=friends).values_list("account_id", flat=True)) == {
        alice.id,
        locked.id,
    }
    assert FollowRequest.objects.filter(account=me.account, target_account=locked).exists()
    assert [r["code"] for r in job.report] == ["no_such_account"]
    # the same file again adds nothing
    again = run_csv(me, tmp_path, "lists", text)
    assert again.done == 3 and List.objects.filter(owner=me.account).count() == 3
    assert ListMember.objects.filter(list__owner=me.account).count() == 3
    # a refused request takes the locked account out of the list; an unfollow takes alice out of both
    relationships.reject_follow_request(locked, me.account)
    assert not ListMember.objects.filter(account=locked).exists()
    relationships.unfollow(me.account, alice)
    assert not ListMember.objects.filter(list__owner=me.account).exists()
    assert List.objects.filter(owner=me.account).count() == 3  # the lists themselves stay


def test_an_accepted_request_keeps_the_list_member(make_user, make_account, tmp_path, settings):
    me = make_user("mover")
    locked = make_account("locked")
    profiles.update_profile(locked, locked=True)
    run_csv(me, tmp_path, "lists", f"Close friends,locked@{settings.DOMAIN}\n")
    relationships.accept_follow_request(locked, me.account)
    assert Follow.objects.filter(account=me.account, target_account=locked).exists()
    assert ListMember.objects.filter(list__title="Close friends", account=locked).exists()
