"""Moving in and out: starting and running imports, CSV imports and exports, aliases and account moves.

Faces call these; the importers live beside them (x_archive, mastodon_archive, csv_io). The federation
face installs remote look-ups in caravan.lookup and listens for "account.moved".
"""

import logging
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from caravan import error_codes, events, lookup, relationships
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.moving.models import ImportJob, ImportKind, ImportStatus
from caravan.moving.progress import JobProgress
from caravan.posts.models import Visibility
from caravan.social import services as social
from caravan.social.models import Block, Follow, Mute
from caravan.untrusted import http_url

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


def resolve_account(username: str, domain: str) -> Account | None:
    """An account named in an import: stored, or looked up through federation (caravan.lookup)."""
    return lookup.account(username, domain)


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
        raise DomainError(error_codes.IMPORT_KIND_MISSING, field="kind")
    if user.account is None:
        raise DomainError(error_codes.IMPORT_NO_ACCOUNT)
    options = dict(options or {})
    visibility = options.setdefault("visibility", Visibility.PUBLIC)
    if visibility not in Visibility.values:
        raise DomainError(error_codes.IMPORT_VISIBILITY, field="visibility")
    if options.setdefault("retweets", "skip") not in ("skip", "link"):
        raise DomainError(error_codes.IMPORT_RETWEETS, field="retweets")
    if options.setdefault("mode", "merge") not in ("merge", "overwrite"):
        raise DomainError(error_codes.IMPORT_MODE, field="mode")
    if not Path(source_path).exists():
        raise DomainError(error_codes.IMPORT_FILE_NOT_FOUND, field="file")
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
        raise DomainError(error_codes.IMPORT_FINISHED)
    if not Path(job.source_path).exists():
        raise DomainError(error_codes.IMPORT_FILE_GONE)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED, error="")
        _enqueue(job)
    job.refresh_from_db()
    return job


