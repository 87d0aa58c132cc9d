"""`caravan import x-archive PATH --user NAME` (and mastodon-archive, csv KIND): run an import here, with a
progress bar on stderr. Running the same command again resumes an unfinished import of the same file.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caravan.accounts.models import User
from caravan.errors import DomainError
from caravan.moving import services
from caravan.moving.models import ImportJob, ImportKind, ImportStatus

CSV_KINDS = {
    "following": ImportKind.FOLLOWING,
    "blocks": ImportKind.BLOCKS,
    "mutes": ImportKind.MUTES,
    "domain-blocks": ImportKind.DOMAIN_BLOCKS,
    "domain_blocks": ImportKind.DOMAIN_BLOCKS,
    "bookmarks": ImportKind.BOOKMARKS,
    "lists": ImportKind.LISTS,
}


class Command(BaseCommand):
    help = "Import an X archive, a Mastodon archive or a Mastodon CSV file into a local user's account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("what", help="x-archive, mastodon-archive or csv")
        parser.add_argument(
            "args",
            nargs="+",
            help="PATH, or for csv: KIND PATH (following, blocks, mutes, domain-blocks, bookmarks, lists)",
        )
        parser.add_argument("--user", required=True, help="the local username to import into")
        parser.add_argument("--visibility", default="public", help="public, unlisted, private or direct")
        parser.add_argument("--retweets", default="skip", choices=["skip", "link"])
        parser.add_argument("--overwrite", action="store_true", help="CSV: replace instead of merging")
        parser.add_argument(
            "--profile", action="store_true", help="apply the archive's name, bio, avatar and header"
        )

    def handle(self, *args: str, **options) -> None:
        what = options["what"]
        if what == "x-archive" and len(args) == 1:
            kind, path = ImportKind.X_ARCHIVE, args[0]
        elif what == "mastodon-archive" and len(args) == 1:
            kind, path = ImportKind.MASTODON_ARCHIVE, args[0]
        elif what == "csv" and len(args) == 2 and args[0] in CSV_KINDS:
            kind, path = CSV_KINDS[args[0]], args[1]
        else:
            raise CommandError(
                "Usage: caravan import x-archive PATH --user NAME | mastodon-archive PATH --user NAME"
                " | csv {following,blocks,mutes,domain-blocks,bookmarks,lists} PATH --user NAME"
            )
        user = User.objects.select_related("account").filter(username__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no local user {options['user']!r}.")
        path = str(Path(path).resolve())
        unfinished = (
            ImportJob.objects.filter(user=user, kind=kind, source_path=path)
            .exclude(status=ImportStatus.DONE)
            .first()
        )
        try:
            if unfinished is not None:
                # Whatever stopped it (a crash leaves it "running"), running the command again resumes it.
                self.stderr.write(f"Resuming import {unfinished.pk} of {path}.")
                ImportJob.objects.filter(pk=unfinished.pk).update(status=ImportStatus.QUEUED)
                job = unfinished
            else:
                job = services.start_import(
                    user,
                    kind,
                    path,
                    {
                        "visibility": options["visibility"],
                        "retweets": options["retweets"],
                        "mode": "overwrite" if options["overwrite"] else "merge",
                        "profile": options["profile"],
                    },
                    enqueue=False,
                )
        except DomainError as error:
            raise CommandError(error.english) from None  # the CLI speaks English, as Django's own commands
        job = services.run_import_job(job.pk, on_progress=self.draw)
        job.refresh_from_db()
        sys.stderr.write("\n")
        for problem in job.report[:50]:
            self.stderr.write(f"  {problem['item']}: {problem['reason']}")
        if len(job.report) > 50:
            self.stderr.write(f"  ... and {len(job.report) - 50} more (see /settings/import/{job.pk})")
        summary = f"{job.done} imported, {job.skipped} skipped, {job.failed} failed of {job.total}."
        if job.status != ImportStatus.DONE:
            raise CommandError(f"{job.error} {summary} Run the same command again to resume.")
        self.stdout.write(f"Import {job.pk} finished: {summary}")

    def draw(self, job: ImportJob) -> None:
        width = 30
        filled = int(width * job.percent / 100)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {job.percent:3d}% {job.processed}/{job.total}"
        )
        sys.stderr.flush()
