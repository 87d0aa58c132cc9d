"""Campaign pages: the list, starting one, a campaign's page (counts per level, a server-rendered SVG chart of
commitments over time, joining, changing level, leaving, the starter list), its JSON feed, its join link and QR
code, the guided move once the target is met, and the admins' approval page. Every change goes through
`campaigns.services`; counts are read from the campaign row, never counted here."""

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from caravan import error_codes
from caravan.accounts.services import find_account
from caravan.campaigns import selectors, services
from caravan.campaigns.models import LEVELS, Campaign, Level, Status
from caravan.errors import DomainError, each_error
from caravan.pagination import Page
from caravan.web.confirm import ask_first
from caravan.web.shortcuts import handles_domain_errors, member_view, page_links

LEVEL_LABELS = {
    Level.WILL_MOVE: gettext_lazy("I will move when the target is met"),
    Level.MOVED: gettext_lazy("I have moved"),
    Level.LEFT: gettext_lazy("I have left the old platform"),
}
LEVEL_SHORT = {
    Level.WILL_MOVE: gettext_lazy("Will move"),
    Level.MOVED: gettext_lazy("Have moved"),
    Level.LEFT: gettext_lazy("Have left"),
}
# One colour per line, the same in the chart and the legend (readable on light and dark backgrounds).
LINE_COLOURS = {"total": "#2b6cb0", Level.WILL_MOVE: "#c9a227", Level.MOVED: "#2f855a", Level.LEFT: "#b8323a"}
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 360, 170, 20


def _viewer(request: HttpRequest):
    return request.user.account if request.user.is_authenticated else None


def _campaign(request: HttpRequest, campaign_id: str) -> Campaign:
    campaign = selectors.find(campaign_id, viewer=_viewer(request))
    if campaign is None:
        raise Http404
    return campaign


def _chart(days: list[selectors.DayCounts], target: int, *, rtl: bool) -> dict:
    """Geometry of the line chart: the headline (verified) total and each level, one point per day; in a
    right-to-left page the oldest day is on the right. The scale runs from 0 to the target (or the highest count
    past it), so the lines show the way to the target and a new commitment always raises them."""
    tallest = max([d.headline for d in days] + [1])
    top = max(tallest, target) * 1.05
    plot_height = CHART_HEIGHT - 2 * CHART_PAD
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(1, len(days) - 1)

    def x(index: int) -> float:
        position = len(days) - 1 - index if rtl else index
        return round(CHART_PAD + position * step, 1)

    def y(value: int) -> float:
        return round(CHART_HEIGHT - CHART_PAD - plot_height * value / top, 1)

    lines = []
    for key in ("total", *LEVELS):
        values = [d.headline if key == "total" else d.counts[f"{key}_verified"] for d in days]
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        if len(days) == 1:  # one day: a short flat line, so there is something to see
            points = f"{CHART_PAD},{y(values[0])} {CHART_WIDTH - CHART_PAD},{y(values[0])}"
        lines.append(
            {
                "key": key,
                "points": points,
                "colour": LINE_COLOURS[key],
                "latest": values[-1],
                "width": 3 if key == "total" else 1.5,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "lines": lines,
        "target_y": y(target),
        "first": days[0].day,
        "last": days[-1].day,
        "first_x": x(0),
        "last_x": x(len(days) - 1),
        "label_y": CHART_HEIGHT - 4,
    }


def _join_link(campaign: Campaign) -> str:
    return f"{settings.BASE_URL}{campaign.path}/join"


@require_safe
@handles_domain_errors
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = Page.from_params(request.GET, default_limit=20)
    found = selectors.campaigns(page)
    return render(
        request,
        "caravan/campaigns/list.html",
        {"campaigns": found, "pager": page_links(request, [c.id for c in found], page)},
    )


@member_view
def start(request: HttpRequest) -> HttpResponse:
    form = {"title": "", "description": "", "target": "", "deadline": ""}
    status = 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in form}
        try:
            campaign = services.start_campaign(request.user.account, **form)
        except DomainError as error:
            for each in each_error(error):  # every problem at once
                messages.error(request, each.message)
            status = error.status
        else:
            if campaign.status == Status.PENDING:
                messages.info(request, _("Your campaign waits for an admin's approval."))
            return redirect(campaign.path)
    return render(
        request,
        "caravan/campaigns/start.html",
        {"form": form, "max_title": services.MAX_TITLE, "max_description": services.MAX_DESCRIPTION},
        status=status,
    )


@require_safe
@handles_domain_errors
def campaign_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    services.settle_verifications(campaign)
    viewer = _viewer(request)
    membership = selectors.membership(campaign, viewer)
    days = selectors.series(campaign)
    levels = [
        {
            "level": level,
            "label": LEVEL_LABELS[level],
            "short": LEVEL_SHORT[level],
            "verified": getattr(campaign, f"{level}_verified"),
            "unverified": getattr(campaign, f"{level}_unverified"),
            "colour": LINE_COLOURS[level],
        }
        for level in LEVELS
    ]
    return render(
        request,
        "caravan/campaigns/campaign.html",
        {
            "campaign": campaign,
            "levels": levels,
            "membership": membership,
            "membership_label": LEVEL_LABELS[membership.level] if membership else "",
            "chart": _chart(days, campaign.target, rtl=translation.get_language_bidi()),
            "total_colour": LINE_COLOURS["total"],
            "table": days[-14:],
            "starters": selectors.starters(campaign),
            "asked_to_start": selectors.pending_starter(campaign, viewer),
            "is_owner": viewer is not None and viewer.pk == campaign.owner_id,
            "join_link": _join_link(campaign),
            "percent": min(100, round(100 * campaign.headline / campaign.target)),
        },
    )