def run_import_job(job_id: int, on_progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run (or resume) one job to its end. A bad archive stops it with a message; it never raises."""
    # Claim the job: two workers (or a worker and the CLI) must never run the same import at once.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, error=""
    )
    job = ImportJob.objects.select_related("user__account").get(pk=job_id)
    if not claimed:
        return job
    progress = JobProgress(job, on_progress)
    try:
        _importer(job.kind)(progress)
    except DomainError as error:
        _finish(progress, ImportStatus.FAILED, error)
    except Exception as error:  # an importer bug must leave a stopped, resumable job, not a dead worker
        logger.exception("import job %s failed", job.pk)
        stopped = DomainError(error_codes.IMPORT_STOPPED_UNEXPECTEDLY, error=type(error).__name__)
        _finish(progress, ImportStatus.FAILED, stopped)
    else:
        _finish(progress, ImportStatus.DONE, None)
        _forget_upload(job.source_path)
    return job


def _forget_upload(source_path: str) -> None:
    """An uploaded file is kept for resuming only; once imported it goes (files named on the CLI stay)."""
    path = Path(source_path)
    if path.parent == import_folder() and path.is_file():
        path.unlink(missing_ok=True)


def forget_imports(user: User) -> None:
    """An account is deleted: its import jobs, the record of what they brought in, their uploaded files (after
    commit) and the people found for it to follow go."""
    from caravan.moving.models import FollowCandidate, ImportedItem

    jobs = ImportJob.objects.filter(user=user)
    uploads = [Path(path) for path in jobs.values_list("source_path", flat=True)]
    if user.account_id is not None:
        ImportedItem.objects.filter(account_id=user.account_id).delete()
        FollowCandidate.objects.filter(account_id=user.account_id).delete()
    ImportJob.objects.filter(user=user).delete()
    transaction.on_commit(lambda: [_forget_upload(str(path)) for path in uploads])


def _finish(progress: JobProgress, status: str, error: DomainError | None) -> None:
    job = progress.job
    job.status = status
    # Kept by code and parameters, shown in the reader's language; `error` holds the English (CLI, logs).
    job.error, job.error_detail = (error.english, error.stored()) if error else ("", {})
    with transaction.atomic():
        progress.commit()
        job.save(update_fields=["status", "error", "error_detail", "updated_at"])


def _importer(kind: str) -> Callable[[JobProgress], None]:
    if kind == ImportKind.X_ARCHIVE:
        from caravan.moving.x_archive import import_x_archive

        return import_x_archive
    if kind == ImportKind.MASTODON_ARCHIVE:
        from caravan.moving.mastodon_archive import import_mastodon_archive

        return import_mastodon_archive
    from caravan.moving.csv_io import import_csv

    return import_csv


# Account migration: aliases, moving out, and accepting a move into followers here.


MAX_ALIASES = 10


def _check_uri(uri: str) -> str:
    uri = http_url((uri or "").strip())
    if not uri:
        raise DomainError(error_codes.ALIAS_NOT_A_URI, field="uri")
    return uri


def add_alias(account: Account, uri: str) -> Account:
    """Say that the account at `uri` is also this person (alsoKnownAs), so it may move here."""
    uri = _check_uri(uri)
    if not account.is_local:
        raise DomainError(error_codes.ALIAS_LOCAL_ONLY)
    if uri == account.uri:
        raise DomainError(error_codes.ALIAS_OF_ITSELF, field="uri")
    aliases = list(account.also_known_as or [])
    if uri not in aliases:
        if len(aliases) >= MAX_ALIASES:
            raise DomainError(error_codes.TOO_MANY_ALIASES, field="uri", limit=MAX_ALIASES)
        aliases.append(uri)
        with transaction.atomic():
            Account.objects.filter(pk=account.pk).update(also_known_as=aliases)
            account.also_known_as = aliases
            events.emit("account.updated", account=account)
    return account


def remove_alias(account: Account, uri: str) -> Account:
    aliases = [a for a in (account.also_known_as or []) if a != (uri or "").strip()]
    if aliases != list(account.also_known_as or []):
        with transaction.atomic():
            Account.objects.filter(pk=account.pk).update(also_known_as=aliases)
            account.also_known_as = aliases
            events.emit("account.updated", account=account)
    return account


def _carry_followers(old: Account, new: Account) -> int:
    """Every local follower of `old` follows `new` with the same settings and stops following `old`."""
    moved = 0
    follows = Follow.objects.filter(target_account=old, account__domain="").select_related("account")
    for follow in list(follows):
        follower = follow.account
        if follower.id != new.id:
            try:
                relationships.follow(
                    follower,
                    new,
                    show_reblogs=follow.show_reblogs,
                    notify_on_post=follow.notify,
                    languages=follow.languages,
                )
                moved += 1
            except DomainError:
                pass  # a block between them, or `new` moved on too: the old follow still ends
        relationships.unfollow(follower, old)
    return moved


def _carry_blocks_and_mutes(old: Account, new: Account) -> None:
    for block in Block.objects.filter(target_account=old, account__domain="").select_related("account"):
        if block.account_id != new.id:
            relationships.block(block.account, new)
    for mute in Mute.objects.filter(target_account=old, account__domain="").select_related("account"):
        if mute.account_id != new.id:
            social.mute(mute.account, new, hide_notifications=mute.hide_notifications)


def accept_move(old_account: Account, new_account: Account) -> int:
    """A verified Move arrived (federation checked object == actor and new's alsoKnownAs): local followers of
    `old_account` now follow `new_account`, keeping their settings; blocks and mutes carry over. Idempotent.
    Returns how many follows moved."""
    if old_account.id == new_account.id:
        raise DomainError(error_codes.MOVE_TO_ITSELF)
    with transaction.atomic():
        if old_account.moved_to_id != new_account.id:
            Account.objects.filter(pk=old_account.pk).update(moved_to=new_account, moved_at=timezone.now())
            old_account.refresh_from_db(fields=["moved_to", "moved_at"])
        _carry_blocks_and_mutes(old_account, new_account)
        return _carry_followers(old_account, new_account)


def move_out(account: Account, target_account: Account) -> Account:
    """Move this local account to `target_account` (local or remote), which must list it in alsoKnownAs.

    Sets moved_to, moves local followers at once, and emits "account.moved" so federation sends
    Move and Update(Person) to remote followers. One move per 30 days.
    """
    if not account.is_local:
        raise DomainError(error_codes.MOVE_LOCAL_ONLY)
    if target_account.id == account.id:
        raise DomainError(error_codes.MOVE_TARGET_MISSING, field="target")
    if account.uri not in (target_account.also_known_as or []):
        # The alias may have been added on the other server since we last fetched that account.
        target_account = lookup.refreshed(target_account)
    if account.uri not in (target_account.also_known_as or []):
        raise DomainError(
            error_codes.MOVE_NEEDS_ALIAS, field="target", account=account.handle, target=target_account.handle
        )
    if target_account.moved_to_id is not None:
        raise DomainError(error_codes.MOVE_TARGET_MOVED, field="target")
    now = timezone.now()
    if account.moved_at and now - account.moved_at < MOVE_COOLDOWN:
        raise DomainError(error_codes.MOVE_TOO_SOON, field="target")
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(moved_to=target_account, moved_at=now)
        account.moved_to, account.moved_at = target_account, now
        _carry_blocks_and_mutes(account, target_account)
        _carry_followers(account, target_account)
        events.emit("account.moved", account=account, target=target_account)
    return account


# Finding people from an old platform again.


def follow_candidates(user: User, candidate_ids: list[int]) -> int:
    """Follow the reviewed matches in one action. Returns how many follows (or requests) were made."""
    from caravan.moving.models import FollowCandidate

    account = user.account
    done = 0
    chosen = FollowCandidate.objects.filter(account=account, pk__in=candidate_ids, target__isnull=False)
    for candidate in chosen.select_related("target"):
        try:
            relationships.follow(account, candidate.target)
        except DomainError:
            continue
        FollowCandidate.objects.filter(pk=candidate.pk).update(followed=True)
        done += 1
    return done
