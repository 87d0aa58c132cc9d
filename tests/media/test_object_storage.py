"""Media in an S3-compatible bucket (decision 0042), against a real S3 server process on loopback (moto's server
mode, tests/s3.py): uploads, thumbnails, profile and card images are objects served by the bucket over HTTP;
deleting an upload, a post or an account deletes its objects; exports read them back."""

import io
import json
import zipfile

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from caravan import publishing
from caravan.api.entities import absolute
from caravan.leaving import delete_account
from caravan.media.services import upload_image
from caravan.moving import services as moving
from caravan.moving.export import export_archive
from caravan.posts.models import Post
from caravan.previews.models import PostCard
from caravan.profiles import remove_profile_image, update_profile
from caravan.publishing.posting import delete_upload
from caravan.web.cards import avatar_url
from tests.domain.test_media import crafted
from tests.previews.site import running_site

PASSWORD = "correct horse battery"  # noqa: S105 - the make_user fixture's


def _png(size=(300, 200)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(out, "PNG")
    out.seek(0)
    return out


def _served(url: str) -> requests.Response:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_an_upload_and_its_thumbnail_are_objects_the_bucket_serves(make_account, media_in_bucket):
    media = upload_image(make_account("alice"), io.BytesIO(crafted("jpeg", (1600, 1000))))
    assert media_in_bucket.objects() == {
        media.file.name: media.size,
        media.thumbnail.name: media.thumbnail.size,
    }
    assert media.file.name.startswith("media/") and media.thumbnail.name.endswith("_small.jpg")

    url = absolute(media.file.url)  # what the API and the pages give out
    assert url == f"{media_in_bucket.server.endpoint}/{media_in_bucket.name}/{media.file.name}"
    original = _served(url)
    assert len(original.content) == media.size and b"SecretComment" not in original.content
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    thumbnail = Image.open(io.BytesIO(_served(media.thumbnail.url).content))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == 640


def test_a_public_base_url_makes_plain_media_urls(make_account, media_in_bucket, settings):
    from caravan import config
    from caravan.settings import media_bucket_options

    variables = media_in_bucket.server.env(
        media_in_bucket.name, CARAVAN_MEDIA_BASE_URL="https://cdn.example/m/"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": media_bucket_options(config.load(variables)),
        },
    }
    media = upload_image(make_account("alice"), _png())
    assert media.file.url == f"https://cdn.example/m/{media.file.name}"  # no signature, no query
    assert media.file.name in media_in_bucket.objects()


def test_avatars_and_headers_live_in_the_bucket_and_replaced_ones_go(
    make_account, media_in_bucket, django_capture_on_commit_callbacks
):
    alice = make_account("alice")
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(alice, avatar=_png((500, 500)), header=_png((1800, 600)))
    first_avatar, header = alice.avatar.name, alice.header.name
    assert set(media_in_bucket.objects()) == {first_avatar, header}
    assert Image.open(io.BytesIO(_served(avatar_url(alice)).content)).size == (400, 400)

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(alice, avatar=_png((64, 64)))
    assert set(media_in_bucket.objects()) == {alice.avatar.name, header} and alice.avatar.name != first_avatar
    with django_capture_on_commit_callbacks(execute=True):
        remove_profile_image(alice, "header")
    assert set(media_in_bucket.objects()) == {alice.avatar.name}


def test_the_web_compose_and_profile_forms_store_into_the_bucket(make_user, media_in_bucket, client):
    user = make_user("nadia")
    client.force_login(user)
    picture = SimpleUploadedFile("a.png", _png().getvalue(), content_type="image/png")
    response = client.post("/compose", {"text": "Look", "media_1": picture, "description_1": "green"})
    assert response.status_code == 302
    media = Post.objects.get(account=user.account).media_attachments.get()
    assert {media.file.name, media.thumbnail.name} == set(media_in_bucket.objects())
    page = client.get(response["Location"]).content.decode()
    assert media.thumbnail.url in page and media.thumbnail.url.startswith(media_in_bucket.server.endpoint)

    avatar = SimpleUploadedFile("me.png", _png((64, 64)).getvalue(), content_type="image/png")
    assert client.post("/settings/profile", {"display_name": "Nadia", "avatar": avatar}).status_code == 302
    user.account.refresh_from_db()
    assert user.account.avatar.name in media_in_bucket.objects()
    _served(user.account.avatar.url)


