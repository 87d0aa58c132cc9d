"""Moderation pages: the notice a person reads about an action on their account (`/notices/<id>`), and the
moderators' own pages (the queue of open reports, one report with its notes, assignment, resolution and the
action form; one account, local or remote, with its reports and decisions and the same form, for acting without
a report). Moderators only (`User.may_moderate`), 403 for anyone else; the services check it again.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.instance.models import Rule
from caravan.moderation import appeals, retention, selectors, services
from caravan.moderation.models import ActionKind, AppealState, ModerationAction, Report, ReportCategory
from caravan.posts.rendering import sanitize_html
from caravan.web.shortcuts import member_view, moderators_only, open_to_suspended

KIND_LABELS = {
    ActionKind.WARN: gettext_lazy("Warning"),
    ActionKind.SENSITIVE: gettext_lazy("Media marked sensitive"),
    ActionKind.DELETE_POSTS: gettext_lazy("Posts deleted"),
    ActionKind.LIMIT: gettext_lazy("Account limited"),
    ActionKind.SUSPEND: gettext_lazy("Account suspended"),
}
# What each kind means for the person, in words they can act on.
KIND_EXPLAINED = {
    ActionKind.WARN: gettext_lazy("This is a warning: nothing else was changed on your account."),
    ActionKind.SENSITIVE: gettext_lazy("Your media are shown behind a warning from now on."),
    ActionKind.DELETE_POSTS: gettext_lazy("The posts below were deleted."),
    ActionKind.LIMIT: gettext_lazy(
        "Your posts are shown only to your followers and the people you mention, and new follows need "
        "the other person's approval."
    ),
    ActionKind.SUSPEND: gettext_lazy(
        "Your account is suspended: it cannot be used and is hidden from others."
    ),
}
APPEAL_STATE_LABELS = {
    AppealState.PENDING: gettext_lazy("Waiting for a decision"),
    AppealState.APPROVED: gettext_lazy("Approved: the decision was lifted"),
    AppealState.REJECTED: gettext_lazy("Rejected: the decision stands"),
}
# An account's marks as the account page names them (a deleted account is also suspended).
ACCOUNT_MARKS = (
    ("suspended_at", gettext_lazy("Suspended since")),
    ("limited_at", gettext_lazy("Limited since")),
    ("sensitized_at", gettext_lazy("Media marked sensitive since")),
    ("deleted_at", gettext_lazy("Deleted on")),
)
CATEGORY_LABELS = {
    ReportCategory.SPAM: gettext_lazy("Spam"),
    ReportCategory.LEGAL: gettext_lazy("Illegal content"),
    ReportCategory.VIOLATION: gettext_lazy("Breaks the server's rules"),
    ReportCategory.OTHER: gettext_lazy("Other"),
}


def _html(value: str) -> SafeString:
    return mark_safe(sanitize_html(value))  # noqa: S308 - sanitized just now


def _stored_id(number: int) -> int:
    """A path's id, if it could be one (ids are 64-bit: a longer one would overflow the database)."""
    if number >= 2**63:
        raise Http404
    return number


def _int(value: str | None) -> int | None:
    return parse_int64((value or "").strip()) if value else None


def _cited_ids(form) -> tuple[list[int], list[int]]:
    """The rule and post ids an action form names, or NOT_A_WHOLE_NUMBER."""
    numbers = [_int(v) for v in form.getlist("rule_ids")]
    posts = [_int(v) for v in form.getlist("status_ids")]
    if None in numbers or None in posts:
        raise DomainError(error_codes.NOT_A_WHOLE_NUMBER)
    return numbers, posts


@member_view
@open_to_suspended
def notice(request: HttpRequest, action_id: int) -> HttpResponse:
    action = selectors.notice_for(request.user, _stored_id(action_id))
    if action is None:
        raise Http404
    posts = [{**kept, "html": _html(kept.get("content", ""))} for kept in action.posts]
    appeal = appeals.appeal_of(action)
    # A local suspension: the data is kept while it may be appealed, then deleted (moderation.retention).
    keeps_data = (
        action.kind == ActionKind.SUSPEND and action.target_account.is_local and action.lifted_at is None
    )
    return render(
        request,
        "caravan/moderation/notice.html",
        {
            "action": action,
            "label": KIND_LABELS[action.kind],
            "explained": KIND_EXPLAINED[action.kind],
            "rules": list(action.rules.all()),
            "posts": posts,
            # Appealing: the appeal if there is one, else the form while the person may still appeal.
            "appeal": appeal,
            "appeal_state": APPEAL_STATE_LABELS[appeal.state] if appeal else "",
            "may_appeal": appeal is None and appeals.may_appeal(request.user, action),
            "appeal_deadline": appeals.appeal_deadline(action),
            "appeal_days": appeals.APPEAL_DAYS,
            "erasure_date": retention.erasure_date(action) if keeps_data else None,
            "erased": keeps_data and retention.is_erased(action.target_account),
        },
    )


