"""Keeping an import job's counts, problem report and resume cursor, saved with each batch it commits."""

from typing import Any

from django.db import transaction

from caravan import error_codes
from caravan.bulk import insert_rows
from caravan.error_codes import ErrorKind
from caravan.errors import DomainError, stored
from caravan.moving.models import ImportedItem, ImportJob

MAX_REPORT = 2000  # problems kept per job; a person reads the first ones, the counts say the rest


def why(error: Exception) -> "DomainError | str":
    """What to report for an item that failed: a DomainError says why in the reader's language; any other
    error (a KeyError in a malformed file) is technical and is kept as its text."""
    return error if isinstance(error, DomainError) else str(error)


class JobProgress:
    """Wraps an ImportJob while an importer runs. Call `commit()` inside each batch's transaction."""

    def __init__(self, job: ImportJob, on_progress=None) -> None:
        self.job = job
        self.on_progress = on_progress  # e.g. the CLI's progress bar; called after each committed batch
        self.account = job.user.account

    def problem(
        self, item: str, reason: ErrorKind | DomainError, /, *, failed: bool = False, **params: Any
    ) -> None:
        """Something not brought in: counted as skipped (or failed), and written down for the person."""
        if failed:
            self.job.failed += 1
        else:
            self.job.skipped += 1
        self.note(item, reason, **params)

    def note(self, item: str, reason: ErrorKind | DomainError, /, **params: Any) -> None:
        """A problem worth telling that is not an item of its own (a missing image of an imported post).

        `reason` is a kind of the catalogue with its parameters, or the DomainError that refused the item. The
        report keeps its code and parameters, so the import's page shows it in the reader's language, and its
        English text (`reason`), which the CLI prints."""
        if len(self.job.report) < MAX_REPORT:
            entry = reason.stored() if isinstance(reason, DomainError) else stored(reason, **params)
            self.job.report.append({"item": str(item)[:200], **entry})

    def media_left_out(self, item: str, kind: str) -> None:
        """A video, GIF or sound the archive holds for `item`: not brought in, as this server stores images."""
        known = {
            "video": error_codes.VIDEO_NOT_IMPORTED,
            "animated_gif": error_codes.ANIMATED_GIF_NOT_IMPORTED,
            "audio": error_codes.AUDIO_NOT_IMPORTED,
        }
        if kind in known:
            self.note(item, known[kind])
        else:
            self.note(item, error_codes.MEDIA_NOT_IMPORTED, kind=kind)

    def already_imported(self, source: str, ids: list[str]) -> dict[str, int | None]:
        rows = ImportedItem.objects.filter(account=self.account, source=source, source_id__in=ids)
        return dict(rows.values_list("source_id", "object_id"))

    def record(self, source: str, items: list[tuple[str, int | None]]) -> None:
        rows = [
            ImportedItem(
                account=self.account,
                source=source,
                source_id=str(source_id)[:512],
                object_id=object_id,
                job=self.job,
            )
            for source_id, object_id in items
        ]
        insert_rows(ImportedItem, rows, ignore_conflicts=True)

    def commit(self, **cursor) -> None:
        """Save counts, report and cursor. Inside the batch's transaction, so they match what was stored."""
        if cursor:
            self.job.cursor = {**self.job.cursor, **cursor}
        fields = ["total", "done", "skipped", "failed", "cursor", "report", "updated_at"]
        self.job.save(update_fields=fields)
        if self.on_progress is not None:
            self.on_progress(self.job)

    def commit_now(self, **cursor) -> None:
        with transaction.atomic():
            self.commit(**cursor)
