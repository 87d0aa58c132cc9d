"""Mastodon's admin API for reports and accounts (`/api/v1/admin/reports`, `/api/v1/admin/accounts`,
`/api/v2/admin/accounts`), the screens moderation apps are built on. Moderators only: a token with the admin
scopes still gets 403 when its person does not moderate (`moderation.services.check_moderator`, which every
service asks again). The Admin::Report and Admin::Account entities live here with the only views that render
them.

Mastodon's words, Caravan's rules: `silence` is a limit, `none` a warning, and each action (through
`moderation.services.take_action`) names the server's rules it is taken under (`rule_ids[]`, our extension,
else the report's) and a reason for the person (`text`). `disable` is not a moderation action here but the
person's sign-in turned off (`moderation.access`). Mastodon's `action_taken` means "resolved", so that is what
the report entity says.
"""

import ipaddress

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.accounts.services import approve_user, reject_user
from caravan.api.entities import ROLE_IDS, StatusRenderer, account, iso, role, rule
from caravan.api.http import api, paginated, params, parse_id
from caravan.api.params import Params
from caravan.errors import DomainError
from caravan.instance.models import Rule
from caravan.moderation import access, selectors, services
from caravan.moderation.models import ActionKind, Report
from caravan.moderation.selectors import ACCOUNT_STATUSES, AccountFilter
from caravan.pagination import Page, paginate
from caravan.posts.selectors import load_posts

# Mastodon's action types and the kinds of action they are here (`disable` is handled apart).
ACTION_KINDS = {
    "none": ActionKind.WARN,
    "sensitive": ActionKind.SENSITIVE,
    "silence": ActionKind.LIMIT,
    "suspend": ActionKind.SUSPEND,
}
ROLES_BY_ID = {number: name for name, number in ROLE_IDS.items()}


def _user_of(a: Account | None) -> User | None:
    if a is None:
        return None
    try:
        return a.user
    except User.DoesNotExist:
        return None


# Entities -----------------------------------------------------------------------------------------------------


def admin_account(a: Account) -> dict:
    """Mastodon's Admin::Account. A remote account has no person behind it here: no email, address, locale or
    role, and it is neither confirmed nor approved (as Mastodon says it)."""
    user = _user_of(a)
    inviter = user.invite.created_by.account_id if user is not None and user.invite_id else None
    ip = str(user.sign_up_ip) if user is not None and user.sign_up_ip else None
    return {
        "id": str(a.id),
        "username": a.username,
        "domain": a.domain or None,
        "created_at": iso(user.date_joined if user is not None else a.created_at),
        "email": user.email if user is not None else None,
        "ip": ip,
        "ips": [{"ip": ip, "used_at": iso(user.date_joined)}] if ip else [],
        "locale": (user.locale or settings.LANGUAGE_CODE) if user is not None else None,
        "invite_request": (user.registration_reason or None) if user is not None else None,
        "role": role(user) if user is not None else None,
        "confirmed": user is not None,  # addresses are not confirmed by email here
        "approved": user is not None and user.approved,
        "disabled": user is not None and not user.is_active,
        "silenced": a.limited_at is not None,
        "sensitized": a.sensitized_at is not None,
        "suspended": a.suspended_at is not None,
        "account": account(a),
        "created_by_application_id": None,
        "invited_by_account_id": str(inviter) if inviter else None,
    }


def admin_reports(reports: list[Report], moderator: User) -> list[dict]:
    """Mastodon's Admin::Report for a page of reports: the cited posts are loaded once for the page, shown
    whatever their visibility, and each report's reading of them is recorded (as the web report page does)."""
    cited = {p.id: p for p in load_posts([i for r in reports for i in r.post_ids])}
    renderer = StatusRenderer(moderator.account, cited.values())
    rules = {r.id: r for r in Rule.objects.filter(pk__in={i for r in reports for i in r.rule_ids})}
    out = []
    for report in reports:
        posts = [cited[i] for i in report.post_ids if i in cited]
        services.record_cited_posts_reading(moderator, report, [p.id for p in posts])
        out.append(_admin_report(report, [renderer.render(p) for p in posts], rules))
    return out


