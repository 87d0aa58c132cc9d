"""The X-id directory in the domain: nothing listed without the person's choice, disputes, withdrawal, bounds
and hostile ids, and an X import (an archive shaped like X's) matching its following list against it."""

import pytest

from caravan.directory import services as directory
from caravan.directory.models import Claim, Entry, EntryRecipient
from caravan.errors import DomainError, Throttled
from caravan.leaving import delete_account
from caravan.moving import services as moving
from caravan.moving.models import FollowCandidate
from caravan.social.models import Follow
from tests.moving.archives import XArchive, later, tweet

PASSWORD = "correct horse battery"


def x_archive(tmp_path, own_id: str, own_name: str, following: list[str], name: str = "x.zip"):
    archive = XArchive()
    archive.add(tweet(later(0), "hello from the old place"))
    archive.data(
        "account",
        [{"account": {"username": own_name, "accountId": own_id, "accountDisplayName": own_name}}],
    )
    archive.data(
        "following", [{"following": {"accountId": i, "userLink": f"https://x.com/i/{i}"}} for i in following]
    )
    return archive.write_zip(tmp_path / name)


def import_x(user, path):
    job = moving.start_import(user, "x_archive", path, {}, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def test_an_import_records_a_claim_that_is_listed_nowhere_until_chosen(make_user, tmp_path):
    jane, mover = make_user("jane"), make_user("mover")
    import_x(jane, x_archive(tmp_path, "1001", "janex", [], "jane.zip"))
    claim = Claim.objects.get(account=jane.account)
    assert (claim.x_id, claim.handle) == (1001, "janex")
    assert not Entry.objects.exists()
    assert directory.formerly_on_x(jane.account) == ""

    import_x(mover, x_archive(tmp_path, "2002", "moverx", ["1001"], "mover.zip"))
    assert not FollowCandidate.objects.filter(account=mover.account).exists()  # jane has not chosen

    listing = directory.choose(jane.account, listed=True)
    assert listing.listed and not listing.disputed
    assert directory.formerly_on_x(jane.account) == ""  # shown on the profile only by its own choice
    directory.choose(jane.account, show_on_profile=True)
    assert directory.formerly_on_x(jane.account) == "janex"


def test_a_following_list_is_matched_reviewed_and_followed_in_one_action(make_user, tmp_path):
    jane, sam, mover = make_user("jane"), make_user("sam"), make_user("mover")
    import_x(jane, x_archive(tmp_path, "1001", "janex", [], "jane.zip"))
    import_x(sam, x_archive(tmp_path, "1002", "samx", [], "sam.zip"))
    directory.choose(jane.account, listed=True)
    directory.choose(sam.account, listed=True)
    job = import_x(mover, x_archive(tmp_path, "2002", "moverx", ["1001", "1002", "999", "1001"], "m.zip"))
    candidates = FollowCandidate.objects.filter(account=mover.account).select_related("target")
    assert {c.target.username for c in candidates} == {"jane", "sam"}
    assert all(c.directory_entry_id for c in candidates)
    assert any(r["code"] == "directory_matches_found" and r["params"]["found"] == 2 for r in job.report)
    assert moving.follow_candidates(mover, [c.pk for c in candidates]) == 2
    assert Follow.objects.filter(account=mover.account, target_account=jane.account).exists()


def test_two_accounts_listing_one_id_are_both_disputed_and_never_matched(make_user, tmp_path):
    real, impostor, mover = make_user("real"), make_user("impostor"), make_user("mover")
    import_x(real, x_archive(tmp_path, "1001", "realx", [], "a.zip"))
    import_x(impostor, x_archive(tmp_path, "1001", "realx", [], "b.zip"))
    directory.choose(real.account, listed=True, show_on_profile=True)
    directory.choose(impostor.account, listed=True)
    assert directory.listing_of(real.account).disputed and directory.listing_of(impostor.account).disputed
    assert directory.formerly_on_x(real.account) == ""
    assert directory.match_here([1001]) == []
    import_x(mover, x_archive(tmp_path, "2002", "moverx", ["1001"], "m.zip"))
    assert not FollowCandidate.objects.filter(account=mover.account).exists()

    directory.withdraw(impostor.account)  # the dispute ends with one listing left
    assert not directory.listing_of(real.account).disputed
    assert [e.account_id for e in directory.match_here([1001])] == [real.account.id]


def test_withdrawing_removes_the_listing_and_the_matches_but_not_follows(make_user, tmp_path):
    jane, mover = make_user("jane"), make_user("mover")
    import_x(jane, x_archive(tmp_path, "1001", "janex", [], "jane.zip"))
    directory.choose(jane.account, listed=True)
    import_x(mover, x_archive(tmp_path, "2002", "moverx", ["1001"], "m.zip"))
    candidate = FollowCandidate.objects.get(account=mover.account)
    moving.follow_candidates(mover, [candidate.pk])
    directory.withdraw(jane.account)
    assert not Entry.objects.exists()
    assert Claim.objects.filter(account=jane.account).exists()  # still hers, just not listed
    assert not FollowCandidate.objects.filter(account=mover.account).exists()
    assert Follow.objects.filter(account=mover.account, target_account=jane.account).exists()


def test_a_deleted_or_suspended_account_is_no_longer_listed(make_user, tmp_path):
    from django.utils import timezone

    from caravan.accounts.models import Account

    jane, sam = make_user("jane"), make_user("sam")
    for user, x_id in ((jane, "1001"), (sam, "1002")):
        import_x(user, x_archive(tmp_path, x_id, user.username, [], f"{x_id}.zip"))
        directory.choose(user.account, listed=True)
    Account.objects.filter(pk=sam.account.pk).update(suspended_at=timezone.now())
    assert [e.x_id for e in directory.match_here([1001, 1002])] == [1001]
    assert directory.answer_lookup(["1002"], "https://other.example/inbox", "other.example") == []
    account = jane.account
    delete_account(jane, PASSWORD)
    assert directory.match_here([1001]) == []
    assert not Claim.objects.filter(account=account).exists()


def test_nothing_to_list_without_an_imported_archive(make_user):
    jane = make_user("jane")
    with pytest.raises(DomainError) as error:
        directory.choose(jane.account, listed=True)
    assert error.value.kind.code == "directory_no_claim"
    assert not directory.choose(jane.account, listed=False).listed


@pytest.mark.parametrize(
    "value",
    [
        "12a",
        "-5",
        "0",
        "1e9",
        " ",
        "99999999999999999999999",
        "9" * 5000,
        "\u0661\u0662",
        "\u202e123",
        None,
        1.5,
        True,
    ],
)
def test_hostile_ids_are_never_ids(value):
    assert directory.parse_x_id(value) is None


def test_an_archive_with_a_hostile_own_id_records_no_claim(make_user, tmp_path):
    jane = make_user("jane")
    import_x(jane, x_archive(tmp_path, "12; DROP TABLE", "<b>jane</b>\u202e", [], "j.zip"))
    assert not Claim.objects.exists()
    import_x(jane, x_archive(tmp_path, "1001", "<b>ja\u202ene</b>", [], "k.zip"))
    assert Claim.objects.get(account=jane.account).handle == "bjaneb"


def test_lookups_take_exact_ids_only_bounded_and_rate_limited(make_user, tmp_path, settings):
    jane = make_user("jane")
    import_x(jane, x_archive(tmp_path, "1001", "janex", [], "jane.zip"))
    directory.choose(jane.account, listed=True)
    inbox = "https://other.example/inbox"
    answer = directory.answer_lookup(["1001", "1001", 1001, "5"], inbox, "other.example")
    assert answer == [{"id": answer[0]["id"], "xId": "1001", "actor": jane.account.uri, "handle": "janex"}]
    assert EntryRecipient.objects.filter(inbox=inbox).count() == 1
    for hostile in (["10*"], ["1001", "%"], "1001", {"ids": 1}, [["1001"]], ["1" * 30]):
        with pytest.raises(DomainError) as error:
            directory.answer_lookup(hostile, inbox, "other.example")
        assert error.value.kind.code == "directory_ids_invalid"
    with pytest.raises(DomainError) as error:
        directory.answer_lookup([str(i) for i in range(1, 502)], inbox, "other.example")
    assert error.value.kind.code == "directory_too_many_ids" and error.value.status == 413
    settings.CARAVAN = {**settings.CARAVAN, "DIRECTORY_LOOKUPS_PER_HOUR": 3}
    with pytest.raises(Throttled):
        for _ in range(5):
            directory.answer_lookup(["1001"], inbox, "limited.example")
    assert directory.answer_lookup(["1001"], inbox, "another.example")  # counted per asking server


def test_a_following_list_of_garbage_and_duplicates_is_cleaned_and_bounded():
    ids = directory.clean_ids(["1", "1", "x", "2", None, {"a": 1}, "3" * 40, "  4 "])
    assert ids == [1, 2, 4]
    assert len(directory.clean_ids(str(i) for i in range(1, 200_000))) == directory.MAX_FOLLOWING


def _remote(username: str, domain: str):
    from caravan.profiles import upsert_remote_account

    return upsert_remote_account(
        f"https://{domain}/users/{username}",
        username=username,
        domain=domain,
        inbox_url=f"https://{domain}/users/{username}/inbox",
    )


def test_another_servers_answer_is_kept_only_for_what_was_asked_and_on_its_own_domain(db):
    pat = _remote("pat", "one.example")
    mallory = _remote("mallory", "two.example")
    answer = [
        {"id": "https://one.example/directory/entries/1", "xId": "1001", "actor": pat.uri, "handle": "patx"},
        {"id": "https://one.example/directory/entries/2", "xId": "9999", "actor": pat.uri},  # not asked
        {"id": "https://two.example/directory/entries/3", "xId": "1002", "actor": pat.uri},  # another domain
        {
            "id": "https://one.example/directory/entries/4",
            "xId": "1002",
            "actor": mallory.uri,
        },  # not its actor
        {"id": "https://one.example/directory/entries/5", "xId": "1e3", "actor": pat.uri},
        "junk",
        {"id": ["x"], "xId": "1002", "actor": pat.uri},
    ]
    assert directory.keep_remote_entries("one.example", {1001, 1002}, answer) == 1
    entry = Entry.objects.get()
    assert (entry.x_id, entry.account_id, entry.local, entry.handle) == (1001, pat.id, False, "patx")
    assert [e.account_id for e in directory.match_here([1001])] == [pat.id]

    # Only the entry's own actor withdraws it.
    assert not directory.forget_remote_entry(entry.uri, mallory)
    assert directory.forget_remote_entry(entry.uri, pat)
    assert not Entry.objects.exists()


def test_an_id_two_servers_give_to_different_accounts_is_never_matched(db):
    pat, sam = _remote("pat", "one.example"), _remote("sam", "two.example")
    directory.keep_remote_entries(
        "one.example", {1001}, [{"id": "https://one.example/d/1", "xId": "1001", "actor": pat.uri}]
    )
    directory.keep_remote_entries(
        "two.example", {1001}, [{"id": "https://two.example/d/1", "xId": "1001", "actor": sam.uri}]
    )
    assert directory.match_here([1001]) == []


def test_the_review_page_says_which_matches_came_from_the_directory_and_the_job_reports_them(
    make_user, tmp_path, client
):
    jane, mover = make_user("jane"), make_user("mover")
    import_x(jane, x_archive(tmp_path, "1001", "janex", [], "jane.zip"))
    directory.choose(jane.account, listed=True)
    job = import_x(mover, x_archive(tmp_path, "2002", "moverx", ["1001"], "m.zip"))
    client.force_login(mover)
    page = client.get("/settings/import/people", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "من دليل الأشخاص الذين اختاروا أن يُعثر عليهم بحسابهم على X" in page
    assert 'href="/settings/directory"' in page
    report = client.get(f"/settings/import/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 account you followed on X was found in the directory" in report


def test_the_settings_page_refuses_a_listing_without_an_archive(make_user, client):
    client.force_login(make_user("sam"))
    answer = client.post("/settings/directory", {"listed": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409
    assert "Import your own X archive first" in answer.content.decode()
    assert not Entry.objects.exists()
