"""Filing reports: one function for a local user's report (web or API) and a remote server's Flag alike."""

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.instance.models import Rule
from caravan.moderation.models import Report, ReportCategory
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
    report (with its Flag `uri`) is stored once however often it is delivered."""
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
    return Report.objects.create(
        reporter=reporter,
        target_account=target,
        post_ids=cited,
        rule_ids=sorted(known_rules),
        comment=comment,
        category=category,
        forward=forward,
        uri=uri,
    )
