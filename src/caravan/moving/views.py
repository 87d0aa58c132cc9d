"""The moving pages: upload an archive or CSV, watch its progress, export CSVs, review found people, move.

Thin: each view parses the form and calls `moving.services`; a person's mistakes become a message and a 4xx.
"""

import re
import shutil
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.errors import DomainError, shown
from caravan.ids import id_from_text
from caravan.moving import services
from caravan.moving.csv_io import EXPORT_FILE_NAMES, export_csv, parse_handle
from caravan.moving.models import FollowCandidate, ImportJob, ImportKind
from caravan.posts.models import Visibility
from caravan.untrusted import without_bidi_controls

MAX_UPLOAD = 4 * 1024**3


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        options = {
            "visibility": request.POST.get("visibility", Visibility.PUBLIC),
            "retweets": request.POST.get("retweets", "skip"),
            "mode": request.POST.get("mode", "merge"),
            "profile": request.POST.get("profile") == "on",
        }
        try:
            if upload is None:
                raise DomainError(error_codes.UPLOAD_MISSING, field="file")
            if upload.size > MAX_UPLOAD:
                raise DomainError(error_codes.UPLOAD_TOO_LARGE, field="file")
            if kind not in ImportKind.values:
                raise DomainError(error_codes.IMPORT_KIND_MISSING, field="kind")
            path = services.save_upload(request.user, upload)
            job = services.start_import(request.user, kind, path, options)
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect(f"/settings/import/{job.pk}")
    jobs = ImportJob.objects.filter(user=request.user)[:20]
    return render(
        request,
        "moving/import.html",
        {
            "jobs": jobs,
            "kinds": ImportKind.choices,
            "visibilities": Visibility.choices,
            "exports": [
                (kind, label, EXPORT_FILE_NAMES[kind])
                for kind, label in ImportKind.choices
                if kind in EXPORT_FILE_NAMES
            ],
        },
        status=status,
    )


def _own_job(request: HttpRequest, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, user=request.user).first()
    if job is None:
        raise Http404
    return job


@login_required
def import_job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    # The report keeps each problem's code and parameters: shown here in the reader's language, with what came
    # from the file (a handle, a line) isolated so that it reads whole inside an Arabic sentence.
    report = [
        {"item": item_label(problem["item"]), "reason": shown(_isolated(problem))}
        for problem in job.report[:200]
    ]
    return render(request, "moving/import_job.html", {"job": job, "report": report})


# The report's items are identifiers the importers write (`progress.note`): a file's name, an address, or one
# of these, which are shown in the reader's language. Other items are shown as they are.
ITEM_LABELS = {
    "archive": gettext_lazy("the archive"),
    "profile": gettext_lazy("the profile"),
    "following": gettext_lazy("the accounts you followed"),
}
TWEET_ITEM = re.compile(r"tweet (\d+)")


def item_label(item: str) -> str:
    """What a report line is about, in the reader's language where it is one of the importers' identifiers."""
    if item in ITEM_LABELS:
        return str(ITEM_LABELS[item])
    tweet = TWEET_ITEM.fullmatch(item)
    if tweet:
        return _("tweet %(id)s") % {"id": tweet.group(1)}
    return item


def _isolated(problem: dict) -> dict:
    params = {
        name: f"\u2068{without_bidi_controls(value)}\u2069" if isinstance(value, str) else value
        for name, value in (problem.get("params") or {}).items()
    }
    return {**problem, "params": params}


@login_required
@require_POST
def resume_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    try:
        services.resume_import(job)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"/settings/import/{job.pk}")


@login_required
def export_file(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in EXPORT_FILE_NAMES:
        raise Http404
    response = HttpResponse(export_csv(request.user.account, kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILE_NAMES[kind]}"'
    return response


@login_required
def export_archive_file(request: HttpRequest) -> FileResponse:
    """The person's own posts as a Mastodon-style archive, built into a temporary file and streamed."""
    import tempfile

    from caravan.moving.export import export_archive

    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - FileResponse closes it
    with tempfile.NamedTemporaryFile(suffix=".zip") as built:
        export_archive(request.user.account, Path(built.name))
        with open(built.name, "rb") as source:
            shutil.copyfileobj(source, handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{request.user.account.username}-archive.zip",
        content_type="application/zip",
    )


@login_required
def people_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [number for number in map(id_from_text, request.POST.getlist("candidate")) if number]
        made = services.follow_candidates(request.user, ids)
        messages.success(request, _("Followed %(count)d accounts.") % {"count": made})
        return redirect("/settings/import/people")
    candidates = FollowCandidate.objects.filter(account=request.user.account).select_related("target")
    return render(request, "moving/people.html", {"candidates": candidates})


@login_required
def migration_page(request: HttpRequest) -> HttpResponse:
    account = request.user.account
    status = 200
    move_error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_alias":
                services.add_alias(account, request.POST.get("uri", ""))
                messages.success(request, _("Alias added."))
            elif action == "remove_alias":
                services.remove_alias(account, request.POST.get("uri", ""))
                messages.success(request, _("Alias removed."))
            elif action == "move":
                # Moving takes the followers away: only the person who knows the password may start it.
                if not request.user.check_password(request.POST.get("password", "")):
                    raise DomainError(error_codes.PASSWORD_WRONG, field="password")
                username, domain = parse_handle(request.POST.get("target", ""))
                target = services.resolve_account(username, domain)
                if target is None:
                    raise DomainError(error_codes.ACCOUNT_NOT_FOUND, field="target")
                services.move_out(account, target)
                messages.success(
                    request, _("Your account has moved. Your followers are following the new one.")
                )
            else:
                raise DomainError(error_codes.UNKNOWN_ACTION)
        except DomainError as error:
            if action == "move":
                move_error = error  # shown beside the move form's field it concerns
            else:
                messages.error(request, error.message)
            status = error.status
        else:
            return redirect("/settings/migration")
    return render(
        request,
        "moving/migration.html",
        {"account": account, "move_error": move_error, "move_target": request.POST.get("target", "")},
        status=status,
    )
