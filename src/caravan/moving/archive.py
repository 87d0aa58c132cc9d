"""Reading an uploaded archive (zip, tar, tar.gz or an unpacked folder) without trusting it.

Nothing is extracted to disk: members are read as streams with size caps, so zip bombs, path traversal names,
symlinks and truncated files are refused or skipped with a clear problem report, never written anywhere.
"""

import io
import os
import stat
import tarfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from caravan import error_codes
from caravan.error_codes import ErrorKind
from caravan.errors import DomainError
from caravan.media.services import prepare_image

# Deploy-time caps; a server can raise them with settings.CARAVAN["IMPORT_LIMITS"].
DEFAULT_LIMITS = {
    "MAX_TOTAL_BYTES": 32 * 1024**3,  # everything unpacked together
    "MAX_MEMBER_BYTES": 1024**3,  # one file (X splits tweets.js at ~100 MB)
    "MAX_RATIO": 200,  # unpacked / packed, per member and overall (text compresses ~10x, bombs ~1000x)
    "MAX_MEMBERS": 1_000_000,
}


MAX_IMAGE_MEMBER = 16 * 1024 * 1024


def limits() -> dict[str, int]:
    return {**DEFAULT_LIMITS, **settings.CARAVAN.get("IMPORT_LIMITS", {})}


class ArchiveError(DomainError):
    """The archive as a whole cannot be read; the kind says why."""


@dataclass
class Member:
    name: str  # normalized, relative, "/"-separated
    size: int
    packed: int


