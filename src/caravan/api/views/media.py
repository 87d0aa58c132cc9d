"""Media uploads (v1 and v2, both processed at once), reading one back, changing its description or focus,
and deleting one no post uses."""

from django.http import Http404, HttpRequest

from caravan import error_codes
from caravan.api import entities
from caravan.api.http import api, params, parse_id
from caravan.errors import DomainError
from caravan.media import services as media
from caravan.media.models import MediaAttachment
from caravan.publishing.posting import delete_upload


@api(scope="write:media")
def upload(request: HttpRequest):
    p = params(request)
    upload_file = p.files.get("file")
    if upload_file is None:
        raise DomainError(error_codes.FILE_REQUIRED, field="file")
    attachment = media.upload_image(
        request.viewer, upload_file, description=p.str("description") or "", focus=p.str("focus")
    )
    return entities.media_attachment(attachment)


def _own(request: HttpRequest, media_id: str) -> MediaAttachment:
    found = MediaAttachment.objects.filter(pk=parse_id(media_id), account=request.viewer).first()
    if found is None:
        raise Http404
    return found


@api(scope="write:media")  # as on Mastodon: media not yet attached belongs to the uploading app
def get(request: HttpRequest, media_id: str):
    from caravan.api.http import json_response

    attachment = _own(request, media_id)
    # 206 while a file is still being processed, as Mastodon does; ours are processed on upload.
    return json_response(entities.media_attachment(attachment), status=200 if attachment.processed else 206)


@api(scope="write:media")
def update(request: HttpRequest, media_id: str):
    p = params(request)
    attachment = _own(request, media_id)
    media.update_media(
        attachment, description=p.str("description", "") if "description" in p else None, focus=p.str("focus")
    )
    return entities.media_attachment(attachment)


@api(scope="write:media")
def delete(request: HttpRequest, media_id: str):
    """Delete an unattached upload; media a post or a scheduled post uses is a 422, as on Mastodon."""
    delete_upload(request.viewer, parse_id(media_id))
    return {}