def test_deleting_an_upload_or_a_post_deletes_its_objects(
    make_account, media_in_bucket, django_capture_on_commit_callbacks
):
    alice = make_account("alice")
    kept = upload_image(alice, _png())
    unused = upload_image(alice, _png())
    on_post = upload_image(alice, _png())
    post = publishing.create_post(alice, "with a picture", media=[on_post])
    assert len(media_in_bucket.objects()) == 6

    with django_capture_on_commit_callbacks(execute=True):
        delete_upload(alice, unused.id)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.delete_post(post, alice)
    assert set(media_in_bucket.objects()) == {kept.file.name, kept.thumbnail.name}
    assert requests.get(on_post.file.url, timeout=10).status_code == 404


def test_deleting_an_account_deletes_all_its_objects_and_no_one_elses(
    make_user, make_account, media_in_bucket, django_capture_on_commit_callbacks
):
    user, bob = make_user("alice"), make_account("bob")
    alice = user.account
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(alice, avatar=_png((64, 64)), header=_png((600, 200)))
    publishing.create_post(
        alice, "two pictures", media=[upload_image(alice, _png()), upload_image(alice, _png())]
    )
    upload_image(alice, _png())  # never posted
    bobs = upload_image(bob, _png())
    assert len(media_in_bucket.objects()) == 2 + 3 * 2 + 2

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user, PASSWORD)
    assert set(media_in_bucket.objects()) == {bobs.file.name, bobs.thumbnail.name}


def test_the_export_holds_the_media_read_back_from_the_bucket(make_user, media_in_bucket, tmp_path):
    user = make_user("leaver")
    update_profile(user.account, avatar=_png((64, 64)))
    picture = upload_image(user.account, _png(), description="green")
    publishing.create_post(user.account, "my picture", media=[picture])
    path = export_archive(user.account, tmp_path / "out.zip")
    with zipfile.ZipFile(path) as archive:
        stored = [n for n in archive.namelist() if n.startswith("media_attachments/files/")]
        assert len(stored) == 1 and len(archive.read(stored[0])) == picture.size
        actor = json.loads(archive.read("actor.json"))
        assert archive.read(actor["icon"]["url"]) == _served(user.account.avatar.url).content

    newcomer = make_user("newcomer")  # imported media goes into the bucket too
    job = moving.start_import(newcomer, "mastodon_archive", path, {}, enqueue=False)
    moving.run_import_job(job.pk)
    imported = Post.objects.get(account=newcomer.account).media_attachments.get()
    assert imported.description == "green" and imported.file.name in media_in_bucket.objects()
    assert imported.file.name != picture.file.name and imported.thumbnail.name in media_in_bucket.objects()


@pytest.fixture
def site(caravan_settings):
    caravan_settings(FEDERATION_ALLOW_PRIVATE=True, PREVIEW_FETCH_SECONDS=3.0)
    with running_site() as running:
        yield running


def test_a_link_preview_image_is_stored_in_the_bucket(make_account, media_in_bucket, site, run_tasks):
    post = publishing.create_post(make_account("alice"), f"Worth reading {site.base}/article today")
    run_tasks()
    card = PostCard.objects.select_related("card").get(post_id=post.id).card
    assert card.image.name in media_in_bucket.objects()
    assert Image.open(io.BytesIO(_served(card.image.url).content)).format == "JPEG"


def test_other_servers_are_given_the_bucket_urls(make_account, media_in_bucket):
    from caravan.federation.documents import actor_document, note_object

    alice = make_account("alice")
    update_profile(alice, avatar=_png((64, 64)))
    picture = upload_image(alice, _png())
    post = publishing.create_post(alice, "for everyone", media=[picture])
    prefix = f"{media_in_bucket.server.endpoint}/{media_in_bucket.name}/"
    assert actor_document(alice)["icon"]["url"] == prefix + alice.avatar.name
    assert [item["url"] for item in note_object(post)["attachment"]] == [prefix + picture.file.name]
