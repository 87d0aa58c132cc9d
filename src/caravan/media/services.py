"""Storing images safely: size- and pixel-limited before anything is decoded, turned upright, colours moved to
sRGB, then re-encoded with Pillow holding no metadata at all (EXIF, GPS, XMP, IPTC, ICC profiles, comments, PNG
text chunks), with a thumbnail and a blurhash. Uploads, imports, avatars and headers all come through here.
"""

import io
import logging
import uuid
from dataclasses import dataclass

import blurhash
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.media.models import MediaAttachment
from caravan.untrusted import http_url

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL_SIZE = (640, 640)
# Pillow refuses to open anything over twice this (DecompressionBombError) and only warns between once and
# twice; `_decode` refuses everything over the limit itself, from the header, before decoding a pixel.
Image.MAX_IMAGE_PIXELS = settings.CARAVAN["MAX_IMAGE_PIXELS"]
# Image.info keys that describe pixels rather than the picture's history; everything else is dropped.
PIXEL_INFO = ("transparency",)


def _read_upload(upload) -> bytes:
    limit = settings.CARAVAN["MAX_IMAGE_BYTES"]
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(error_codes.IMAGE_TOO_LARGE, field="file", megabytes=limit // (1024 * 1024))
    data = upload.read(limit + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > limit:
        raise DomainError(error_codes.IMAGE_TOO_LARGE, field="file", megabytes=limit // (1024 * 1024))
    if not data:
        raise DomainError(error_codes.FILE_EMPTY, field="file")
    return data


def _too_many_pixels() -> DomainError:
    megapixels = settings.CARAVAN["MAX_IMAGE_PIXELS"] // 1_000_000
    return DomainError(error_codes.IMAGE_TOO_MANY_PIXELS, field="file", megapixels=megapixels)


def _decode(data: bytes) -> tuple[Image.Image, str]:
    try:
        # Opening reads only the header: the size is known before any pixel is decoded.
        with Image.open(io.BytesIO(data)) as probe:
            # Phone cameras write MPO: a JPEG with more pictures (depth maps, previews) after it; only the
            # first, the photo itself, is kept.
            image_format = "JPEG" if probe.format == "MPO" else probe.format
            width, height = probe.size
            if width * height > settings.CARAVAN["MAX_IMAGE_PIXELS"]:
                raise _too_many_pixels()
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise DomainError(error_codes.IMAGE_FORMAT, field="file")
        image = Image.open(io.BytesIO(data))
        image.load()
    except DomainError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(error_codes.IMAGE_UNREADABLE, field="file") from None
    return _without_metadata(ImageOps.exif_transpose(image)), image_format


def _without_metadata(image: Image.Image) -> Image.Image:
    """The pixels alone. An embedded colour profile is applied first (to sRGB, what browsers assume), so that
    dropping it, with the text it carries, does not change the colours."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),  # made per call: imports prepare images in threads
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            logger.info("could not apply an image's colour profile; dropping it", exc_info=True)
    image.info = {key: value for key, value in image.info.items() if key in PIXEL_INFO}
    return image


def _encode(image: Image.Image, image_format: str) -> tuple[bytes, str, str]:
    """Re-encode without any metadata. Returns (bytes, mime type, file extension)."""
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
        return out.getvalue(), "image/jpeg", "jpg"
    if image_format == "WEBP":
        image.save(out, "WEBP", quality=88)
        return out.getvalue(), "image/webp", "webp"
    if image_format == "GIF":
        image.save(out, "GIF")
        return out.getvalue(), "image/gif", "gif"
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), "image/png", "png"


def _thumbnail(image: Image.Image) -> tuple[bytes, int, int, Image.Image]:
    thumb = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumb.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue(), thumb.width, thumb.height, thumb


def _blurhash(thumb: Image.Image) -> str:
    small = thumb.convert("RGB")
    small.thumbnail((64, 64))
    try:
        return blurhash.encode(small, x_components=4, y_components=3)
    except Exception:  # a blurhash is decoration; never fail an upload for it
        logger.warning("blurhash failed", exc_info=True)
        return ""


def _parse_focus(focus: str | None) -> tuple[float, float]:
    if not focus:
        return 0.0, 0.0
    try:
        x, y = (float(part) for part in str(focus).split(","))
    except ValueError:
        raise DomainError(error_codes.FOCUS_INVALID, field="focus") from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):
        raise DomainError(error_codes.FOCUS_INVALID, field="focus")
    return x, y


@dataclass
class PreparedImage:
    """An image decoded, stripped and re-encoded, not yet stored: made by `prepare_image` (thread-safe, no
    database), stored by `store_prepared_image`. Imports prepare many images in parallel this way."""

    data: bytes
    mime: str
    extension: str
    thumbnail: bytes
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    blurhash: str
    description: str
    focus: tuple[float, float]


def prepare_image(upload, *, description: str = "", focus: str | None = None) -> PreparedImage:
    """Everything `upload_image` does before storing. Raises DomainError for bad files."""
    if len(description or "") > 1500:
        raise DomainError(error_codes.DESCRIPTION_TOO_LONG, field="description")
    focus_xy = _parse_focus(focus)
    image, image_format = _decode(_read_upload(upload))
    data, mime, extension = _encode(image, image_format)
    thumb_bytes, thumb_w, thumb_h, thumb = _thumbnail(image)
    return PreparedImage(
        data,
        mime,
        extension,
        thumb_bytes,
        image.width,
        image.height,
        thumb_w,
        thumb_h,
        _blurhash(thumb),
        description or "",
        focus_xy,
    )


def store_prepared_image(account: Account, prepared: PreparedImage) -> MediaAttachment:
    name = uuid.uuid4().hex
    media = MediaAttachment(
        account=account,
        type="image",
        mime_type=prepared.mime,
        description=prepared.description,
        width=prepared.width,
        height=prepared.height,
        thumbnail_width=prepared.thumbnail_width,
        thumbnail_height=prepared.thumbnail_height,
        size=len(prepared.data),
        focus_x=prepared.focus[0],
        focus_y=prepared.focus[1],
        blurhash=prepared.blurhash,
    )
    media.file.save(f"{name}.{prepared.extension}", ContentFile(prepared.data), save=False)
    media.thumbnail.save(f"{name}_small.jpg", ContentFile(prepared.thumbnail), save=False)
    try:
        media.save()
    except Exception:
        delete_files([media.file.name, media.thumbnail.name])
        raise
    return media


def upload_image(
    account: Account, upload, *, description: str = "", focus: str | None = None
) -> MediaAttachment:
    """Store an uploaded image for `account` (not yet attached to a post). Raises DomainError for bad files."""
    return store_prepared_image(account, prepare_image(upload, description=description, focus=focus))


def update_media(
    media: MediaAttachment, *, description: str | None = None, focus: str | None = None
) -> MediaAttachment:
    if description is not None:
        if len(description) > 1500:
            raise DomainError(error_codes.DESCRIPTION_TOO_LONG, field="description")
        media.description = description
    if focus is not None:
        media.focus_x, media.focus_y = _parse_focus(focus)
    media.save()
    return media


def store_profile_image(account: Account, kind: str, upload) -> None:
    """Avatar (square, up to 400 px) or header (up to 1500x500), metadata stripped. Caller saves the account."""
    image, image_format = _decode(_read_upload(upload))
    image = ImageOps.fit(image, (400, 400)) if kind == "avatar" else ImageOps.contain(image, (1500, 500))
    data, _mime, extension = _encode(image, image_format if image_format != "GIF" else "PNG")
    field = getattr(account, kind)
    old = field.name if field else ""
    field.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    if old:
        transaction.on_commit(lambda: delete_files([old]))


def delete_files(names: list[str]) -> None:
    """Remove stored files (media, thumbnails, profile and card images) by name, after their rows are gone: a
    failure is logged, never raised. A bucket removes a thousand objects per request (an account's media)."""
    names = [name for name in names if name]
    if getattr(default_storage, "bucket_name", None):  # django-storages' S3Storage
        for start in range(0, len(names), 1000):
            _delete_from_bucket(names[start : start + 1000])
        return
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete media file %s", name, exc_info=True)


def _delete_from_bucket(names: list[str]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError  # loaded only by servers with a bucket

    keys = [{"Key": default_storage._normalize_name(name)} for name in names]
    try:
        answer = default_storage.bucket.delete_objects(Delete={"Objects": keys, "Quiet": True})
    except (BotoCoreError, ClientError):
        logger.warning("could not delete %d media objects from the bucket", len(keys), exc_info=True)
        return
    for error in answer.get("Errors", []):
        logger.warning("could not delete media object %s: %s", error.get("Key"), error.get("Message"))


def store_remote_media(
    account: Account,
    *,
    url: str,
    mime_type: str = "",
    description: str = "",
    blurhash: str = "",
    focus: tuple[float, float] = (0.0, 0.0),
    width: int | None = None,
    height: int | None = None,
) -> MediaAttachment:
    """A remote post's attachment, kept by reference (remote_url); nothing is downloaded. Raises DomainError
    unless `url` is an absolute http(s) URL."""
    remote_url = http_url(url)
    if not remote_url:
        raise DomainError(error_codes.REMOTE_MEDIA_URL, field="media")
    kind = (mime_type or "").split("/")[0]
    media_type = {"image": "image", "video": "video", "audio": "audio"}.get(kind, "unknown")
    if mime_type == "image/gif" and media_type == "image":
        media_type = "gifv"
    focus_x, focus_y = (max(-1.0, min(1.0, float(v))) for v in focus)
    return MediaAttachment.objects.create(
        account=account,
        type=media_type,
        remote_url=remote_url,
        mime_type=(mime_type or "")[:100],
        description=(description or "")[:1500],
        blurhash=(blurhash or "")[:100],
        width=width if isinstance(width, int) and width > 0 else None,
        height=height if isinstance(height, int) and height > 0 else None,
        focus_x=focus_x,
        focus_y=focus_y,
    )
