"""`caravan media-to-s3`, the real command in its own process against a real S3 server on loopback: it copies a
local media folder into the bucket under the same names, a second run copies only what is missing, the media then
serves from the bucket once Caravan switches over, and every failure is one clear line and a non-zero exit."""

import io

import requests
from PIL import Image

from caravan.api.entities import absolute
from caravan.media.services import upload_image
from caravan.profiles import update_profile
from tests.test_cli import caravan


def _jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "JPEG")
    return out.getvalue()


def _media_tree(root) -> dict[str, bytes]:
    files = {
        "media/2025/06/a1b2.jpg": _jpeg(),
        "media/2025/06/a1b2_small.jpg": _jpeg((10, 10, 10)),
        "avatars/c3d4.png": b"\x89PNG not really",
        "cards/e5f6.jpg": _jpeg((0, 90, 0)),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "media" / "elsewhere.jpg").symlink_to("/etc/hostname")  # links are not followed
    return files


def test_the_copy_moves_the_local_tree_and_a_second_run_copies_nothing(tmp_path, s3_server, s3_bucket):
    files = _media_tree(tmp_path / "media")
    copied = caravan("media-to-s3", data_dir=tmp_path, **s3_server.env(s3_bucket))
    assert copied.returncode == 0, copied.stderr
    assert "Copied 4 files; 0 were in the bucket already." in copied.stdout
    assert f"set CARAVAN_S3_BUCKET={s3_bucket}" in copied.stdout
    assert s3_server.objects(s3_bucket) == {name: len(data) for name, data in files.items()}
    served = requests.get(f"{s3_server.endpoint}/{s3_bucket}/media/2025/06/a1b2.jpg", timeout=10)
    assert (
        served.content == files["media/2025/06/a1b2.jpg"] and served.headers["Content-Type"] == "image/jpeg"
    )
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    again = caravan("media-to-s3", data_dir=tmp_path, **s3_server.env(s3_bucket))
    assert again.returncode == 0 and "Copied 0 files; 4 were in the bucket already." in again.stdout

    (tmp_path / "media/cards/e5f6.jpg").write_bytes(_jpeg((0, 90, 0)) + b"longer")  # cut short last time
    (tmp_path / "media/avatars/new.png").write_bytes(b"uploaded in between")
    resumed = caravan("media-to-s3", data_dir=tmp_path, **s3_server.env(s3_bucket))
    assert resumed.returncode == 0 and "Copied 2 files; 3 were in the bucket already." in resumed.stdout
    assert s3_server.objects(s3_bucket)["cards/e5f6.jpg"] == len(_jpeg((0, 90, 0))) + 6


def test_after_the_switch_over_existing_media_is_served_from_the_bucket(
    make_account, settings, tmp_path, s3_server, s3_bucket
):
    alice = make_account("alice")
    update_profile(alice, avatar=io.BytesIO(_jpeg()))
    media = upload_image(alice, io.BytesIO(_jpeg((0, 0, 200))))
    on_disk = {name: (settings.MEDIA_ROOT + "/" + name) for name in (media.file.name, alice.avatar.name)}
    copied = caravan(
        "media-to-s3",
        data_dir=tmp_path,
        CARAVAN_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **s3_server.env(s3_bucket),
    )
    assert copied.returncode == 0, copied.stderr
    assert "Copied 3 files" in copied.stdout  # the upload, its thumbnail and the avatar

    from caravan import config
    from caravan.settings import media_bucket_options

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": media_bucket_options(config.load(s3_server.env(s3_bucket))),
        },
    }
    media.refresh_from_db()
    alice.refresh_from_db()
    for field in (media.file, alice.avatar):
        url = absolute(field.url)
        assert url.startswith(f"{s3_server.endpoint}/{s3_bucket}/")
        with open(on_disk[field.name], "rb") as local:
            assert requests.get(url, timeout=10).content == local.read()


def test_without_a_bucket_the_command_says_what_to_set(tmp_path):
    refused = caravan("media-to-s3", data_dir=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "copies into the bucket that CARAVAN_S3_BUCKET names" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_missing_bucket_or_an_unreachable_store_stops_before_copying(tmp_path, s3_server):
    _media_tree(tmp_path / "media")
    missing = caravan("media-to-s3", data_dir=tmp_path, **s3_server.env("no-such-bucket"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "Could not read the bucket no-such-bucket at http://127.0.0.1:" in missing.stderr
    assert "NoSuchBucket" in missing.stderr and "Nothing was copied." in missing.stderr

    closed = s3_server.env("some-bucket", CARAVAN_S3_ENDPOINT="http://127.0.0.1:9")  # discard: nobody listens
    unreachable = caravan("media-to-s3", data_dir=tmp_path, **closed)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert "Could not read the bucket some-bucket at http://127.0.0.1:9" in unreachable.stderr


def test_a_server_with_a_bucket_does_not_serve_media_from_its_disk(tmp_path, s3_server, s3_bucket):
    """The local /media/ route exists only while media is on the local disk."""
    script = (
        "from django.urls import Resolver404, resolve\n"
        "try:\n    print(resolve('/media/media/2025/06/a.jpg').func.__module__)\n"
        "except Resolver404:\n    print('not served')"
    )
    local = caravan("manage", "shell", "-c", script, data_dir=tmp_path)
    in_bucket = caravan("manage", "shell", "-c", script, data_dir=tmp_path, **s3_server.env(s3_bucket))
    assert local.stdout.splitlines()[-1] == "django.views.static", local.stderr
    assert in_bucket.stdout.splitlines()[-1] == "not served", in_bucket.stderr