def safe_name(raw: str) -> str | None:
    """The member name as a clean relative path, or None when it tries to leave the archive."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(parts)


class _CappedReader(io.RawIOBase):
    """A stream that refuses to yield more than `cap` bytes (declared sizes can lie)."""

    def __init__(self, inner: IO[bytes], cap: int, name: str) -> None:
        self.inner, self.left, self.name_ = inner, cap, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise ArchiveError(error_codes.MEMBER_TAMPERED, name=self.name_)
        self.left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


@dataclass
class Archive:
    """Read-only view of an archive. `problems` lists members skipped as unsafe."""

    path: Path
    members: dict[str, Member] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None
    _tar: tarfile.TarFile | None = None
    _tar_members: dict[str, tarfile.TarInfo] = field(default_factory=dict)
    _zip_names: dict[str, str] = field(default_factory=dict)
    _declared: list[int] = field(default_factory=lambda: [0, 0])  # unpacked, packed bytes of every member

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Archive":
        archive = cls(Path(path))
        archive._load()
        return archive

    def _skip(self, name: str, reason: ErrorKind, **params: Any) -> None:
        if len(self.problems) < 1000:
            self.problems.append({"item": name[:200], "reason": DomainError(reason, **params)})

    def _add(self, raw: str, size: int, packed: int) -> None:
        cap = limits()
        self._declared[0] += size
        self._declared[1] += packed
        name = safe_name(raw)
        if name is None:
            self._skip(raw, error_codes.UNSAFE_FILE_NAME)
            return
        if size > cap["MAX_MEMBER_BYTES"]:
            self._skip(name, error_codes.FILE_TOO_LARGE_SKIPPED, size=size)
            return
        if packed and size > 1024 * 1024 and size / packed > cap["MAX_RATIO"]:
            self._skip(name, error_codes.FILE_ZIP_BOMB_SKIPPED)
            return
        if len(self.members) >= cap["MAX_MEMBERS"]:
            raise ArchiveError(error_codes.ARCHIVE_TOO_MANY_FILES)
        self.members[name] = Member(name, size, packed)

    def _load(self) -> None:
        path = self.path
        if path.is_symlink() and not path.exists():
            raise ArchiveError(error_codes.ARCHIVE_BROKEN_LINK)
        if path.is_dir():
            self._load_folder(path)
        elif not path.is_file():
            raise ArchiveError(error_codes.ARCHIVE_NOT_FOUND)
        elif zipfile.is_zipfile(path):
            self._load_zip(path)
        else:
            self._load_tar(path)
        # Judged on everything the archive declares, skipped members included.
        total, packed = self._declared
        cap = limits()
        if total > cap["MAX_TOTAL_BYTES"]:
            raise ArchiveError(error_codes.ARCHIVE_TOO_LARGE, size=total)
        if packed and total > 16 * 1024 * 1024 and total / packed > cap["MAX_RATIO"]:
            raise ArchiveError(error_codes.ARCHIVE_ZIP_BOMB)

    def _load_folder(self, root: Path) -> None:
        root = root.resolve()
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in files:
                full = Path(folder) / name
                relative = full.relative_to(root).as_posix()
                if full.is_symlink():
                    self._skip(relative, error_codes.SYMBOLIC_LINK_SKIPPED)
                    continue
                info = full.lstat()
                if not stat.S_ISREG(info.st_mode):
                    continue
                self._add(relative, info.st_size, 0)
            dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]

    def _load_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise ArchiveError(error_codes.ZIP_DAMAGED, error=str(error)) from None
        for info in infos:
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                self._skip(info.filename, error_codes.SYMBOLIC_LINK_SKIPPED)
                continue
            if info.flag_bits & 0x1:
                self._skip(info.filename, error_codes.ENCRYPTED_FILE_SKIPPED)
                continue
            self._add(info.filename, info.file_size, info.compress_size)
            clean = safe_name(info.filename)
            if clean in self.members:
                self._zip_names[clean] = info.filename

    def _load_tar(self, path: Path) -> None:
        try:
            self._tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by Archive.close
            infos = self._tar.getmembers()
        except (tarfile.TarError, OSError, EOFError, ValueError):
            raise ArchiveError(error_codes.ARCHIVE_UNREADABLE) from None
        packed_total = path.stat().st_size
        for info in infos:
            if info.isdir():
                continue
            if info.issym() or info.islnk():
                self._skip(info.name, error_codes.LINK_SKIPPED)
                continue
            if not info.isfile():
                self._skip(info.name, error_codes.NOT_A_REGULAR_FILE_SKIPPED)
                continue
            before = len(self.members)
            self._add(info.name, info.size, 0)
            if len(self.members) > before:
                self._tar_members[safe_name(info.name)] = info
        # tar has no per-member packed size: judge the ratio on the whole file.
        total = self._declared[0]
        if packed_total and total > 16 * 1024 * 1024 and total / packed_total > limits()["MAX_RATIO"]:
            raise ArchiveError(error_codes.ARCHIVE_ZIP_BOMB)

    # Reading

    def names(self) -> list[str]:
        return list(self.members)

    def has(self, name: str) -> bool:
        return name in self.members

    def find(self, *, under: str = "", suffix: str = "") -> list[str]:
        return [n for n in self.members if n.startswith(under) and n.endswith(suffix)]

    def open_member(self, name: str) -> IO[bytes]:
        member = self.members.get(name)
        if member is None:
            raise KeyError(name)
        try:
            if self._zip is not None:
                inner = self._zip.open(self._zip_names[name])
            elif self._tar is not None:
                inner = self._tar.extractfile(self._tar_members[name])
            else:
                full = (self.path / name).resolve()
                if not full.is_relative_to(self.path.resolve()):
                    raise ArchiveError(error_codes.MEMBER_OUTSIDE, name=name)
                inner = open(full, "rb")  # noqa: SIM115 - closed by the caller through the capped reader
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as error:
            raise ArchiveError(error_codes.MEMBER_UNREADABLE, name=name, error=str(error)) from None
        return io.BufferedReader(_CappedReader(inner, member.size, name), buffer_size=1024 * 1024)

    def read_bytes(self, name: str, limit: int | None = None) -> bytes:
        """The whole member, refusing anything over `limit` bytes."""
        member = self.members[name]
        if limit is not None and member.size > limit:
            raise ArchiveError(error_codes.MEMBER_TOO_LARGE, name=name, size=member.size)
        try:
            with self.open_member(name) as stream:
                return stream.read()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            raise ArchiveError(error_codes.MEMBER_DAMAGED, name=name, error=str(error)) from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_pool: ThreadPoolExecutor | None = None


def submit_images(archive: Archive, wanted: list[tuple[str, str]], *, focus: list[str | None] | None = None):
    """Read these members (in this thread: archive readers are not thread-safe) and start preparing them as
    images on a small thread pool. Returns one Future per item, resolving to a PreparedImage or the
    DomainError that refused it."""
    global _pool

    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="import"
        )
    focus = focus or [None] * len(wanted)

    def prepare(data: bytes, alt: str, point: str | None):
        try:
            return prepare_image(io.BytesIO(data), description=alt, focus=point)
        except DomainError as error:
            return error

    futures = []
    for (name, alt), point in zip(wanted, focus, strict=True):
        try:
            data = archive.read_bytes(name, limit=MAX_IMAGE_MEMBER)
        except DomainError as error:
            done: Future = Future()
            done.set_result(error)
            futures.append(done)
            continue
        futures.append(_pool.submit(prepare, data, alt, point))
    return futures


def prepare_images(archive: Archive, wanted: list[tuple[str, str]], *, focus: list[str | None] | None = None):
    """`submit_images`, waited for: a PreparedImage or a DomainError per item."""
    return [future.result() for future in submit_images(archive, wanted, focus=focus)]
