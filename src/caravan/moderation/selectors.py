"""Reading moderation: the queue of open reports, what a moderator sees about one report or one account, and
the notices a person reads about actions on their own account."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from caravan.accounts.models import Account, User
from caravan.moderation.models import CitedPostsReading, ModerationAction, Report, ReportNote
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts

QUEUE_SIZE = 100


def open_reports(limit: int = QUEUE_SIZE) -> QuerySet[Report]:
    """Open reports, oldest first (the ones waiting longest come first), with the accounts each row names."""
    return (
        Report.objects.filter(resolved_at__isnull=True)
        .select_related("reporter", "target_account", "assigned_to")
        .order_by("id")[:limit]
    )


@dataclass
class QueueRow:
    report: Report
    reports_about_target: int  # every report about the account, this one included
    actions_on_target: int  # decisions taken about the account before


def report_queue(limit: int = QUEUE_SIZE) -> list[QueueRow]:
    """The open reports with, for each reported account, how often it was reported and acted on (two grouped
    queries for the whole page)."""
    reports = list(open_reports(limit))
    targets = {r.target_account_id for r in reports}
    reported = dict(
        Report.objects.filter(target_account_id__in=targets)
        .values_list("target_account_id")
        .annotate(n=Count("id"))
        .values_list("target_account_id", "n")
    )
    acted = dict(
        ModerationAction.objects.filter(target_account_id__in=targets)
        .values_list("target_account_id")
        .annotate(n=Count("id"))
        .values_list("target_account_id", "n")
    )
    return [
        QueueRow(r, reported.get(r.target_account_id, 0), acted.get(r.target_account_id, 0)) for r in reports
    ]


@dataclass
class ReportFile:
    """All a moderator needs to decide on one report."""

    report: Report
    cited_posts: list[Post]  # whatever their visibility: moderators read what was reported
    earlier_reports: list[Report]
    actions: list[ModerationAction]
    notes: list[ReportNote]
    recent_posts: list[Post]  # the target's latest posts, to choose from when acting
    readings: list[CitedPostsReading]  # who was shown the cited posts, and when


def report_file(report: Report) -> ReportFile:
    target = report.target_account
    return ReportFile(
        report=report,
        cited_posts=load_posts(list(report.post_ids)),
        earlier_reports=list(
            Report.objects.filter(target_account=target)
            .exclude(pk=report.pk)
            .select_related("reporter")
            .order_by("-id")[:20]
        ),
        actions=account_actions(target),
        notes=list(report.notes.select_related("author")),
        recent_posts=load_posts(
            list(
                Post.objects.filter(account=target, reblog_of__isnull=True)
                .order_by("-id")
                .values_list("id", flat=True)[:20]
            )
        ),
        readings=list(report.readings.select_related("reader").order_by("-id")[:20]),
    )


def account_actions(account: Account) -> list[ModerationAction]:
    return list(
        ModerationAction.objects.filter(target_account=account)
        .select_related("moderator", "lifted_by")
        .prefetch_related("rules")
        .order_by("-id")
    )


def latest_suspension(account: Account) -> ModerationAction | None:
    """The standing suspension a suspended person is shown when they sign in."""
    return (
        ModerationAction.objects.filter(target_account=account, kind="suspend", lifted_at__isnull=True)
        .order_by("-id")
        .first()
    )


def notice_for(user: User, action_id: int) -> ModerationAction | None:
    """The action, if `user` may read its notice: the person it is about, or a moderator."""
    action = (
        ModerationAction.objects.filter(pk=action_id)
        .select_related("target_account", "lifted_by")
        .prefetch_related("rules")
        .first()
    )
    if action is None:
        return None
    if user.may_moderate or (user.account_id is not None and action.target_account_id == user.account_id):
        return action
    return None


@dataclass
class AccountFile:
    """All a moderator needs to act on one account without a report: the reports about it, the decisions
    (standing and lifted), and its latest posts that the moderator may read, to cite."""

    account: Account
    reports: list[Report]
    actions: list[ModerationAction]
    recent_posts: list[Post]


ACCOUNT_FILE_REPORTS = 50


def account_file(account: Account, moderator: Account) -> AccountFile:
    """Only posts `moderator` may read under the one visibility rule are offered to cite: without a report
    there is no recorded reason to open followers-only or direct posts."""
    recent = (
        visible_posts(moderator, Post.objects.filter(account=account, reblog_of__isnull=True))
        .order_by("-id")
        .values_list("id", flat=True)[:20]
    )
    return AccountFile(
        account=account,
        reports=list(
            Report.objects.filter(target_account=account)
            .select_related("reporter")
            .order_by("-id")[:ACCOUNT_FILE_REPORTS]
        ),
        actions=account_actions(account),
        recent_posts=load_posts(list(recent)),
    )
