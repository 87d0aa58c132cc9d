"""A real `caravan serve` with its media in a bucket of a real S3 server on loopback (tests/s3.py): uploads through
the client API are objects the bucket serves, with their thumbnails; avatars and headers too; deleting an upload or
a post deletes the objects; the server no longer serves /media/ from its disk."""

import io
import uuid

import pytest
import requests
from PIL import Image

from tests.api.conftest import LIMITS_OFF, PASSWORD, client_credentials_token, running_server


@pytest.fixture(scope="module")
def in_bucket(tmp_path_factory, s3_server):
    """(base URL of a Caravan server whose media is in a fresh bucket, the bucket's name)."""
    bucket = s3_server.new_bucket()
    variables = {**LIMITS_OFF, **s3_server.env(bucket)}
    with running_server(tmp_path_factory.mktemp("caravan-bucket-server"), variables) as base:
        yield base, bucket


def _person(base: str) -> requests.Session:
    """A new account's API session (registered with an app's client-credentials token)."""
    username = f"b{uuid.uuid4().hex[:8]}"
    app_token = client_credentials_token(base)
    answer = requests.post(
        f"{base}/api/v1/accounts",
        headers={"Authorization": f"Bearer {app_token}"},
        json={
            "username": username,
            "email": f"{username}@example.org",
            "password": PASSWORD,
            "agreement": True,
        },
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return session


def _png(size=(900, 700), color=(30, 140, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _key(url: str, endpoint: str, bucket: str) -> str:
    prefix = f"{endpoint}/{bucket}/"
    assert url.startswith(prefix), url
    return url.removeprefix(prefix)


def _upload(person: requests.Session, base: str) -> dict:
    answer = person.post(f"{base}/api/v2/media", files={"file": ("a.png", _png(), "image/png")}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_api_upload_and_its_thumbnail_are_served_by_the_bucket(in_bucket, s3_server):
    base, bucket = in_bucket
    media = _upload(_person(base), base)
    original, preview = (_key(media[k], s3_server.endpoint, bucket) for k in ("url", "preview_url"))
    objects = s3_server.objects(bucket)
    assert original in objects and preview in objects and original != preview
    served = requests.get(media["url"], timeout=10)
    assert served.status_code == 200 and len(served.content) == objects[original]
    assert Image.open(io.BytesIO(served.content)).size == (900, 700)
    thumbnail = Image.open(io.BytesIO(requests.get(media["preview_url"], timeout=10).content))
    assert thumbnail.format == "JPEG" and thumbnail.size == (640, 498)
    assert media["meta"]["original"]["width"] == 900

    gone = requests.get(f"{base}/media/{original}", timeout=10)
    assert gone.status_code == 404  # the server's disk is not where media lives


def test_deleting_an_upload_or_its_post_deletes_the_objects(in_bucket, s3_server):
    base, bucket = in_bucket
    person = _person(base)
    unused, posted = _upload(person, base), _upload(person, base)
    keys = {
        name: {_key(item[k], s3_server.endpoint, bucket) for k in ("url", "preview_url")}
        for name, item in (("unused", unused), ("posted", posted))
    }
    status = person.post(
        f"{base}/api/v1/statuses", json={"status": "a picture", "media_ids": [posted["id"]]}, timeout=30
    )
    assert status.status_code == 200, status.text
    assert keys["unused"] | keys["posted"] <= set(s3_server.objects(bucket))

    assert person.delete(f"{base}/api/v1/media/{unused['id']}", timeout=30).status_code == 200
    assert person.delete(f"{base}/api/v1/statuses/{status.json()['id']}", timeout=30).status_code == 200
    left = set(s3_server.objects(bucket))
    assert not (keys["unused"] | keys["posted"]) & left
    assert requests.get(posted["url"], timeout=10).status_code == 404


def test_avatar_and_header_are_objects_and_a_replaced_avatar_goes(in_bucket, s3_server):
    base, bucket = in_bucket
    person = _person(base)
    first = person.patch(
        f"{base}/api/v1/accounts/update_credentials",
        files={
            "avatar": ("me.png", _png((500, 500)), "image/png"),
            "header": ("top.png", _png((1500, 500), (200, 60, 20)), "image/png"),
        },
        timeout=30,
    ).json()
    avatar, header = (_key(first[k], s3_server.endpoint, bucket) for k in ("avatar", "header"))
    assert {avatar, header} <= set(s3_server.objects(bucket))
    assert Image.open(io.BytesIO(requests.get(first["avatar"], timeout=10).content)).size == (400, 400)

    second = person.patch(
        f"{base}/api/v1/accounts/update_credentials",
        files={"avatar": ("again.png", _png((64, 64)), "image/png")},
        timeout=30,
    ).json()
    objects = set(s3_server.objects(bucket))
    assert _key(second["avatar"], s3_server.endpoint, bucket) in objects
    assert avatar not in objects and header in objects