def _admin_report(report: Report, statuses: list[dict], rules: dict[int, Rule]) -> dict:
    resolved = report.resolved_at is not None
    changed = max(moment for moment in (report.created_at, report.resolved_at) if moment is not None)
    return {
        "id": str(report.id),
        "action_taken": resolved,
        "action_taken_at": iso(report.resolved_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forward and not report.target_account.is_local,
        "created_at": iso(report.created_at),
        "updated_at": iso(changed),
        "account": admin_account(report.reporter),
        "target_account": admin_account(report.target_account),
        "assigned_account": admin_account(report.assigned_to) if report.assigned_to_id else None,
        "action_taken_by_account": admin_account(report.resolved_by) if report.resolved_by_id else None,
        "statuses": statuses,
        "rules": [rule(rules[i]) for i in report.rule_ids if i in rules],
    }


# Reports ------------------------------------------------------------------------------------------------------


def _report(request: HttpRequest, report_id: str) -> Report:
    services.check_moderator(request.api_user)
    found = selectors.report_for_moderators(parse_id(report_id))
    if found is None:
        raise Http404
    return found


def _one_report(request: HttpRequest, report: Report) -> dict:
    fresh = selectors.report_for_moderators(report.id)
    return admin_reports([fresh], request.api_user)[0]


@api(scope="admin:read:reports")
def reports_list(request: HttpRequest):
    """Open reports (`resolved=true`: resolved ones), newest first, by reporter (`account_id`) or reported
    account (`target_account_id`)."""
    services.check_moderator(request.api_user)
    values = params(request)
    reports = selectors.reports_matching(
        resolved=values.bool("resolved", False),
        reporter_id=values.id("account_id"),
        target_id=values.id("target_account_id"),
    )
    page = paginate(reports, Page.from_params(values, default_limit=100, max_limit=200))
    return paginated(request, admin_reports(page, request.api_user), [r.id for r in page])


@api(scope="admin:read:reports")
def report_get(request: HttpRequest, object_id: str):
    return _one_report(request, _report(request, object_id))


@api(scope="admin:write:reports")
def report_update(request: HttpRequest, object_id: str):
    """`PUT`: another `category`, or the rules (`rule_ids[]`) the report is about."""
    report, values = _report(request, object_id), params(request)
    category = values.str("category")
    rule_ids = values.ids("rule_ids") if values.get("rule_ids") is not None else None
    return _one_report(
        request, services.update_report(request.api_user, report, category=category, rule_ids=rule_ids)
    )


@api(scope="admin:write:reports")
def report_assign_to_self(request: HttpRequest, object_id: str):
    return _one_report(request, services.assign_report(request.api_user, _report(request, object_id)))


@api(scope="admin:write:reports")
def report_unassign(request: HttpRequest, object_id: str):
    return _one_report(request, services.unassign_report(request.api_user, _report(request, object_id)))


@api(scope="admin:write:reports")
def report_resolve(request: HttpRequest, object_id: str):
    return _one_report(request, services.resolve_report(request.api_user, _report(request, object_id)))


@api(scope="admin:write:reports")
def report_reopen(request: HttpRequest, object_id: str):
    return _one_report(request, services.reopen_report(request.api_user, _report(request, object_id)))


# Accounts: reading ----------------------------------------------------------------------------------------------


def _choice(values: Params, name: str, choices: tuple[str, ...]) -> str:
    value = values.str(name, "")
    if value and value not in choices:
        raise DomainError(error_codes.ADMIN_FILTER_INVALID, field=name, name=name, choices=", ".join(choices))
    return value


def _ip(values: Params) -> str:
    value = (values.str("ip", "") or "").strip()
    if not value:
        return ""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    # A scoped IPv6 address (fe80::1%eth0) is never a stored one, and PostgreSQL's inet refuses it.
    if address is None or getattr(address, "scope_id", None):
        raise DomainError(error_codes.IP_ADDRESS_INVALID, field="ip", name="ip")
    return str(address)


def _text(values: Params, name: str) -> str:
    return (values.str(name, "") or "").strip()[:200]


def _accounts_page(request: HttpRequest, values: Params, wanted: AccountFilter):
    rows = paginate(
        selectors.accounts_matching(wanted), Page.from_params(values, default_limit=100, max_limit=200)
    )
    return paginated(request, [admin_account(a) for a in rows], [a.id for a in rows])


@api(scope="admin:read:accounts")
def accounts_v1(request: HttpRequest):
    """Mastodon's v1 filters: `local`/`remote`, a status flag (`active`, `pending`, `disabled`, `silenced`,
    `suspended`, `sensitized`), `staff`, and `username`, `display_name`, `by_domain`, `email`, `ip`."""
    services.check_moderator(request.api_user)
    values = params(request)
    origin = "local" if values.bool("local", False) else "remote" if values.bool("remote", False) else ""
    status = next((name for name in ACCOUNT_STATUSES if values.bool(name, False)), "")
    wanted = AccountFilter(
        origin=origin,
        status=status,
        staff=bool(values.bool("staff", False)),
        username=_text(values, "username"),
        display_name=_text(values, "display_name"),
        domain=_text(values, "by_domain"),
        email=_text(values, "email"),
        ip=_ip(values),
    )
    return _accounts_page(request, values, wanted)


@api(scope="admin:read:accounts")
def accounts_v2(request: HttpRequest):
    """Mastodon's v2 filters: `origin` (local, remote), `status`, `permissions` (staff), `role_ids[]`,
    `invited_by`, and `username`, `display_name`, `by_domain`, `email`, `ip`."""
    services.check_moderator(request.api_user)
    values = params(request)
    role_ids = values.strs("role_ids")
    wanted = AccountFilter(
        origin=_choice(values, "origin", ("local", "remote")),
        status=_choice(values, "status", ACCOUNT_STATUSES),
        staff=_choice(values, "permissions", ("staff",)) == "staff",
        # Roles named by id (`entities.ROLE_IDS`); an id of no role here (the everyone role) matches nobody.
        roles=tuple(ROLES_BY_ID.get(number, "none") for number in role_ids),
        invited_by=values.id("invited_by"),
        username=_text(values, "username"),
        display_name=_text(values, "display_name"),
        domain=_text(values, "by_domain"),
        email=_text(values, "email"),
        ip=_ip(values),
    )
    return _accounts_page(request, values, wanted)


def _account(request: HttpRequest, account_id: str) -> Account:
    services.check_moderator(request.api_user)
    found = selectors.account_for_moderators(parse_id(account_id))
    if found is None:
        raise Http404
    return found


def _fresh(a: Account) -> dict:
    found = selectors.account_for_moderators(a.id)
    if found is None:  # rejected just now: what it was
        return admin_account(a)
    return admin_account(found)


@api(scope="admin:read:accounts")
def account_get(request: HttpRequest, object_id: str):
    return admin_account(_account(request, object_id))


# Accounts: acting -----------------------------------------------------------------------------------------------


@api(scope="admin:write:accounts")
def account_delete(request: HttpRequest, object_id: str):
    """`DELETE`: a suspended account's data deleted at once (refused while an appeal of it is waiting)."""
    return admin_account(services.erase_suspended_now(request.api_user, _account(request, object_id)))


@api(scope="admin:write:accounts")
def account_action(request: HttpRequest, object_id: str):
    """`type` none, sensitive, silence or suspend: a moderation action under the rules `rule_ids[]` names (else
    the report's, `report_id`), with `text` as the reason for the person; the report, if any, is resolved and
    its cited posts are the action's. `disable`: the person's sign-in turned off. Mastodon's
    `warning_preset_id` and `send_email_notification` are accepted and ignored (the person is always told)."""
    moderator = request.api_user
    target = _account(request, object_id)
    values = params(request)
    kind = values.str("type", "")
    if kind != "disable" and kind not in ACTION_KINDS:
        raise DomainError(error_codes.ADMIN_ACTION_TYPE_UNKNOWN, field="type")
    report = None
    report_id = values.id("report_id")
    if report_id is not None:
        report = selectors.report_about(report_id, target)
        if report is None:
            raise DomainError(error_codes.RECORD_NOT_FOUND, field="report_id")
    rule_ids = values.ids("rule_ids")
    text = values.str("text", "") or ""
    if kind == "disable":
        with transaction.atomic():
            access.disable_sign_in(moderator, target)
            if report is not None and report.resolved_at is None:
                services.resolve_report(moderator, report)
        return {}
    rule_ids = rule_ids or (list(report.rule_ids) if report is not None else [])
    if not rule_ids:
        raise DomainError(error_codes.ADMIN_ACTION_RULES_REQUIRED, field="rule_ids")
    if not text.strip():
        raise DomainError(error_codes.MODERATION_REASON_REQUIRED, field="text")
    # The report's cited posts that are still there (a post deleted since is no longer the account's).
    posts = [p.id for p in load_posts(list(report.post_ids)) if p.account_id == target.id] if report else []
    services.take_action(
        moderator,
        target,
        ACTION_KINDS[kind],
        rule_ids=rule_ids,
        reason=text,
        post_ids=posts,
        report=report,
    )
    return {}


def _lift_reason(target: Account) -> str:
    """The reason a lifting through an app gives, in the person's language (it is written for them)."""
    user = _user_of(target)
    language = (user.interface_language if user is not None else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return _("Lifted by a moderator through an app.")


def _lift(request: HttpRequest, object_id: str, kind: str) -> dict:
    """Lift every standing action of this kind on the account (none standing: nothing to do)."""
    target = _account(request, object_id)
    reason = _lift_reason(target)
    with transaction.atomic():
        for action in selectors.standing_actions(target, kind):
            services.lift_action(request.api_user, action, reason)
    return _fresh(target)


@api(scope="admin:write:accounts")
def account_unsilence(request: HttpRequest, object_id: str):
    return _lift(request, object_id, ActionKind.LIMIT)


@api(scope="admin:write:accounts")
def account_unsuspend(request: HttpRequest, object_id: str):
    return _lift(request, object_id, ActionKind.SUSPEND)


@api(scope="admin:write:accounts")
def account_unsensitive(request: HttpRequest, object_id: str):
    return _lift(request, object_id, ActionKind.SENSITIVE)


@api(scope="admin:write:accounts")
def account_enable(request: HttpRequest, object_id: str):
    target = _account(request, object_id)
    access.enable_sign_in(request.api_user, target)
    return _fresh(target)


def _pending_user(request: HttpRequest, object_id: str) -> tuple[Account, User]:
    target = _account(request, object_id)
    user = _user_of(target)
    if user is None or user.approved:
        raise DomainError(error_codes.ACCOUNT_NOT_PENDING)
    return target, user


@api(scope="admin:write:accounts")
def account_approve(request: HttpRequest, object_id: str):
    target, user = _pending_user(request, object_id)
    approve_user(user)
    return _fresh(target)


@api(scope="admin:write:accounts")
def account_reject(request: HttpRequest, object_id: str):
    """Turn the sign-up down: the user and their empty account are removed; the answer is what it was."""
    target, user = _pending_user(request, object_id)
    shown = admin_account(target)
    reject_user(user)
    return shown
