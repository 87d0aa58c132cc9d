"""The Report form behind the Report button on posts and profiles: a category, the server rules broken, the
account's posts to cite (only those the reporter can read), a comment, and for a remote account whether a copy
should go to its server. Filing goes through `moderation.services.create_report`, as the API does."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.instance.models import Rule
from caravan.moderation.models import ReportCategory
from caravan.moderation.services import MAX_COMMENT, create_report
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.posts.visibility import visible_to
from caravan.timelines.selectors import account_timeline
from caravan.web.shortcuts import member_view

CATEGORY_LABELS = {
    ReportCategory.SPAM: gettext_lazy("Spam: unwanted links, fake engagement or repeated replies"),
    ReportCategory.LEGAL: gettext_lazy("Illegal content"),
    ReportCategory.VIOLATION: gettext_lazy("It breaks the server's rules"),
    ReportCategory.OTHER: gettext_lazy("Something else"),
}
RECENT_POSTS = 20


def _ids(values: list[str]) -> list[int]:
    return [n for n in (parse_int64(v) for v in values) if n is not None]


@member_view
def report(request: HttpRequest, account_id: int) -> HttpResponse:
    viewer = request.user.account
    target = Account.objects.filter(pk=account_id, suspended_at__isnull=True).first()
    if target is None or target.id == viewer.id:
        raise Http404
    form = request.POST if request.method == "POST" else None
    status = 200
    if form is not None:
        try:
            create_report(
                viewer,
                target,
                post_ids=_ids(form.getlist("post_ids")),
                rule_ids=_ids(form.getlist("rule_ids"))
                if form.get("category") == ReportCategory.VIOLATION
                else [],
                comment=form.get("comment", ""),
                category=form.get("category", ReportCategory.OTHER),
                forward=not target.is_local and form.get("forward") == "on",
            )
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status if error.status != 404 else 422
        else:
            messages.success(request, _("Thank you. Your report has been sent to the moderators."))
            return redirect(target.profile_path)
    chosen = set(_ids(form.getlist("post_ids") if form is not None else request.GET.getlist("post")))
    posts = account_timeline(target, viewer, Page(limit=RECENT_POSTS))
    extra = _readable_extra(target, viewer, chosen - {p.id for p in posts})
    return render(
        request,
        "caravan/report.html",
        {
            "target": target,
            "posts": extra + posts,
            "chosen": chosen,
            "categories": list(CATEGORY_LABELS.items()),
            "category": form.get("category", "") if form is not None else "",
            "rules": Rule.objects.all(),
            "chosen_rules": set(_ids(form.getlist("rule_ids"))) if form is not None else set(),
            "comment": form.get("comment", "") if form is not None else "",
            "forward": form is not None and form.get("forward") == "on",
            "max_comment": MAX_COMMENT,
        },
        status=status,
    )


def _readable_extra(target: Account, viewer: Account, ids: set[int]) -> list[Post]:
    """Posts named in the link (`?post=`) but older than the recent ones listed, if the viewer may read them."""
    if not ids:
        return []
    return list(
        Post.objects.filter(pk__in=list(ids)[:10], account=target, reblog_of__isnull=True)
        .filter(visible_to(viewer))
        .select_related("account")
    )
