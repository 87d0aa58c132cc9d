"""The moving pages (upload, progress, exports, people, migration) and the `caravan import` command."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from caravan.moving.models import ImportJob, ImportStatus
from caravan.posts.models import Post
from caravan.social.models import Follow

from .archives import XArchive, later, tweet


@pytest.fixture
def signed_in(client, make_user):
    user = make_user("mover")
    client.force_login(user)
    return user


def test_upload_runs_as_a_background_task_and_shows_progress(
    client, signed_in, make_account, run_tasks, django_capture_on_commit_callbacks
):
    make_account("alice")
    upload = SimpleUploadedFile("following_accounts.csv", b"alice\nnobody@gone.example\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/import",
            {
                "kind": "following",
                "file": upload,
                "mode": "merge",
                "visibility": "public",
                "retweets": "skip",
            },
        )
    job = ImportJob.objects.get(user=signed_in)
    assert response.status_code == 302 and response["Location"] == f"/settings/import/{job.pk}"
    page = client.get(f"/settings/import/{job.pk}").content.decode()
    assert "<progress" in page and 'http-equiv="refresh"' in page
    run_tasks()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Follow.objects.filter(account=signed_in.account).count() == 1
    page = client.get(f"/settings/import/{job.pk}").content.decode()
    assert 'value="100"' in page and "nobody@gone.example" in page and "refresh" not in page
    exported = client.get("/settings/export/following.csv")
    assert exported["Content-Type"].startswith("text/csv") and b"alice@" in exported.content


def test_bad_upload_gets_a_clear_4xx(client, signed_in, make_user):
    response = client.post("/settings/import", {"kind": "nonsense"})
    assert response.status_code == 422 and "Choose a file" in response.content.decode()
    other = make_user("other")
    job = ImportJob.objects.create(user=other, kind="following", source_path="/nope")
    assert client.get(f"/settings/import/{job.pk}").status_code == 404
    assert client.get("/settings/export/passwords.csv").status_code == 404


def test_migration_and_people_pages(client, signed_in, make_account):
    page = client.get("/settings/migration")
    assert page.status_code == 200
    response = client.post(
        "/settings/migration", {"action": "add_alias", "uri": "https://old.example/users/me"}
    )
    assert response.status_code == 302
    signed_in.account.refresh_from_db()
    assert signed_in.account.also_known_as == ["https://old.example/users/me"]
    target = make_account("nexthome")
    password = "correct horse battery"
    refused = client.post(
        "/settings/migration", {"action": "move", "target": "nexthome", "password": password}
    )
    assert refused.status_code == 422 and "alias" in refused.content.decode()
    from caravan.moving.services import add_alias

    add_alias(target, signed_in.account.uri)
    # Moving takes the followers away, so it needs the current password, said beside the form.
    for wrong in ("", "not my password"):
        refused = client.post(
            "/settings/migration", {"action": "move", "target": "@nexthome", "password": wrong}
        )
        assert refused.status_code == 403 and "That password is not right." in refused.content.decode()
        signed_in.account.refresh_from_db()
        assert signed_in.account.moved_to_id is None
    moved = client.post(
        "/settings/migration", {"action": "move", "target": "@nexthome", "password": password}
    )
    assert moved.status_code == 302
    page = client.get("/settings/migration").content.decode()
    assert "has moved to" in page and "nexthome" in page
    assert client.get("/settings/import/people").status_code == 200


def test_cli_imports_and_resumes(make_user, tmp_path, capsys):
    make_user("mover")
    archive = XArchive()
    archive.add(tweet(later(0), "from the command line"))
    path = archive.write_zip(tmp_path / "x.zip")
    call_command("import", "x-archive", str(path), user="mover", stdout=io.StringIO(), stderr=io.StringIO())
    assert Post.objects.filter(text="from the command line").count() == 1
    call_command("import", "x-archive", str(path), user="mover", stdout=io.StringIO(), stderr=io.StringIO())
    assert Post.objects.filter(text="from the command line").count() == 1
    with pytest.raises(CommandError, match="no local user"):
        call_command("import", "x-archive", str(path), user="ghost")
    with pytest.raises(CommandError, match="Usage"):
        call_command("import", "csv", "passwords", str(path), user="mover")


def test_import_problems_show_in_the_reader_language_and_in_english_on_the_command_line(
    client, signed_in, tmp_path
):
    rows = tmp_path / "following.csv"
    rows.write_text("nobody@gone.example\n")
    printed = io.StringIO()
    call_command("import", "csv", "following", str(rows), user="mover", stdout=io.StringIO(), stderr=printed)
    assert "No account nobody@gone.example could be found." in printed.getvalue()
    job = ImportJob.objects.get(user=signed_in)
    arabic = client.get(f"/settings/import/{job.pk}?lang=ar").content.decode()
    # What came from the file is isolated (U+2068...U+2069), so it reads whole inside an Arabic sentence.
    assert "تعذّر العثور على الحساب \u2068nobody@gone.example\u2069." in arabic
    english = client.get(f"/settings/import/{job.pk}?lang=en").content.decode()
    assert "No account \u2068nobody@gone.example\u2069 could be found." in english

    binary = tmp_path / "blocks.csv"
    binary.write_bytes(b"\x00\x01 not text")
    with pytest.raises(CommandError, match="That is not a CSV file."):
        call_command(
            "import", "csv", "blocks", str(binary), user="mover", stdout=io.StringIO(), stderr=io.StringIO()
        )
    stopped = ImportJob.objects.get(user=signed_in, status=ImportStatus.FAILED)
    assert "هذا ليس ملف CSV." in client.get(f"/settings/import/{stopped.pk}?lang=ar").content.decode()
    assert "That is not a CSV file." in client.get(f"/settings/import/{stopped.pk}?lang=en").content.decode()
