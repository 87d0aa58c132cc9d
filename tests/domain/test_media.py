"""Images: metadata stripped, thumbnails and blurhash made, bad files refused."""

import io

import pytest
from PIL import Image

from caravan.errors import DomainError
from caravan.media.services import upload_image
from caravan.posts.services import create_post


def jpeg_with_gps() -> io.BytesIO:
    image = Image.new("RGB", (1200, 800), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    out.name = "photo.jpg"
    return out


def test_exif_and_gps_are_stripped(make_account):
    alice = make_account("alice")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original.getvalue())).getexif()
    media = upload_image(alice, original, description="A red square")
    with media.file.open("rb") as stored:
        data = stored.read()
    assert b"SpyCam" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert media.width == 1200 and media.thumbnail_width == 640 and media.blurhash


def test_non_image_and_oversized_uploads_are_refused(make_account, settings):
    alice = make_account("alice")
    with pytest.raises(DomainError, match="not an image"):
        upload_image(alice, io.BytesIO(b"#!/bin/sh\necho hi\n"))
    settings.CARAVAN = {**settings.CARAVAN, "MAX_IMAGE_BYTES": 1000}
    with pytest.raises(DomainError, match="at most"):
        upload_image(alice, jpeg_with_gps())
    assert alice.media.count() == 0


def test_post_with_more_than_four_images_is_refused(make_account):
    alice = make_account("alice")
    media = [upload_image(alice, jpeg_with_gps()) for _ in range(5)]
    with pytest.raises(DomainError, match="at most 4"):
        create_post(alice, "too many", media=media)
    post = create_post(alice, "four", media=media[:4])
    assert post.has_media and post.media_attachments.count() == 4
