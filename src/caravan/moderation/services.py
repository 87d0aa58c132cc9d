"""Moderation: filing reports (one function for a local user's report, web or API, and a remote server's Flag
alike), the moderators' work on them, and actions on accounts with their reasons. Only people whose
`User.may_moderate` holds may do anything but file a report; each function checks it, so every face is held to it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from caravan import error_codes, events, leaving, publishing
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.instance.domains import account_marks
from caravan.instance.models import Rule
from caravan.moderation import retention
from caravan.moderation.models import (
    ActionKind,
    Appeal,
    AppealState,
    CitedPostsReading,
    ModerationAction,
    Report,
    ReportCategory,
    ReportNote,
)
from caravan.notifications.services import notify_moderation_warning
from caravan.posts.models import Post
from caravan.posts.visibility import can_read

MAX_COMMENT = 1000
MAX_REMOTE_COMMENT = 5000
MAX_POSTS = 100


def create_report(
    reporter: Account,
    target: Account,
    *,
    post_ids: list[int] = (),
    rule_ids: list[int] = (),
    comment: str = "",
    category: str = ReportCategory.OTHER,
    forward: bool = False,
    uri: str = "",
) -> Report:
    """Report `target`. A local reporter may only cite posts of the target they can read; a remote server's
    report (with its Flag `uri`) is stored once however often it is delivered. `forward` (only for a local
    report about a remote account) also sends it to the target's server, emitted as `report.created`."""
    if uri:
        existing = Report.objects.filter(uri=uri).first()
        if existing is not None:
            return existing
    if target.id == reporter.id:
        raise DomainError(error_codes.CANNOT_REPORT_SELF, field="account_id")
    if category not in ReportCategory.values:
        raise DomainError(error_codes.REPORT_CATEGORY_INVALID, field="category")
    comment = comment or ""
    if reporter.is_local:
        if len(comment) > MAX_COMMENT:
            raise DomainError(error_codes.REPORT_COMMENT_TOO_LONG, field="comment", limit=MAX_COMMENT)
    else:
        comment = comment[:MAX_REMOTE_COMMENT]
    wanted = list(dict.fromkeys(post_ids))[:MAX_POSTS]
    posts = Post.objects.filter(pk__in=wanted, account=target).select_related("account", "reblog_of")
    cited = [p.id for p in posts if not reporter.is_local or can_read(p, reporter)]
    if reporter.is_local and len(cited) != len(wanted):
        raise DomainError(error_codes.RECORD_NOT_FOUND, field="status_ids")
    known_rules = set(Rule.objects.filter(pk__in=list(rule_ids)).values_list("id", flat=True))
    if reporter.is_local and len(known_rules) != len(set(rule_ids)):
        raise DomainError(error_codes.RULE_UNKNOWN, field="rule_ids")
    with transaction.atomic():
        report = Report.objects.create(
            reporter=reporter,
            target_account=target,
            post_ids=cited,
            rule_ids=sorted(known_rules),
            comment=comment,
            category=category,
            forward=forward,
            uri=uri,
        )
        # Federation forwards it (a Flag to the target's server) when the reporter asked for that.
        events.emit("report.created", report=report)
    return report


# The moderators' work ---------------------------------------------------------------------------------------

MAX_REASON = 5000
MAX_NOTE = 5000


def check_moderator(user: User | None) -> Account:
    """The moderator's account, or NOT_A_MODERATOR: the check every moderation function starts with."""
    if user is None or not getattr(user, "may_moderate", False) or user.account is None:
        raise DomainError(error_codes.NOT_A_MODERATOR)
    return user.account


# The field each account mark lives in, for the kinds that leave one (a warning and deleted posts leave none).
MARKS = {
    ActionKind.SUSPEND: "suspended_at",
    ActionKind.LIMIT: "limited_at",
    ActionKind.SENSITIVE: "sensitized_at",
}


