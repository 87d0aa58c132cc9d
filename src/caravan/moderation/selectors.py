"""Reading moderation: the queue of open reports, what a moderator sees about one report or one account, and
the notices a person reads about actions on their own account."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from caravan.accounts.models import Account, Role, User
from caravan.moderation.models import CitedPostsReading, ModerationAction, Report, ReportNote
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts

QUEUE_SIZE = 100


def open_reports(limit: int | None = None, after: int | None = None) -> QuerySet[Report]:
    """Open reports, oldest first (the ones waiting longest come first), with the accounts each row names;
    `after` pages on by id (the report_queue index), so a page costs the same however long the queue is."""
    reports = Report.objects.filter(resolved_at__isnull=True)
    if after is not None:
        reports = reports.filter(id__gt=after)
    return reports.select_related("reporter", "target_account", "assigned_to").order_by("id")[
        : limit or QUEUE_SIZE
    ]


def open_report_count() -> int:
    return Report.objects.filter(resolved_at__isnull=True).count()


@dataclass
class QueueRow:
    report: Report
    reports_about_target: int  # every report about the account, this one included
    actions_on_target: int  # decisions taken about the account before


def report_queue(limit: int | None = None, after: int | None = None) -> list[QueueRow]:
    """The open reports with, for each reported account, how often it was reported and acted on (two grouped
    queries for the whole page)."""
    reports = list(open_reports(limit, after))
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


# The admin API (Mastodon's `/api/v1/admin/...`): reports and accounts by filter, as querysets for the caller
# to page by id. Each relation an entity shows is joined here, so a page costs a fixed number of queries.

REPORT_RELATIONS = (
    "reporter__user__invite__created_by",
    "target_account__user__invite__created_by",
    "assigned_to__user__invite__created_by",
    "resolved_by__user__invite__created_by",
)


def reports_matching(
    *, resolved: bool | None = None, reporter_id: int | None = None, target_id: int | None = None
) -> QuerySet[Report]:
    """Reports, open or resolved (None: both), filed by one account or about one account."""
    reports = Report.objects.select_related(*REPORT_RELATIONS)
    if resolved is not None:
        reports = reports.filter(resolved_at__isnull=not resolved)
    if reporter_id is not None:
        reports = reports.filter(reporter_id=reporter_id)
    if target_id is not None:
        reports = reports.filter(target_account_id=target_id)
    return reports


def report_for_moderators(report_id: int) -> Report | None:
    return reports_matching().filter(pk=report_id).first()


def report_about(report_id: int, target: Account) -> Report | None:
    """The report, if it is about `target` (an action answers only a report about its account)."""
    return Report.objects.filter(pk=report_id, target_account=target).first()


ACCOUNT_STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")


@dataclass(frozen=True)
class AccountFilter:
    """What moderators look accounts up by (Mastodon's admin account filters). Empty fields match all."""

    origin: str = ""  # "local", "remote"
    status: str = ""  # one of ACCOUNT_STATUSES; "active" is "not suspended", as on Mastodon
    staff: bool = False  # moderators and admins only
    roles: tuple[str, ...] = ()  # accounts.models.Role values
    invited_by: int | None = None  # the inviting account
    username: str = ""  # starts with, any case
    display_name: str = ""  # contains, any case
    domain: str = ""  # contains, any case
    email: str = ""  # starts with, any case
    ip: str = ""  # the sign-up address, exactly


def accounts_matching(wanted: AccountFilter) -> QuerySet[Account]:
    accounts = Account.objects.select_related("user__invite__created_by", "moved_to")
    if wanted.origin == "local":
        accounts = accounts.filter(domain="")
    elif wanted.origin == "remote":
        accounts = accounts.exclude(domain="")
    status_filters = {
        "active": {"suspended_at__isnull": True},
        "pending": {"user__approved": False},
        "disabled": {"user__is_active": False},
        "silenced": {"limited_at__isnull": False},
        "suspended": {"suspended_at__isnull": False},
        "sensitized": {"sensitized_at__isnull": False},
    }
    if wanted.status:
        accounts = accounts.filter(**status_filters[wanted.status])
    if wanted.staff:
        accounts = accounts.filter(
            Q(user__role__in=(Role.MODERATOR, Role.ADMIN)) | Q(user__is_superuser=True)
        )
    if wanted.roles:
        admin = Role.ADMIN in wanted.roles
        accounts = accounts.filter(
            Q(user__role__in=wanted.roles) | (Q(user__is_superuser=True) if admin else Q(pk__in=()))
        )
    if wanted.invited_by is not None:
        accounts = accounts.filter(user__invite__created_by__account_id=wanted.invited_by)
    if wanted.username:
        accounts = accounts.filter(username__istartswith=wanted.username)
    if wanted.display_name:
        accounts = accounts.filter(display_name__icontains=wanted.display_name)
    if wanted.domain:
        accounts = accounts.filter(domain__icontains=wanted.domain)
    if wanted.email:
        accounts = accounts.filter(user__email__istartswith=wanted.email)
    if wanted.ip:
        accounts = accounts.filter(user__sign_up_ip=wanted.ip)
    return accounts


def account_for_moderators(account_id: int) -> Account | None:
    return accounts_matching(AccountFilter()).filter(pk=account_id).first()


def standing_actions(account: Account, kind: str) -> list[ModerationAction]:
    """The actions of one kind on the account that have not been lifted, oldest first."""
    return list(
        ModerationAction.objects.filter(target_account=account, kind=kind, lifted_at__isnull=True)
        .select_related("target_account")
        .order_by("id")
    )


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
