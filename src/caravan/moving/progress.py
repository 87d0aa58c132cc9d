"""Keeping an import job's counts, problem report and resume cursor, saved with each batch it commits."""

from django.db import transaction

from caravan.bulk import insert_rows
from caravan.moving.models import ImportedItem, ImportJob

MAX_REPORT = 2000  # problems kept per job; a person reads the first ones, the counts say the rest


class JobProgress:
    """Wraps an ImportJob while an importer runs. Call `commit()` inside each batch's transaction."""

    def __init__(self, job: ImportJob, on_progress=None) -> None:
        self.job = job
        self.on_progress = on_progress  # e.g. the CLI's progress bar; called after each committed batch
        self.account = job.user.account

    def problem(self, item: str, reason: str, *, failed: bool = False) -> None:
        """Something not brought in: counted as skipped (or failed), and written down for the person."""
        if failed:
            self.job.failed += 1
        else:
            self.job.skipped += 1
        self.note(item, reason)

    def note(self, item: str, reason: str) -> None:
        """A problem worth telling that is not an item of its own (a missing image of an imported post)."""
        if len(self.job.report) < MAX_REPORT:
            self.job.report.append({"item": str(item)[:200], "reason": reason})

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
