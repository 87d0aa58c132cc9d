"""Moving in and out: starting and running imports, CSV imports and exports, aliases and account moves.

Faces call these; the importers themselves live beside them (x_archive, mastodon_archive, csv_io). The federation
face installs `set_account_resolver` / `set_webfinger_resolver` and listens for "account.moved".
"""

import logging
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from caravan.accounts.models import Account, User
from caravan.accounts.services import find_account
from caravan.errors import DomainError
from caravan.moving.models import ImportJob, ImportKind, ImportStatus
from caravan.moving.progress import JobProgress
from caravan.posts.models import Visibility

logger = logging.getLogger(__name__)

CSV_KINDS = {
    ImportKind.FOLLOWING,
    ImportKind.BLOCKS,
    ImportKind.MUTES,
    ImportKind.DOMAIN_BLOCKS,
    ImportKind.BOOKMARKS,
    ImportKind.LISTS,
}
MOVE_COOLDOWN = timedelta(days=30)


# Resolving accounts named in imports: local lookup and known remote accounts, unless federation installs more.


def _known_account(username: str, domain: str) -> Account | None:
    return find_account(username, domain)


_account_resolver: Callable[[str, str], Account | None] = _known_account


def set_account_resolver(resolver: Callable[[str, str], Account | None] | None) -> None:
    """Install how `user@domain` becomes an Account (federation: WebFinger + actor fetch). None restores default."""
    global _account_resolver
    _account_resolver = resolver or _known_account


def resolve_account(username: str, domain: str) -> Account | None:
    account = find_account(username, domain)
    if account is None and _account_resolver is not _known_account:
        try:
            account = _account_resolver(username, domain)
        except Exception:  # a remote server failing must not stop an import; the row is reported unresolved
            logger.warning("account resolver failed for %s@%s", username, domain, exc_info=True)
            account = None
    return account


# Import jobs


def import_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_import(
    user: User, kind: str, source_path: str | Path, options: dict | None = None, *, enqueue: bool = True
) -> ImportJob:
    """Create an import job for `user` and queue it (queue "imports"). Raises DomainError on bad choices."""
    if kind not in ImportKind.values:
        raise DomainError("Choose what kind of file this is.", field="kind")
    if user.account is None:
        raise DomainError("This user has no account to import into.")
    options = dict(options or {})
    visibility = options.setdefault("visibility", Visibility.PUBLIC)
    if visibility not in Visibility.values:
        raise DomainError("Choose a visibility for the imported posts.", field="visibility")
    if options.setdefault("retweets", "skip") not in ("skip", "link"):
        raise DomainError("Retweets are either skipped or kept as links.", field="retweets")
    if options.setdefault("mode", "merge") not in ("merge", "overwrite"):
        raise DomainError("Choose merge or overwrite.", field="mode")
    if not Path(source_path).exists():
        raise DomainError("The file to import was not found.", field="file")
    with transaction.atomic():
        job = ImportJob.objects.create(user=user, kind=kind, source_path=str(source_path), options=options)
        if enqueue:
            _enqueue(job)
    return job


def save_upload(user: User, upload, suffix: str = "") -> Path:
    """Keep an uploaded file in the data folder under a name we choose (never the uploader's)."""
    import uuid

    name = Path(getattr(upload, "name", "") or "").name.lower()
    if not suffix:
        for known in (".tar.gz", ".tgz", ".zip", ".csv", ".tar"):
            if name.endswith(known):
                suffix = known
                break
    target = import_folder() / f"{user.pk}-{uuid.uuid4().hex}{suffix}"
    with open(target, "wb") as out:
        if hasattr(upload, "chunks"):
            for chunk in upload.chunks():
                out.write(chunk)
        else:
            shutil.copyfileobj(upload, out)
    return target


def _enqueue(job: ImportJob) -> None:
    from caravan.moving.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


def resume_import(job: ImportJob) -> ImportJob:
    """Queue a stopped job again; it carries on from its cursor and adds nothing twice."""
    if job.status == ImportStatus.DONE:
        raise DomainError("This import has already finished.")
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED, error="")
        _enqueue(job)
    job.refresh_from_db()
    return job


def run_import_job(job_id: int) -> ImportJob:
    """Run (or resume) one job to its end. A bad archive stops it with a message; it never raises."""
    job = ImportJob.objects.select_related("user__account").get(pk=job_id)
    if job.status == ImportStatus.DONE:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, error="")
    job.status = ImportStatus.RUNNING
    progress = JobProgress(job)
    try:
        _importer(job.kind)(progress)
    except DomainError as error:
        _finish(progress, ImportStatus.FAILED, error.message)
    except Exception as error:  # an importer bug must leave a stopped, resumable job, not a dead worker
        logger.exception("import job %s failed", job.pk)
        _finish(
            progress,
            ImportStatus.FAILED,
            f"The import stopped unexpectedly ({type(error).__name__}). "
            "You can resume it; nothing already imported will be added twice.",
        )
    else:
        _finish(progress, ImportStatus.DONE, "")
    return job


def _finish(progress: JobProgress, status: str, error: str) -> None:
    job = progress.job
    job.status, job.error = status, error
    with transaction.atomic():
        progress.commit()
        job.save(update_fields=["status", "error", "updated_at"])


def _importer(kind: str) -> Callable[[JobProgress], None]:
    if kind == ImportKind.X_ARCHIVE:
        from caravan.moving.x_archive import import_x_archive

        return import_x_archive
    if kind == ImportKind.MASTODON_ARCHIVE:
        from caravan.moving.mastodon_archive import import_mastodon_archive

        return import_mastodon_archive
    from caravan.moving.csv_io import import_csv

    return import_csv