def check_may_act_on(moderator_user: User, target: Account) -> None:
    """A moderator cannot act on the staff (other moderators, the admins): only an admin can, so that no
    moderator can silence or lock out the people who appointed them."""
    if target.is_local and not moderator_user.may_administer:
        staff = User.objects.filter(account=target).first()
        if staff is not None and staff.may_moderate:
            raise DomainError(error_codes.STAFF_NEEDS_ADMIN, field="account_id")


def check_action(
    moderator: Account,
    target: Account,
    kind: str,
    *,
    rule_ids: Iterable[int],
    reason: str,
    post_ids: Iterable[int],
) -> tuple[list[Rule], list[Post]]:
    """Validate an action, writing nothing: its rules and the target's cited posts, or a DomainError."""
    if kind not in ActionKind.values:
        raise DomainError(error_codes.MODERATION_KIND_UNKNOWN, field="kind")
    if target.id == moderator.id:
        raise DomainError(error_codes.CANNOT_MODERATE_SELF, field="account_id")
    if not (reason or "").strip():
        raise DomainError(error_codes.MODERATION_REASON_REQUIRED, field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(error_codes.REPORT_COMMENT_TOO_LONG, field="reason", limit=MAX_REASON)
    wanted_rules = set(rule_ids)
    rules = list(Rule.objects.filter(pk__in=wanted_rules))
    if not wanted_rules or len(rules) != len(wanted_rules):
        raise DomainError(error_codes.MODERATION_RULE_REQUIRED, field="rule_ids")
    wanted_posts = list(dict.fromkeys(post_ids))[:MAX_POSTS]
    posts = list(Post.objects.filter(pk__in=wanted_posts, account=target).select_related("account"))
    if len(posts) != len(wanted_posts) or (kind == ActionKind.DELETE_POSTS and not posts):
        raise DomainError(error_codes.MODERATION_POSTS_REQUIRED, field="status_ids")
    return rules, posts


def take_action(
    moderator_user: User,
    target: Account,
    kind: str,
    *,
    rule_ids: Iterable[int],
    reason: str,
    post_ids: Iterable[int] = (),
    report: Report | None = None,
) -> ModerationAction:
    """Act on `target` under the named rules, with a reason written for them; the cited posts are kept as they
    were (delete_posts deletes them). Suspend, limit and sensitive mark the account, which every read path then
    enforces (posts.visibility); a suspended local account's data goes after the appeal period (retention);
    a report it answers is resolved."""
    moderator = check_moderator(moderator_user)
    rules, posts = check_action(moderator, target, kind, rule_ids=rule_ids, reason=reason, post_ids=post_ids)
    check_may_act_on(moderator_user, target)
    now = timezone.now()
    with transaction.atomic():
        action = ModerationAction.objects.create(
            target_account=target,
            moderator=moderator,
            kind=kind,
            reason=reason.strip(),
            post_ids=[p.id for p in posts],
            posts=[_kept(p) for p in posts],
            report=report,
        )
        action.rules.set(rules)
        if kind == ActionKind.DELETE_POSTS:
            for post in posts:
                publishing.delete_post(post, moderator, by_moderator=True)
        mark = MARKS.get(kind)
        if mark is not None and getattr(target, mark) is None:
            Account.objects.filter(pk=target.pk).update(**{mark: now})
            setattr(target, mark, now)
        if kind == ActionKind.SUSPEND and target.is_local:
            retention.schedule_erasure(action)  # its data goes once the appeal period is over
        if report is not None:
            Report.objects.filter(pk=report.pk).update(
                action_taken=True,
                resolved_at=report.resolved_at or now,
                resolved_by=report.resolved_by or moderator,
            )
            report.refresh_from_db()
        events.emit("account.moderated", account=target, action=action)
        notify_moderation_warning(target, action.id)
    return action


def _kept(post: Post) -> dict:
    return {
        "id": str(post.id),
        "created_at": post.created_at.isoformat(),
        "visibility": post.visibility,
        "spoiler_text": post.spoiler_text,
        "content": post.content,
        "url": post.url or post.uri,
    }


def lift_action(moderator_user: User, action: ModerationAction, reason: str) -> ModerationAction:
    """Lift an action, with the reason. The account's mark goes when no other standing action of that kind
    holds it (nor its domain's policy); deleted posts stay deleted, and a deleted account stays deleted."""
    moderator = check_moderator(moderator_user)
    if action.lifted_at is not None:
        raise DomainError(error_codes.MODERATION_ACTION_LIFTED)
    if not (reason or "").strip():
        raise DomainError(error_codes.MODERATION_REASON_REQUIRED, field="reason")
    with transaction.atomic():
        action.lifted_at, action.lifted_by, action.lift_reason = timezone.now(), moderator, reason.strip()
        action.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        mark = MARKS.get(action.kind)
        standing = ModerationAction.objects.filter(
            target_account_id=action.target_account_id, kind=action.kind, lifted_at__isnull=True
        )
        # An account deleted since (by its owner, after the appeal period, or by its own server) stays a
        # tombstone: lifting never shows it again.
        target = Account.objects.get(pk=action.target_account_id)
        deleted = target.deleted_at is not None or (
            target.is_local and not User.objects.filter(account_id=target.pk).exists()
        )
        if mark is not None and not standing.exists() and not (mark == "suspended_at" and deleted):
            # A mark its domain's policy puts on every account there stays, with the policy's stamp; so does a
            # suspension by the account's own server (moderation.remote_suspensions).
            kept = account_marks(target.domain).get(mark)
            if mark == "suspended_at" and kept is None:
                kept = target.remote_suspended_at
            Account.objects.filter(pk=target.pk).update(**{mark: kept})
        events.emit("account.moderated", account=action.target_account, action=action)
    return action


def erase_suspended_now(moderator_user: User, account: Account) -> Account:
    """A moderator deletes a suspended account's data at once (Mastodon's `DELETE /api/v1/admin/accounts/:id`),
    rather than waiting for the appeal period: a local account is erased as the sweep would erase it, a remote
    one as if its server had deleted it (hidden for good). Refused while the account is not suspended, and while
    an appeal of its suspension is waiting: the person's answer is heard first."""
    check_moderator(moderator_user)
    check_may_act_on(moderator_user, account)
    if account.suspended_at is None:
        raise DomainError(error_codes.ACCOUNT_NOT_SUSPENDED)
    with transaction.atomic():
        waiting = Appeal.objects.filter(
            action__target_account=account, action__kind=ActionKind.SUSPEND, state=AppealState.PENDING
        )
        if waiting.exists():
            raise DomainError(error_codes.ACCOUNT_APPEAL_WAITING)
        if account.is_local:
            user = User.objects.filter(account=account).first()
            if user is not None:
                leaving.erase_local_account(user)
        else:
            leaving.forget_remote_account(account)
    return Account.objects.get(pk=account.pk)


def assign_report(moderator_user: User, report: Report) -> Report:
    """The moderator takes the report on (from whoever had it)."""
    report.assigned_to = check_moderator(moderator_user)
    report.save(update_fields=["assigned_to"])
    return report


def unassign_report(moderator_user: User, report: Report) -> Report:
    check_moderator(moderator_user)
    report.assigned_to = None
    report.save(update_fields=["assigned_to"])
    return report


def add_report_note(moderator_user: User, report: Report, text: str) -> ReportNote:
    author = check_moderator(moderator_user)
    text = (text or "").strip()
    if not text:
        raise DomainError(error_codes.REPORT_NOTE_BLANK, field="text")
    if len(text) > MAX_NOTE:
        raise DomainError(error_codes.REPORT_COMMENT_TOO_LONG, field="text", limit=MAX_NOTE)
    return ReportNote.objects.create(report=report, author=author, text=text)


def update_report(
    moderator_user: User,
    report: Report,
    *,
    category: str | None = None,
    rule_ids: Iterable[int] | None = None,
) -> Report:
    """A moderator re-files a report: another category, or the server's rules it is about (all known)."""
    check_moderator(moderator_user)
    if category is not None:
        if category not in ReportCategory.values:
            raise DomainError(error_codes.REPORT_CATEGORY_INVALID, field="category")
        report.category = category
    if rule_ids is not None:
        wanted = set(rule_ids)
        if len(Rule.objects.filter(pk__in=wanted)) != len(wanted):
            raise DomainError(error_codes.RULE_UNKNOWN, field="rule_ids")
        report.rule_ids = sorted(wanted)
    report.save(update_fields=["category", "rule_ids"])
    return report


def record_cited_posts_reading(moderator_user: User, report: Report, post_ids: list[int]) -> None:
    """Record that a moderator was shown these cited posts (whatever their visibility)."""
    reader = check_moderator(moderator_user)
    if post_ids:
        CitedPostsReading.objects.create(report=report, reader=reader, post_ids=list(post_ids))


def resolve_report(moderator_user: User, report: Report) -> Report:
    moderator = check_moderator(moderator_user)
    if report.resolved_at is not None:
        raise DomainError(error_codes.REPORT_ALREADY_RESOLVED)
    report.resolved_at, report.resolved_by = timezone.now(), moderator
    report.save(update_fields=["resolved_at", "resolved_by"])
    return report


def reopen_report(moderator_user: User, report: Report) -> Report:
    check_moderator(moderator_user)
    if report.resolved_at is None:
        raise DomainError(error_codes.REPORT_NOT_RESOLVED)
    report.resolved_at, report.resolved_by = None, None
    report.save(update_fields=["resolved_at", "resolved_by"])
    return report


# Acting on many accounts at once (the waves page) ----------------------------------------------------------

MAX_BULK = 500  # accounts per submission


@dataclass
class BulkOutcome:
    """What `take_actions` did: one action per account acted on, and the accounts left alone with why (the
    kind of error that stopped each: the moderator's own account, already suspended, or what take_action said)."""

    actions: list[ModerationAction] = field(default_factory=list)
    skipped: list[tuple[Account, DomainError]] = field(default_factory=list)


def take_actions(
    moderator_user: User,
    targets: Iterable[Account],
    kind: str,
    *,
    rule_ids: Iterable[int],
    reason: str,
) -> BulkOutcome:
    """The same action, rules and reason on each of `targets` (at most MAX_BULK): checked once, then each
    account gets its own ModerationAction, notice and public log entry through `take_action`, each in its own
    transaction, so one account that cannot be acted on never undoes the others. The moderator's own account
    and accounts already suspended are skipped and named in the outcome. Deleting posts is not a bulk action
    (it needs the posts): it fails the check."""
    moderator = check_moderator(moderator_user)
    unique = list({target.id: target for target in targets}.values())
    if not unique:
        raise DomainError(error_codes.BULK_NOTHING_SELECTED, field="account_ids")
    if len(unique) > MAX_BULK:
        raise DomainError(error_codes.BULK_TOO_MANY, field="account_ids", limit=MAX_BULK)
    rule_ids = list(rule_ids)
    others = [target for target in unique if target.id != moderator.id]
    check_action(
        moderator, others[0] if others else moderator, kind, rule_ids=rule_ids, reason=reason, post_ids=()
    )
    outcome = BulkOutcome()
    for target in unique:
        if target.id == moderator.id:
            outcome.skipped.append((target, DomainError(error_codes.CANNOT_MODERATE_SELF)))
            continue
        try:
            target.refresh_from_db(fields=["suspended_at"])  # another moderator may have acted meanwhile
        except Account.DoesNotExist:
            outcome.skipped.append((target, DomainError(error_codes.RECORD_NOT_FOUND)))
            continue
        if target.suspended_at is not None:
            outcome.skipped.append((target, DomainError(error_codes.ACCOUNT_ALREADY_SUSPENDED)))
            continue
        try:
            outcome.actions.append(
                take_action(moderator_user, target, kind, rule_ids=rule_ids, reason=reason)
            )
        except DomainError as error:
            outcome.skipped.append((target, error))
    return outcome
