"""Uploads through the client API on a real server: an image over the pixel limit is a 422 with a message,
and the server stays up; the stored file carries no metadata."""

import io
import uuid

import pytest
import requests
from mastodon.errors import MastodonAPIError

from tests.domain.test_media import _leaks, crafted, png_of_size


def test_an_image_over_the_pixel_limit_is_refused_with_a_422(signup):
    alice = signup(f"u{uuid.uuid4().hex[:8]}")
    with pytest.raises(MastodonAPIError) as refused:
        alice.media_post(io.BytesIO(png_of_size(7000, 7000, pixels=True)), mime_type="image/png")
    assert refused.value.args[1] == 422
    assert "Images can be at most 40 megapixels." in str(refused.value)
    assert alice.media_post(io.BytesIO(crafted("png")), mime_type="image/png")["type"] == "image"


def test_the_stored_upload_has_no_metadata(signup):
    alice = signup(f"u{uuid.uuid4().hex[:8]}")
    media = alice.media_post(io.BytesIO(crafted("jpeg")), mime_type="image/jpeg")
    for url in (media["url"], media["preview_url"]):
        assert _leaks(requests.get(url, timeout=30).content) == []