def _feed(campaign: Campaign) -> dict:
    return {
        "id": str(campaign.id),
        "url": f"{settings.BASE_URL}{campaign.path}",
        "title": campaign.title,
        "description": campaign.description,
        "target": campaign.target,
        "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
        "target_met_at": campaign.target_met_at.isoformat() if campaign.target_met_at else None,
        "headline_count": campaign.headline,
        "counts": selectors.by_level(campaign.counts()),
    }


@require_safe
def campaign_json(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = selectors.find(campaign_id)
    if campaign is None:
        return JsonResponse({"error": _("Record not found")}, status=404)
    services.settle_verifications(campaign)
    body = _feed(campaign)
    body["series"] = selectors.series_data(campaign)
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@member_view
@require_POST
def join(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    try:
        services.join(campaign, request.user.account, request.POST.get("level", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your commitment is counted."))
    return redirect(campaign.path)


@member_view
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """GET asks first; POST leaves."""
    campaign = _campaign(request, campaign_id)
    if request.method == "GET":
        return ask_first(
            request,
            title=_("Leave this campaign?"),
            question=_(
                "Your commitment is taken out of the campaign's counts. You can join again later, but the "
                "campaign will not count you until you do."
            ),
            button=_("Leave the campaign"),
            cancel=campaign.path,
        )
    try:
        services.leave(campaign, request.user.account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left this campaign."))
    return redirect(campaign.path)


@require_safe
@handles_domain_errors
def join_link(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """The link and QR code lead here: a member goes to the campaign, a newcomer to a sign-up form that joins
    the campaign in the same step."""
    campaign = _campaign(request, campaign_id)
    if request.user.is_authenticated:
        return redirect(campaign.path)
    return redirect("/auth/sign_up?" + urlencode({"campaign": campaign.id}))


@require_safe
def qr_code(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    out = io.BytesIO()
    segno.make(_join_link(campaign), error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, title=campaign.title
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@member_view
def guided_move(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    account = request.user.account
    return render(
        request,
        "caravan/campaigns/move.html",
        {
            "campaign": campaign,
            "membership": selectors.membership(campaign, account),
            "starters": selectors.starters(campaign),
            "from_elsewhere": bool(account.also_known_as),
        },
    )


@member_view
@require_POST
def follow_all(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    asked = services.follow_starters(campaign, request.user.account)
    messages.success(request, _("Asked to follow %(n)s starter accounts.") % {"n": asked})
    return redirect(request.POST.get("next") == "move" and f"{campaign.path}/move" or campaign.path)


@member_view
@require_POST
def add_starter(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    name = request.POST.get("handle", "").strip().lstrip("@")[:64]
    account = find_account(name) if name and "@" not in name else None
    try:
        if account is None:
            raise DomainError(error_codes.CAMPAIGN_STARTER_NOT_LOCAL, field="handle")
        services.add_starter(campaign, request.user.account, account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Asked; they are listed once they accept."))
    return redirect(campaign.path)


@member_view
@require_POST
def answer_starter(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    services.answer_starter(campaign, request.user.account, accept=request.POST.get("answer") == "accept")
    return redirect(campaign.path)


@member_view
def approvals(request: HttpRequest) -> HttpResponse:
    """Admins open or turn down the campaigns awaiting approval (with CARAVAN_CAMPAIGNS_NEED_APPROVAL)."""
    if not request.user.may_administer:
        raise PermissionDenied
    if request.method == "POST":
        campaign = selectors.find_any(request.POST.get("campaign", ""))
        if campaign is None:
            raise Http404
        try:
            services.decide_campaign(request.user, campaign, approve=request.POST.get("answer") == "approve")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("/admin/campaigns")
    page = Page.from_params(request.GET, default_limit=40)
    return render(
        request,
        "caravan/campaigns/approvals.html",
        {"campaigns": selectors.campaigns(page, status=Status.PENDING)},
    )


@member_view
def remote_campaign(request: HttpRequest) -> HttpResponse:
    """Open another server's campaign by its link or handle, and join it at a level, change it or withdraw:
    the level is kept here and reported to that server, signed by the person."""
    account = request.user.account
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()[:500]
    actor = services.find_remote_campaign(query) if query else None
    status = 200
    if request.method == "POST" and actor is not None:
        try:
            if request.POST.get("action") == "withdraw":
                services.withdraw_from_remote(account, actor)
                messages.success(request, _("You have left this campaign."))
            else:
                services.commit_to_remote(account, actor, request.POST.get("level", ""))
                messages.success(request, _("Your commitment is counted."))
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("/campaigns/remote?" + urlencode({"q": query}))
    if query and actor is None:
        status = 404
    commitment = selectors.remote_commitment(account, actor) if actor else None
    return render(
        request,
        "caravan/campaigns/remote.html",
        {
            "query": query,
            "actor": actor,
            "not_found": bool(query) and actor is None,
            "commitment": commitment,
            "commitment_label": LEVEL_LABELS[commitment.level] if commitment else "",
            "levels": [{"level": level, "label": LEVEL_LABELS[level]} for level in LEVELS],
            "elsewhere": selectors.remote_commitments(account),
        },
        status=status,
    )
