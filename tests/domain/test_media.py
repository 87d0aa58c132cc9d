"""Images: metadata stripped, thumbnails and blurhash made, bad files refused."""

import io

import pytest
from PIL import Image

from caravan.errors import DomainError
from caravan.media.services import upload_image
from caravan.publishing import create_post


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


# ---------------------------------------------------------------------------------------------------------------
# Every kind of metadata, in every format, on every path that stores an image.

import os  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

from PIL import ImageCms, PngImagePlugin  # noqa: E402

from caravan.media.services import prepare_image  # noqa: E402

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b"<rdf:Description>SecretXmp</rdf:Description></rdf:RDF></x:xmpmeta>"
)
# What must never be in a stored file: the metadata containers' own markers and the secrets written in them.
MARKERS = [
    b"Exif",
    b"EXIF",
    b"eXIf",
    b"GPS",
    b"SpyCam",
    b"<x:xmpmeta",
    b"SecretXmp",
    b"XMP ",
    b"tEXt",
    b"iTXt",
    b"zTXt",
    b"SecretText",
    b"SecretZip",
    b"SecretIntl",
    b"iCCP",
    b"ICC_PROFILE",
    b"ICCP",
    b"SecretProfile",
    b"SecretComment",
    b"Photoshop 3.0",
    b"8BIM",
    b"SecretCaption",
]


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPSInfo
    return exif


def _icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile.replace(b"sRGB built-in", b"SecretProfile", 1) if b"sRGB built-in" in profile else profile


def _with_iptc(jpeg: bytes) -> bytes:
    """An APP13 (Photoshop IPTC) segment with a caption, right after the JPEG's start marker."""
    caption = b"SecretCaption"
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def crafted(kind: str, size=(300, 200)) -> bytes:
    """An image carrying every kind of metadata its format can hold, red on the left, blue on the right."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    if kind == "jpeg":
        image.save(out, "JPEG", exif=_exif(), icc_profile=_icc(), comment=b"SecretComment", xmp=XMP)
        return _with_iptc(out.getvalue())
    if kind == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "SecretText")
        info.add_text("Comment", "SecretZip", zip=True)
        info.add_itxt("Description", "SecretIntl")
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        image.convert("RGBA").save(out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc())
    elif kind == "webp":
        image.save(out, "WEBP", exif=_exif(), xmp=XMP, icc_profile=_icc())
    elif kind == "gif":
        image.convert("P").save(out, "GIF", comment=b"SecretComment")
    return out.getvalue()


def _leaks(data: bytes) -> list[bytes]:
    return [marker for marker in MARKERS if marker in data]


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "gif"])
def test_uploads_and_their_thumbnails_keep_no_metadata_of_any_kind(kind, make_account):
    original = crafted(kind)
    assert _leaks(original)  # the test image does carry metadata
    media = upload_image(make_account("alice"), io.BytesIO(original))
    for field in (media.file, media.thumbnail):
        with field.open("rb") as stored:
            assert _leaks(stored.read()) == [], field.name
    if kind in ("jpeg", "png", "webp"):  # the orientation was applied before it was dropped
        assert (media.width, media.height) == (200, 300)


def test_a_phone_photo_with_a_second_picture_is_stored_as_the_photo_alone(make_account):
    """MPO files (JPEG plus depth maps or previews, as many phone cameras write) are accepted; only the photo
    itself is kept."""
    photo, hidden = Image.new("RGB", (120, 80), (200, 30, 30)), Image.new("RGB", (120, 80), (30, 30, 200))
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[hidden], exif=_exif())
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    media = upload_image(make_account("alice"), io.BytesIO(out.getvalue()))
    with media.file.open("rb") as stored:
        data = stored.read()
    assert _leaks(data) == [] and data.count(b"\xff\xd8") == 1  # one picture, no second JPEG inside
    assert Image.open(io.BytesIO(data)).convert("RGB").getpixel((40, 60))[0] > 150  # the red photo


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "gif"])
def test_avatars_and_headers_keep_no_metadata(kind, make_account):
    from caravan.profiles import update_profile

    account = make_account("alice")
    update_profile(account, avatar=io.BytesIO(crafted(kind)), header=io.BytesIO(crafted(kind, (1600, 600))))
    account.save()
    for field in (account.avatar, account.header):
        with field.open("rb") as stored:
            assert _leaks(stored.read()) == [], field.name


def test_a_colour_profile_is_applied_before_it_is_dropped():
    """The profile goes, with the text it carries; the colours it described stay (converted to sRGB)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 200, 0)).save(out, "PNG", icc_profile=_icc())
    stored = Image.open(io.BytesIO(prepare_image(io.BytesIO(out.getvalue())).data))
    assert "icc_profile" not in stored.info
    assert stored.convert("RGB").getpixel((10, 10)) == (0, 200, 0)


