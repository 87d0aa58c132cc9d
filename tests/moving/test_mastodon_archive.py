"""Importing Mastodon archives (zip and tar.gz): dates, CWs, visibility, images, polls, threads."""

import pytest

from caravan import publishing
from caravan.moving import services as moving
from caravan.moving.models import ImportStatus
from caravan.notifications.models import Notification
from caravan.posts.models import Favourite, Post

from .archives import PUBLIC, MastodonArchive, jpeg_bytes


def run(user, path, **options):
    job = moving.start_import(user, "mastodon_archive", path, options, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def sample(local_post_uri: str) -> MastodonArchive:
    archive = MastodonArchive()
    actor = archive.actor_uri
    archive.files["media_attachments/files/110/222/333/original/abc.jpg"] = jpeg_bytes()
    archive.files["media_attachments/files/110/222/444/original/vid.mp4"] = b"\x00\x00\x00 ftypmp42"
    archive.note(
        1,
        "<p>Hello <strong>world</strong> #Moving :blobcat:<script>alert(1)</script></p>",
        published="2020-05-01T10:00:00Z",
        extra={
            "tag": [
                {"type": "Hashtag", "name": "#Moving"},
                {
                    "type": "Emoji",
                    "name": ":blobcat:",
                    "icon": {"url": "https://old.example/emoji/blobcat.png"},
                },
                {"type": "Emoji", "name": ":evil:", "icon": {"url": "javascript:alert(1)"}},
            ]
        },
    )
    archive.note(
        2,
        "<p>Spoiler inside</p>",
        published="2020-05-02T10:00:00Z",
        summary="cw: food",
        to=[f"{actor}/followers"],
        cc=[],
    )
    archive.note(
        3, "<p>Quiet public</p>", published="2020-05-03T10:00:00Z", to=[f"{actor}/followers"], cc=[PUBLIC]
    )
    archive.note(
        4,
        "<p>Only for you</p>",
        published="2020-05-04T10:00:00Z",
        to=["https://elsewhere.example/users/friend"],
        cc=[],
    )
    archive.note(
        5,
        "<p>With a picture</p>",
        published="2020-05-05T10:00:00Z",
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": "/mybucket/media_attachments/files/110/222/333/original/abc.jpg",
                "name": "A red square",
                "focalPoint": [0.5, -0.25],
                "blurhash": "x",
            },
            {
                "type": "Document",
                "mediaType": "video/mp4",
                "url": "media_attachments/files/110/222/444/original/vid.mp4",
            },
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": "media_attachments/files/9/9/9/original/missing.png",
            },
        ],
    )
    archive.note(
        6,
        "",
        published="2020-05-06T10:00:00Z",
        kind="Question",
        extra={
            "endTime": "2020-05-07T10:00:00Z",
            "closed": "2020-05-07T10:00:00Z",
            "oneOf": [
                {"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 7}},
                {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 3}},
            ],
        },
    )
    # a reply listed before the post it answers
    archive.note(
        8, "<p>and a reply to myself</p>", published="2020-05-08T11:00:00Z", in_reply_to=f"{actor}/statuses/7"
    )
    archive.note(7, "<p>thread start</p>", published="2020-05-08T10:00:00Z")
    archive.note(
        9,
        "<p>replying to someone</p>",
        published="2020-05-09T10:00:00Z",
        in_reply_to="https://elsewhere.example/users/friend/statuses/55",
    )
    archive.announce(10, "https://elsewhere.example/users/friend/statuses/56", "2020-05-10T10:00:00Z")
    archive.likes = [local_post_uri, "https://gone.example/statuses/1", f"{actor}/statuses/1"]
    archive.bookmarks = [local_post_uri]
    return archive


@pytest.mark.parametrize("packing", ["zip", "tar.gz"])
def test_mastodon_archive_arrives_with_dates_visibility_media_and_polls(
    make_user, make_account, tmp_path, packing
):
    neighbour = make_account("neighbour")
    liked = publishing.create_post(neighbour, "a post the mover liked long ago")
    user = make_user("mover")
    archive = sample(liked.uri)
    archive.actor_extra["attachment"] = [  # profile fields, as Mastodon exports them
        {
            "type": "PropertyValue",
            "name": "Blog",
            "value": '<a href="https://blog.example/">blog.example</a>',
        },
        {"type": "PropertyValue", "name": "المدينة", "value": "<p>عمّان</p>"},
        {"type": "IdentityProof", "name": "ignored", "value": "x"},
    ]
    path = (
        archive.write_zip(tmp_path / "a.zip")
        if packing == "zip"
        else archive.write_tar(tmp_path / "a.tar.gz")
    )
    job = run(user, path, visibility="public", profile=True)
    assert job.status == ImportStatus.DONE, job.error
    by_uri = {p.original_uri.rsplit("/", 1)[-1]: p for p in Post.objects.filter(account=user.account)}
    assert sorted(by_uri, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    first = by_uri["1"]
    assert "<strong>world</strong>" in first.content and "script" not in first.content
    assert first.created_at.isoformat() == "2020-05-01T10:00:00+00:00"
    assert first.post_tags.filter(tag__name="moving").exists()
    assert first.emojis == [{"shortcode": "blobcat", "url": "https://old.example/emoji/blobcat.png"}]
    assert first.original_uri == "https://old.example/users/mover/statuses/1"
    assert by_uri["2"].spoiler_text == "cw: food" and by_uri["2"].visibility == "private"
    assert by_uri["3"].visibility == "unlisted" and by_uri["4"].visibility == "direct"
    media = list(by_uri["5"].media_attachments.all())
    assert len(media) == 1 and media[0].description == "A red square"
    assert (media[0].focus_x, media[0].focus_y) == (0.5, -0.25)
    reasons = " ".join(r["reason"] for r in job.report)
    assert "video" in reasons and "missing.png" in reasons and "boost" in reasons
    poll = by_uri["6"].poll
    assert [o["votes_count"] for o in poll.options] == [7, 3] and poll.votes_count == 10
    assert poll.expires_at.year == 2020
    assert by_uri["8"].in_reply_to_id == by_uri["7"].id and by_uri["7"].replies_count == 1
    assert "elsewhere.example/users/friend/statuses/55" in by_uri["9"].content
    # likes re-applied quietly where the post is known here; bookmarks too
    assert Favourite.objects.filter(account=user.account, post=liked).exists()
    assert Favourite.objects.filter(account=user.account, post=first).exists()
    assert not Notification.objects.filter(recipient=neighbour).exists()
    assert user.account.bookmarks.filter(post=liked).exists()
    user.account.refresh_from_db()
    assert user.account.display_name == "Mover Person" and user.account.note == "Moving house"
    assert user.account.avatar and user.account.header
    assert [(f["name"], f["value"]) for f in user.account.fields] == [
        ("Blog", "blog.example"),
        ("المدينة", "عمّان"),
    ]
    # The profile is applied after the posts: it must not write the import's stale counter over theirs.
    assert user.account.statuses_count == 9
    # the user's chosen visibility is a ceiling: running again adds nothing
    again = run(user, path, visibility="unlisted")
    assert again.status == ImportStatus.DONE and again.done == 0
    assert Post.objects.filter(account=user.account).count() == 9


def test_chosen_visibility_caps_imported_posts(make_user, tmp_path):
    user = make_user("mover")
    archive = MastodonArchive()
    archive.note(1, "<p>was public</p>", published="2021-01-01T00:00:00Z")
    job = run(user, archive.write_zip(tmp_path / "a.zip"), visibility="private")
    assert job.status == ImportStatus.DONE
    assert Post.objects.get(account=user.account).visibility == "private"
