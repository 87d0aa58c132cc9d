"""Exporting one's own posts as a Mastodon-style archive, and reading it back in elsewhere."""

import io
import json
import zipfile

from caravan import publishing, relationships
from caravan.moving import services as moving
from caravan.moving.export import export_archive
from caravan.moving.models import ImportStatus
from caravan.posts.models import Post, Visibility

from .archives import jpeg_bytes


def test_archive_round_trips_and_never_holds_others_private_posts(make_user, make_account, tmp_path, client):
    me, friend = make_user("leaver"), make_account("friend")
    relationships.follow(me.account, friend)
    secret = publishing.create_post(friend, "friends only", visibility=Visibility.PRIVATE)
    public = publishing.create_post(friend, "for everyone")
    publishing.favourite(me.account, secret)
    publishing.bookmark(me.account, secret)
    publishing.favourite(me.account, public)
    publishing.reblog(me.account, public)
    from caravan.media.services import upload_image

    picture = upload_image(me.account, io.BytesIO(jpeg_bytes()), description="red", focus="0.5,0.5")
    root = publishing.create_post(me.account, "my #first post", media=[picture])
    publishing.create_post(
        me.account, "my own followers-only post", visibility=Visibility.PRIVATE, in_reply_to=root
    )
    publishing.create_post(me.account, "which?", poll=publishing.PollSpec(options=["a", "b"]))
    path = export_archive(me.account, tmp_path / "out.zip")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(n) for n in names if n.endswith(".json")).decode()
        outbox = json.loads(archive.read("outbox.json"))
    assert "friends only" not in everything and secret.uri not in everything
    assert public.uri in everything
    assert [i["type"] for i in outbox["orderedItems"]] == ["Announce", "Create", "Create", "Create"]
    assert any(n.startswith("media_attachments/files/") for n in names)

    newcomer = make_user("newcomer")
    job = moving.start_import(newcomer, "mastodon_archive", path, {}, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.error
    copies = {p.text or p.content: p for p in Post.objects.filter(account=newcomer.account)}
    assert len(copies) == 3
    first = next(p for p in copies.values() if "first" in p.content)
    assert first.media_attachments.get().description == "red"
    reply = next(p for p in copies.values() if "followers-only" in p.content)
    assert reply.visibility == "private" and reply.in_reply_to_id == first.id
    assert next(p for p in copies.values() if "which" in p.content).poll.options[0]["title"] == "a"

    client.force_login(me)
    response = client.get("/settings/export/archive.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
