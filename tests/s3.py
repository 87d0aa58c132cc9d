"""A real S3-compatible server for the object storage tests: moto's server mode as its own process on a free
loopback port, started once per session (`s3_server`), a fresh bucket per test (`s3_bucket`), and Django's
default storage pointed at it for a test (`media_in_bucket`). Other tests reuse these through tests/conftest.py;
`S3Server.env(bucket)` gives the CARAVAN_S3_* variables for `caravan` processes.
"""

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

ACCESS_KEY_ID = "caravan-test"
SECRET_ACCESS_KEY = "caravan-test-secret"  # noqa: S105 - moto takes any keys
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def new_bucket(self) -> str:
        name = f"caravan-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str) -> dict[str, int]:
        """Every object in `bucket`: key -> size, listed by the server itself."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", [])}

    def env(self, bucket: str, **more: str) -> dict[str, str]:
        """The variables that put a `caravan` process's media in `bucket`."""
        return {
            "CARAVAN_S3_BUCKET": bucket,
            "CARAVAN_S3_ENDPOINT": self.endpoint,
            "CARAVAN_S3_REGION": REGION,
            "CARAVAN_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "CARAVAN_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            **more,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """An S3Server: moto's HTTP server listening on 127.0.0.1 only, stopped at the end of the session."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("s3-server") / "moto.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    server = S3Server(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{server.endpoint}/moto-api/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the S3 server (moto) did not start:\n" + log_path.read_text())
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def s3_bucket(s3_server) -> str:
    """The name of a new, empty bucket on the session's S3 server."""
    return s3_server.new_bucket()


@dataclass(frozen=True)
class MediaBucket:
    server: S3Server
    name: str

    def objects(self) -> dict[str, int]:
        return self.server.objects(self.name)


@pytest.fixture
def media_in_bucket(settings, s3_server, s3_bucket) -> MediaBucket:
    """Django's default storage (every FileField, default_storage) in a fresh bucket for this test, built by
    settings.py from the same variables an operator sets."""
    from caravan import config
    from caravan.settings import media_bucket_options

    options = media_bucket_options(config.load(s3_server.env(s3_bucket)))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    settings.MEDIA_IN_BUCKET = True
    return MediaBucket(s3_server, s3_bucket)
