"""Hostile archives: bombs, traversal names, links, truncation, wrong types and oversized files are refused or
skipped with a clear report; nothing is ever written outside the media store."""

import io
import os
import stat
import tarfile
import zipfile

from caravan.moving import services as moving
from caravan.moving.archive import Archive
from caravan.moving.models import ImportStatus
from caravan.posts.models import Post

from .archives import MastodonArchive, XArchive, jpeg_bytes, later, photo, snowflake, tweet


def run(user, kind, path, **options):
    job = moving.start_import(user, kind, path, options, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def files_under(folder):
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names}


def test_traversal_names_links_and_bombs_are_skipped_and_the_rest_imports(make_user, tmp_path, settings):
    user = make_user("mover")
    archive = XArchive()
    tid = snowflake(later(0))
    archive.add(
        tweet(later(0), "a photo https://t.co/p", tweet_id=tid, media=[photo(tid, 1, "https://t.co/p")]),
        media_files={f"Pic{tid[-6:]}1.jpg": b"\x00" * (8 * 1024 * 1024)},
    )  # compresses ~1000:1
    path = archive.write_zip(tmp_path / "x.zip")
    with zipfile.ZipFile(path, "a") as bundle:
        bundle.writestr("../../outside.js", "window.YTD.tweets.part9 = []")
        bundle.writestr("/etc/caravan-evil", "x")
        link = zipfile.ZipInfo("data/tweets_media/link.jpg")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    before = files_under(tmp_path.parent)
    job = run(user, "x_archive", path)
    assert job.status == ImportStatus.DONE, job.error
    reasons = " | ".join(f"{r['item']}: {r['reason']}" for r in job.report)
    assert "outside.js: Unsafe file name" in reasons and "caravan-evil: Unsafe" in reasons
    assert "link.jpg: Symbolic link" in reasons and "zip bomb" in reasons
    assert Post.objects.get(account=user.account).media_attachments.count() == 0
    created = files_under(tmp_path.parent) - before
    assert all(name.startswith(str(settings.MEDIA_ROOT)) for name in created), created


def test_whole_archive_bomb_truncated_and_wrong_type_are_refused(make_user, tmp_path, settings):
    user = make_user("mover")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        for n in range(3):
            bundle.writestr(f"data/tweets-part{n}.js", b" " * (900 * 1024))
        bundle.writestr("data/tweets.js", b"window.YTD.tweets.part0 = [" + b" " * (20 * 1024 * 1024) + b"]")
    job = run(user, "x_archive", bomb)
    assert job.status == ImportStatus.FAILED and "zip bomb" in job.error
    good = XArchive()
    good.add(tweet(later(0), "hello"))
    whole = good.write_zip(tmp_path / "good.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) - 200])
    job = run(user, "x_archive", cut)
    assert job.status == ImportStatus.FAILED and "damaged" in job.error
    picture = tmp_path / "photo.zip"
    picture.write_bytes(jpeg_bytes())
    job = run(user, "mastodon_archive", picture)
    assert job.status == ImportStatus.FAILED and "not an archive" in job.error
    settings.CARAVAN = {**settings.CARAVAN, "IMPORT_LIMITS": {"MAX_MEMBER_BYTES": 200}}
    job = run(user, "x_archive", tmp_path / "good.zip")
    assert job.status == ImportStatus.FAILED and "too large" in " ".join(r["reason"] for r in job.report)
    assert not Post.objects.exists()


def test_tar_links_and_traversal_are_skipped(make_user, tmp_path):
    user = make_user("mover")
    archive = MastodonArchive()
    archive.note(1, "<p>safe</p>", published="2020-01-01T00:00:00Z")
    path = archive.write_tar(tmp_path / "a.tar.gz")
    with tarfile.open(path, "r:gz") as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as bundle:
        for member, data in members:
            bundle.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("media_attachments/files/1/original/link.jpg")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        bundle.addfile(link)
        hard = tarfile.TarInfo("avatar2.jpg")
        hard.type, hard.linkname = tarfile.LNKTYPE, "../../etc/shadow"
        bundle.addfile(hard)
        evil = tarfile.TarInfo("../escape.txt")
        evil.size = 1
        bundle.addfile(evil, io.BytesIO(b"x"))
    job = run(user, "mastodon_archive", hostile)
    assert job.status == ImportStatus.DONE, job.error
    reasons = " | ".join(f"{r['item']}: {r['reason']}" for r in job.report)
    assert "link.jpg: Link" in reasons and "avatar2.jpg: Link" in reasons and "escape.txt: Unsafe" in reasons
    assert Post.objects.filter(account=user.account).count() == 1


def test_folder_symlinks_are_not_followed(tmp_path):
    folder = tmp_path / "unpacked"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = []")
    (folder / "data" / "secret.js").symlink_to("/etc/hostname")
    (folder / "linked").symlink_to("/etc", target_is_directory=True)
    with Archive.open(folder) as archive:
        assert archive.names() == ["data/tweets.js"]
        assert [p["item"] for p in archive.problems] == ["data/secret.js", "linked"] or [
            p["item"] for p in archive.problems
        ] == ["data/secret.js"]


def test_deeply_nested_json_is_refused_not_crashing(make_user, tmp_path):
    path = tmp_path / "deep.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("data/tweets.js", "window.YTD.tweets.part0 = [" + "[" * 200_000 + "]" * 200_000 + "]")
    job = run(make_user("mover"), "x_archive", path)
    assert job.status == ImportStatus.FAILED and "nested too deeply" in job.error
