"""The public moderation log, `/about/moderation`, in three forms: the page (with the monthly chart drawn as
server-rendered SVG and the same numbers as a table), JSON and Atom. All three read `moderation.public_log`,
which publishes only what may be published, and page the decisions alike (newest first, `max_id`/`min_id`)."""

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from caravan.errors import DomainError
from caravan.moderation import public_log
from caravan.moderation.models import ActionKind
from caravan.pagination import Page
from caravan.web.shortcuts import handles_domain_errors, page_links
from caravan.web.views.moderation import KIND_LABELS

PAGE_SIZE = 20
EFFECT_LABELS = {
    "suspend": gettext_lazy("suspended"),
    "limit": gettext_lazy("limited"),
    "reject_media": gettext_lazy("media rejected"),
    "reject_reports": gettext_lazy("reports rejected"),
}
# One colour per kind, the same in the bars and the legend (readable on light and dark backgrounds).
KIND_COLOURS = {
    ActionKind.WARN: "#c9a227",
    ActionKind.SENSITIVE: "#4f8fbf",
    ActionKind.DELETE_POSTS: "#8e6fb8",
    ActionKind.LIMIT: "#d9731c",
    ActionKind.SUSPEND: "#b8323a",
}
CHART_WIDTH, CHART_HEIGHT = 360, 170
CHART_TOP, CHART_LABELS = 16, 24  # room above the tallest bar for its total, and below the bars for months
ATOM = "http://www.w3.org/2005/Atom"


def _page(request: HttpRequest) -> Page:
    return Page.from_params(request.GET, default_limit=PAGE_SIZE)


