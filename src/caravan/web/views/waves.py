"""The moderators' waves page (`/moderation/waves`): new accounts per hour as a server-drawn SVG chart with a
table beside it, clusters of new accounts, follow rings and hashtag or link bursts; and one form to act on the
accounts ticked there (`/moderation/waves/act`), each cluster's listed members selectable at once, without
JavaScript: a cluster's box carries its members' ids."""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_POST

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.instance.models import Rule
from caravan.moderation import services, waves
from caravan.moderation.models import ActionKind
from caravan.web.shortcuts import member_view, moderators_only
from caravan.web.views.moderation import KIND_LABELS

# Deleting posts needs the posts, which a cluster does not name: it stays on a report's page.
BULK_KINDS = [(kind, label) for kind, label in KIND_LABELS.items() if kind != ActionKind.DELETE_POSTS]

WINDOWS = (6, 12, 24, 48, 72, 168)  # hours a moderator can choose
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = (
    720,
    160,
    16,
)  # SVG user units: bars area, and room above for the top count


@dataclass(frozen=True)
class Bar:
    hour: datetime
    count: int
    x: float
    y: float
    width: float
    height: float
    label: bool  # whether the hour is written under the axis

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)


def chart_bars(per_hour: list[tuple[datetime, int]], *, right_to_left: bool) -> list[Bar]:
    """One bar per hour, oldest first in reading order: from the right in Arabic, so time runs the way the
    page reads, as the table beside it does."""
    if not per_hour:
        return []
    top = max(count for _, count in per_hour) or 1
    width = CHART_WIDTH / len(per_hour)
    every = max(1, len(per_hour) // 6)  # about six hour labels whatever the window
    bars = []
    for index, (hour, count) in enumerate(per_hour):
        x = CHART_WIDTH - (index + 1) * width if right_to_left else index * width
        height = CHART_HEIGHT * count / top
        bars.append(
            Bar(
                hour=hour,
                count=count,
                x=round(x + width * 0.1, 2),
                y=round(CHART_TOP + CHART_HEIGHT - height, 2),
                width=round(width * 0.8, 2),
                height=round(height, 2),
                label=index % every == every // 2,  # away from the edges, where a centred label would be cut
            )
        )
    return bars


def _hours(value: str | None) -> int:
    try:
        hours = int(value or waves.DEFAULT_HOURS)
    except ValueError:
        return waves.DEFAULT_HOURS
    return hours if hours in WINDOWS else waves.DEFAULT_HOURS


@member_view
def page(request: HttpRequest) -> HttpResponse:
    return _render_page(request, _hours(request.GET.get("hours")))


def _render_page(request: HttpRequest, hours: int, *, bulk: dict | None = None, status: int = 200):
    report = waves.waves_report(request.user, hours=hours)  # moderators only: a 403 page for anyone else
    bars = chart_bars(report.per_hour, right_to_left=translation.get_language_bidi())
    return render(
        request,
        "caravan/moderation/waves.html",
        {
            "report": report,
            "bars": bars,
            "top": max((bar.count for bar in bars), default=0),
            "windows": WINDOWS,
            "chart": {
                "width": CHART_WIDTH,
                "height": CHART_TOP + CHART_HEIGHT + 28,
                "axis": CHART_TOP + CHART_HEIGHT,
                "label_y": CHART_TOP + CHART_HEIGHT + 20,
            },
            "clusters": [
                ("address", report.addresses),
                ("network", report.networks),
                ("email_domain", report.email_domains),
                ("invite", report.invites),
                ("hour", report.busy_hours),
            ],
            "burst_kinds": [("hashtag", report.hashtag_bursts), ("link", report.link_bursts)],
            "kinds": BULK_KINDS,
            "rules": list(Rule.objects.all()),
            "max_bulk": services.MAX_BULK,
            # What the moderator sent when the form comes back with an error, so nothing has to be ticked again.
            "bulk": bulk or {"selected": set(), "rule_ids": set(), "kind": "", "reason": "", "error": ""},
        },
        status=status,
    )


def _numbers(values: list[str]) -> list[int]:
    """Whole numbers from form values, each of which may hold several separated by commas (a cluster's box);
    anything else is a 400, never a 500."""
    found = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                number = parse_int64(part.strip())
                if number is None or number < 0:
                    raise DomainError(error_codes.NOT_A_WHOLE_NUMBER, status=400)
                found.append(number)
    return list(dict.fromkeys(found))


@require_POST
@member_view
def act(request: HttpRequest) -> HttpResponse:
    """One action, rules and reason on every ticked account; the result page names who was acted on and who
    was skipped and why. A form that cannot be done comes back with the message and the ticks kept."""
    moderators_only(request)
    form = request.POST
    hours = _hours(form.get("hours"))
    ids = _numbers(form.getlist("account_ids") + form.getlist("cluster"))
    rule_ids = _numbers(form.getlist("rule_ids"))
    kind, reason = form.get("kind", ""), form.get("reason", "")
    try:
        if len(ids) > services.MAX_BULK:
            raise DomainError(error_codes.BULK_TOO_MANY, limit=services.MAX_BULK)
        targets = list(Account.objects.filter(pk__in=ids, domain=""))
        outcome = services.take_actions(request.user, targets, kind, rule_ids=rule_ids, reason=reason)
    except DomainError as error:
        if error.status == 403:
            raise
        bulk = {
            "selected": set(ids),
            "rule_ids": set(rule_ids),
            "kind": kind,
            "reason": reason,
            "error": error.message,
        }
        return _render_page(request, hours, bulk=bulk, status=error.status)
    return render(
        request,
        "caravan/moderation/waves_done.html",
        {"outcome": outcome, "label": KIND_LABELS.get(kind, kind), "hours": hours},
    )
