"""The moderators' waves page (`/moderation/waves`): new accounts per hour as a server-drawn SVG chart with a
table beside it, clusters of new accounts, follow rings and hashtag or link bursts. Read-only."""

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from caravan.moderation import waves
from caravan.web.shortcuts import member_view

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


@member_view
def page(request: HttpRequest) -> HttpResponse:
    try:
        hours = int(request.GET.get("hours", waves.DEFAULT_HOURS))
    except ValueError:
        hours = waves.DEFAULT_HOURS
    if hours not in WINDOWS:
        hours = waves.DEFAULT_HOURS
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
                ("email_domain", report.email_domains),
                ("invite", report.invites),
                ("hour", report.busy_hours),
            ],
            "burst_kinds": [("hashtag", report.hashtag_bursts), ("link", report.link_bursts)],
        },
    )