def _chart(months: list[public_log.MonthCount], *, rtl: bool) -> dict:
    """Geometry of the monthly bar chart: one stacked bar per month with decisions, a label per month; in a
    right-to-left page the oldest month is on the right, as the months read."""
    slot = CHART_WIDTH / max(1, len(months))
    tallest = max([m.total for m in months] + [1])
    plot = CHART_HEIGHT - CHART_LABELS
    columns = []
    for index, month in enumerate(months):
        position = len(months) - 1 - index if rtl else index
        x = round(position * slot + slot * 0.15, 1)
        width = round(slot * 0.7, 1)
        segments, top = [], plot
        for kind, n in month.counts.items():
            height = round((plot - CHART_TOP) * n / tallest, 1)
            top = round(top - height, 1)
            segments.append(
                {
                    "kind": kind,
                    "label": KIND_LABELS[kind],
                    "n": n,
                    "y": top,
                    "height": height,
                    "colour": KIND_COLOURS[kind],
                }
            )
        columns.append(
            {
                "month": month.month,
                "total": month.total,
                "x": x,
                "width": width,
                "centre": round(x + width / 2, 1),
                "segments": segments,
                "total_y": round(top - 4, 1),
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": plot,
        "label_y": plot + 16,
        "columns": columns,
    }


@require_safe
@handles_domain_errors
def moderation_log(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    decisions = public_log.decisions(page)
    months = public_log.monthly_counts()
    return render(
        request,
        "caravan/about_moderation.html",
        {
            "decisions": [{"d": d, "label": KIND_LABELS[d.kind]} for d in decisions],
            "shows_handles": public_log.shows_handles(),
            "table": [
                {"month": m.month, "cells": [m.counts.get(k, 0) for k in ActionKind.values], "total": m.total}
                for m in months
            ],
            "kinds": [
                {"kind": k, "label": KIND_LABELS[k], "colour": KIND_COLOURS[k]} for k in ActionKind.values
            ],
            "chart": _chart(months, rtl=translation.get_language_bidi()),
            "policies": [
                {"p": p, "effects": [EFFECT_LABELS[e] for e in p.effects]}
                for p in public_log.domain_policies()
            ],
            "pager": page_links(request, [d.id for d in decisions], page),
        },
    )


def _older(request: HttpRequest, path: str, decisions: list, page: Page) -> str:
    if len(decisions) < page.limit or not decisions:
        return ""
    return f"{settings.BASE_URL}{path}?" + urlencode({"limit": page.limit, "max_id": decisions[-1].id})


def _decision_json(d: public_log.LoggedDecision) -> dict:
    return {
        "id": str(d.id),
        "created_at": d.created_at.isoformat(),
        "action": d.kind,
        "rules": d.rules,
        "reason": d.reason,
        "account": d.handle or None,
        "lifted": d.lifted_at is not None,
        "lifted_at": d.lifted_at.isoformat() if d.lifted_at else None,
        "lift_reason": d.lift_reason if d.lifted_at else None,
        "appeal": (
            {
                "decided_at": d.appeal.decided_at.isoformat(),
                "accepted": d.appeal.accepted,
                "reason": d.appeal.reason,
            }
            if d.appeal
            else None
        ),
    }


@require_safe
def moderation_log_json(request: HttpRequest) -> HttpResponse:
    try:
        page = _page(request)
    except DomainError as error:
        return JsonResponse({"error": error.message}, status=error.status)
    decisions = public_log.decisions(page)
    return JsonResponse(
        {
            "handles_shown": public_log.shows_handles(),
            "decisions": [_decision_json(d) for d in decisions],
            "next": _older(request, "/about/moderation.json", decisions, page) or None,
            "monthly_counts": [
                {"month": m.month.strftime("%Y-%m"), "counts": m.counts, "total": m.total}
                for m in public_log.monthly_counts()
            ],
            "domain_policies": [
                {"domain": p.domain, "effects": p.effects, "reason": p.reason, "since": p.since.isoformat()}
                for p in public_log.domain_policies()
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _entry_id(decision_id: int) -> str:
    """A stable id per decision: its URL on this server, with a fragment, never reused."""
    return f"{settings.BASE_URL}/about/moderation#decision-{decision_id}"


@require_safe
@handles_domain_errors
def moderation_log_atom(request: HttpRequest) -> HttpResponse:
    """One entry per decision; `updated` moves when the decision is lifted, so readers see the change."""
    page = _page(request)
    decisions = public_log.decisions(page)
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, name: str, text: str = "", **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
        if text:
            element.text = text
        return element

    feed = ET.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": translation.get_language() or "en"}
    )
    sub(feed, "id", f"{settings.BASE_URL}/about/moderation")
    sub(feed, "title", _("Moderation log"))
    sub(feed, "link", rel="alternate", type="text/html", href=f"{settings.BASE_URL}/about/moderation")
    sub(feed, "link", rel="self", href=settings.BASE_URL + request.get_full_path())
    older = _older(request, "/about/moderation.atom", decisions, page)
    if older:
        sub(feed, "link", rel="next", href=older)
    updated = [d.lifted_at or d.created_at for d in decisions]
    if updated:
        sub(feed, "updated", max(updated).isoformat())
    else:
        sub(feed, "updated", "1970-01-01T00:00:00+00:00")
    sub(sub(feed, "author"), "name", _("Moderators of this server"))
    for d in decisions:
        entry = sub(feed, "entry")
        sub(entry, "id", _entry_id(d.id))
        label = str(KIND_LABELS[d.kind])
        sub(entry, "title", f"{label}: {d.handle}" if d.handle else label)
        sub(entry, "published", d.created_at.isoformat())
        sub(entry, "updated", (d.lifted_at or d.created_at).isoformat())
        sub(entry, "link", rel="alternate", type="text/html", href=_entry_id(d.id))
        sub(entry, "category", term=d.kind, label=label)
        lines = [
            _("Rules: %(rules)s") % {"rules": "; ".join(d.rules)},
            _("Reason: %(reason)s") % {"reason": d.reason},
        ]
        if d.lifted_at:
            when = formats.date_format(d.lifted_at, "DATE_FORMAT")
            lines.append(_("Lifted on %(date)s: %(reason)s") % {"date": when, "reason": d.lift_reason})
        sub(entry, "content", "\n".join(lines), type="text")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        feed, encoding="utf-8", xml_declaration=False
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