def test_imported_media_and_profile_images_keep_no_metadata(make_user, tmp_path):
    from caravan.moving import services as moving
    from caravan.moving.models import ImportStatus
    from caravan.posts.models import Post
    from tests.moving.archives import MastodonArchive

    user = make_user("mover")
    archive = MastodonArchive()
    archive.files["media_attachments/files/1/original/a.jpg"] = crafted("jpeg")
    archive.files["media_attachments/files/2/original/b.png"] = crafted("png")
    archive.files["avatar.jpg"] = crafted("jpeg")
    archive.files["header.jpg"] = crafted("jpeg", (1500, 500))
    archive.note(
        1,
        "<p>pictures</p>",
        published="2020-05-05T10:00:00Z",
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": "/media_attachments/files/1/original/a.jpg",
            },
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": "/media_attachments/files/2/original/b.png",
            },
        ],
    )
    job = moving.start_import(
        user, "mastodon_archive", archive.write_zip(tmp_path / "a.zip"), {"profile": True}, enqueue=False
    )
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.error
    media = list(Post.objects.get(account=user.account).media_attachments.all())
    assert len(media) == 2
    user.account.refresh_from_db()
    assert user.account.avatar and user.account.header
    for field in (
        [m.file for m in media] + [m.thumbnail for m in media] + [user.account.avatar, user.account.header]
    ):
        with field.open("rb") as stored:
            assert _leaks(stored.read()) == [], field.name


# ---------------------------------------------------------------------------------------------------------------
# Pixel limits: refused from the header, before decoding.


def png_of_size(width: int, height: int, *, pixels: bool) -> bytes:
    """An RGB PNG of any size: with all its (black) pixels compressed, or only the header and a scrap of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * width)
    data = b"".join(compressor.compress(row) for _ in range(height if pixels else 1)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_images_over_the_pixel_limit_are_refused_before_decoding(make_account, settings):
    alice = make_account("alice")
    # 49 megapixels: over the 40 MP limit, under Pillow's own bomb threshold (twice the limit)
    with pytest.raises(DomainError, match="at most 40 megapixels") as refused:
        upload_image(alice, io.BytesIO(png_of_size(7000, 7000, pixels=True)))
    assert refused.value.status == 422
    with pytest.raises(DomainError, match="at most 40 megapixels"):
        upload_image(alice, io.BytesIO(png_of_size(30000, 30000, pixels=False)))
    settings.CARAVAN = {**settings.CARAVAN, "MAX_IMAGE_PIXELS": 1_000_000}
    with pytest.raises(DomainError, match="at most 1 megapixel"):
        upload_image(alice, io.BytesIO(crafted("png", (1001, 1000))))
    assert upload_image(alice, io.BytesIO(crafted("png", (1000, 1000)))).width == 1000
    assert alice.media.count() == 1


MEASURE = """
import io, os, resource, sys
import django
django.setup()
from caravan.errors import DomainError
from caravan.media.services import prepare_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    prepare_image(io.BytesIO(data))
    outcome = "stored"
except DomainError as error:
    outcome = error.message
grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(outcome, grown_kb)
"""


@pytest.mark.parametrize(("width", "height", "pixels"), [(30000, 30000, False), (7000, 7000, True)])
def test_a_decompression_bomb_never_takes_memory(width, height, pixels, tmp_path):
    """In a fresh process, so the peak resident size measures this image alone."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_of_size(width, height, pixels=pixels))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "caravan.settings", "CARAVAN_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    outcome, grown_kb = result.stdout.strip().rsplit(" ", 1)
    assert outcome == "Images can be at most 40 megapixels."
    assert int(grown_kb) < 30 * 1024  # a decoded 7000x7000 RGB image alone is 147 MB
