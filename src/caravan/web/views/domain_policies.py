"""The moderators' page for domain policies (`/admin/domains`): the list with public reasons and private
notes, adding and editing one, removing one, and Mastodon's domain-blocks CSV in and out."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.errors import DomainError
from caravan.instance.models import DomainPolicy
from caravan.moderation import domains
from caravan.web.shortcuts import member_view, moderators_only

FLAGS = ("suspend", "limit", "reject_media", "reject_reports")


def _page(request: HttpRequest, *, editing: DomainPolicy | None = None, form: dict | None = None, status=200):
    return render(
        request,
        "caravan/admin/domains.html",
        {"policies": domains.domain_policies(), "editing": editing, "form": form or {}},
        status=status,
    )


@member_view
def page(request: HttpRequest) -> HttpResponse:
    """GET: the list and the form to add one. POST: add or replace the policy for a domain."""
    moderators_only(request)
    if request.method != "POST":
        return _page(request)
    form = request.POST
    try:
        policy = domains.set_domain_policy(
            request.user,
            form.get("domain", ""),
            reason=form.get("reason", ""),
            note=form.get("note", ""),
            **{flag: form.get(flag) == "on" for flag in FLAGS},
        )
    except DomainError as error:
        messages.error(request, error.message)
        values = {
            "domain": form.get("domain", ""),
            "reason": form.get("reason", ""),
            "note": form.get("note", ""),
        }
        values.update({flag: form.get(flag) == "on" for flag in FLAGS})
        return _page(request, form=values, status=error.status)
    messages.success(request, _("The policy for %(domain)s has been saved.") % {"domain": policy.domain})
    return redirect("/admin/domains")


@member_view
def edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    moderators_only(request)
    policy = domains.domain_policy(policy_id)
    values = {"domain": policy.domain, "reason": policy.reason, "note": policy.note}
    values.update({flag: getattr(policy, flag) for flag in FLAGS})
    return _page(request, editing=policy, form=values)


@require_POST
@member_view
def remove(request: HttpRequest, policy_id: int) -> HttpResponse:
    moderators_only(request)
    policy = domains.domain_policy(policy_id)
    domains.remove_domain_policy(request.user, policy.domain)
    messages.success(request, _("The policy for %(domain)s has been removed.") % {"domain": policy.domain})
    return redirect("/admin/domains")


@member_view
def export_csv(request: HttpRequest) -> HttpResponse:
    moderators_only(request)
    response = HttpResponse(domains.export_domain_policies_csv(request.user), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="domain_blocks.csv"'
    return response


@require_POST
@member_view
def import_csv(request: HttpRequest) -> HttpResponse:
    moderators_only(request)
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size > domains.MAX_CSV_BYTES:
            raise DomainError(error_codes.DOMAIN_CSV_INVALID, field="file")
        result = domains.import_domain_policies_csv(request.user, upload.read())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("/admin/domains")
    messages.success(
        request,
        ngettext("%(count)s policy added.", "%(count)s policies added.", len(result.created))
        % {"count": len(result.created)},
    )
    if result.skipped:
        messages.info(
            request,
            ngettext(
                "%(count)s domain already had a policy and kept it.",
                "%(count)s domains already had a policy and kept it.",
                len(result.skipped),
            )
            % {"count": len(result.skipped)},
        )
    if result.invalid:
        messages.warning(
            request,
            _("These lines could not be read: %(lines)s")
            % {"lines": ", ".join(map(str, result.invalid[:50]))},
        )
    return redirect("/admin/domains")