@member_view
def reports(request: HttpRequest) -> HttpResponse:
    moderators_only(request)
    after, size = _int(request.GET.get("after")), selectors.QUEUE_SIZE
    queue = selectors.report_queue(limit=size + 1, after=after)  # one more than shown: is there a next page?
    rows = [(row, CATEGORY_LABELS.get(row.report.category, row.report.category)) for row in queue[:size]]
    return render(
        request,
        "caravan/moderation/reports.html",
        {
            "rows": rows,
            "open_count": selectors.open_report_count(),
            "paged": after is not None,
            "next_after": queue[size - 1].report.id if len(queue) > size else None,
        },
    )


@member_view
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    moderators_only(request)
    found = get_object_or_404(
        Report.objects.select_related("reporter", "target_account", "assigned_to", "resolved_by"),
        pk=_stored_id(report_id),
    )
    file = selectors.report_file(found)
    services.record_cited_posts_reading(request.user, found, [post.id for post in file.cited_posts])
    rules = list(Rule.objects.all())
    cited_rules = [rule for rule in rules if rule.id in set(found.rule_ids)]
    return render(
        request,
        "caravan/moderation/report.html",
        {
            "report": found,
            "category": CATEGORY_LABELS.get(found.category, found.category),
            "file": file,
            "cited": [(post, _html(post.content)) for post in file.cited_posts],
            "choosable": [
                (post, _html(post.content))
                for post in file.cited_posts
                + [p for p in file.recent_posts if p.id not in set(found.post_ids)]
            ],
            "cited_ids": set(found.post_ids),
            "rules": rules,
            "cited_rules": cited_rules,
            "kinds": list(KIND_LABELS.items()),
            "kind_labels": KIND_LABELS,
            "actions": [(a, KIND_LABELS[a.kind]) for a in file.actions],
        },
    )


@require_POST
@member_view
def report_act(request: HttpRequest, report_id: int, step: str) -> HttpResponse:
    moderators_only(request)
    found = get_object_or_404(Report.objects.select_related("target_account"), pk=_stored_id(report_id))
    form = request.POST
    user = request.user
    try:
        if step == "assign":
            services.assign_report(user, found)
        elif step == "unassign":
            services.unassign_report(user, found)
        elif step == "resolve":
            services.resolve_report(user, found)
        elif step == "reopen":
            services.reopen_report(user, found)
        elif step == "note":
            services.add_report_note(user, found, form.get("text", ""))
        elif step == "act":
            numbers, posts = _cited_ids(form)
            services.take_action(
                user,
                found.target_account,
                form.get("kind", ""),
                rule_ids=numbers,
                reason=form.get("reason", ""),
                post_ids=posts,
                report=found,
            )
            messages.success(request, _("The action was taken and the person has been told."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"/moderation/reports/{found.id}")


@require_POST
@member_view
def lift(request: HttpRequest, action_id: int) -> HttpResponse:
    moderators_only(request)
    action = get_object_or_404(ModerationAction, pk=_stored_id(action_id))
    try:
        services.lift_action(request.user, action, request.POST.get("reason", ""))
        messages.success(request, _("The action was lifted."))
    except DomainError as error:
        messages.error(request, error.message)
    report_id = _int(request.POST.get("report_id"))
    if report_id:
        return redirect(f"/moderation/reports/{report_id}")
    if request.POST.get("from") == "account":
        return redirect(f"/moderation/accounts/{action.target_account_id}")
    return redirect(f"/notices/{action.id}")


@member_view
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    """One account, local or remote (deleted ones too), for acting on it without a report."""
    moderators_only(request)
    found = get_object_or_404(Account, pk=_stored_id(account_id))
    file = selectors.account_file(found, request.user.account)
    marks = [
        (label, getattr(found, field)) for field, label in ACCOUNT_MARKS if getattr(found, field) is not None
    ]
    return render(
        request,
        "caravan/moderation/account.html",
        {
            "target": found,
            "file": file,
            "marks": marks,
            "choosable": [(post, _html(post.content)) for post in file.recent_posts],
            "rules": list(Rule.objects.all()),
            "kinds": list(KIND_LABELS.items()),
            "actions": [(a, KIND_LABELS[a.kind]) for a in file.actions],
            "categories": CATEGORY_LABELS,
            "is_self": found.id == request.user.account_id,
        },
    )


@require_POST
@member_view
def account_act(request: HttpRequest, account_id: int) -> HttpResponse:
    """Take an action on the account with no report behind it."""
    moderators_only(request)
    found = get_object_or_404(Account, pk=_stored_id(account_id))
    try:
        numbers, posts = _cited_ids(request.POST)
        # Only posts the moderator may read can be cited here (the account page offers no others): keeping
        # one in the action would show it on the notice.
        readable = selectors.account_file(found, request.user.account).recent_posts
        if not set(posts) <= {post.id for post in readable}:
            raise DomainError(error_codes.MODERATION_POST_NOT_CITABLE, field="status_ids")
        services.take_action(
            request.user,
            found,
            request.POST.get("kind", ""),
            rule_ids=numbers,
            reason=request.POST.get("reason", ""),
            post_ids=posts,
        )
        messages.success(request, _("The action was taken and the person has been told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"/moderation/accounts/{found.id}")
