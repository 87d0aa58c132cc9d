"""Moving media from the local disk into the bucket (`caravan media-to-s3`, decision 0042): every file under the
media folder is copied to the same name in the bucket, and an object already there with the same size is left
alone, so a stopped copy resumes and a second run after the switch-over copies only what came in between.
"""

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage

logger = logging.getLogger(__name__)

# Uploads are network-bound: a few at once hide each request's round trip (django-storages keeps one boto3
# connection per thread).
PARALLEL_UPLOADS = 8


class BucketUnreadable(Exception):
    """The bucket cannot be listed (no such bucket, refused keys, endpoint unreachable); the text says why."""


@dataclass
class CopyReport:
    copied: int = 0
    skipped: int = 0  # already in the bucket with the same size
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, why)


def local_media(root: Path) -> Iterator[tuple[str, Path]]:
    """(storage name, path) of every regular file under `root`, in name order; links are not followed."""
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for file_name in sorted(files):
            path = Path(folder) / file_name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def objects_in_bucket(storage: Storage) -> dict[str, int]:
    """Every object's key and size in the storage's bucket. Raises BucketUnreadable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return {summary.key: summary.size for summary in storage.bucket.objects.all()}
    except ClientError as error:
        raise BucketUnreadable(_client_error(error)) from error
    except BotoCoreError as error:
        raise BucketUnreadable(str(error)) from error


def copy_local_media(
    root: Path, storage: Storage, on_copied: Callable[[CopyReport], None] | None = None
) -> CopyReport:
    """Copy the files under `root` into the bucket of `storage` (an S3Storage) under the names they have on disk.
    `on_copied` is told after each file that was uploaded or failed. Raises BucketUnreadable before copying
    anything when the bucket cannot be listed."""
    present = objects_in_bucket(storage)
    report = CopyReport()
    to_copy = []
    for name, path in local_media(root):
        if present.get(storage._normalize_name(name)) == path.stat().st_size:
            report.skipped += 1
        else:
            to_copy.append((name, path))
    with ThreadPoolExecutor(PARALLEL_UPLOADS) as pool:
        for name, problem in pool.map(lambda item: _upload(storage, *item), to_copy):
            if problem:
                report.failed.append((name, problem))
            else:
                report.copied += 1
            if on_copied is not None:
                on_copied(report)
    return report


def _upload(storage: Storage, name: str, path: Path) -> tuple[str, str]:
    """Returns (name, "") when stored under `name`, else (name, why not)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        with path.open("rb") as source:
            stored = storage.save(name, File(source, name=name))
    except ClientError as error:
        return name, _client_error(error)
    except (BotoCoreError, OSError) as error:
        return name, str(error)
    if stored != name:  # the storage changed the name: the row pointing at `name` would not find it
        storage.delete(stored)
        return name, f"the bucket stored it as {stored}"
    return name, ""


def _client_error(error) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message') or error}"
