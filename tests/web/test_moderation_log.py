"""The public moderation log `/about/moderation` and its JSON and Atom forms, through Django's test client:
decisions with rules and reasons and never the reporter, the moderator or the cited posts; handles withheld
unless the server shows them; lifted decisions marked; domain policies with their public reasons; the monthly
SVG chart (one bar per month with decisions, read from the right in Arabic); the three forms agree and page
alike."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import domains
from caravan.moderation import services as moderation
from caravan.moderation.models import ModerationAction
from caravan.moderation.services import create_report
from caravan.publishing import create_post

ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"


def _xml(document: bytes | str) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - this server's own output, parsed to check it is XML


def shows_handles(on: bool):
    return override_settings(CARAVAN={**settings.CARAVAN, "MODERATION_LOG_SHOWS_HANDLES": on})


@pytest.fixture
def case(make_user, make_account):
    moderator = set_role(make_user("modquinn"), "moderator")
    reporter, mallory = make_account("reporterzed"), make_account("mallory")
    troll = Account.objects.create(username="troll", domain="bad.example", uri="https://bad.example/u/troll")
    rule = add_rule("No harassment of other members")
    post = create_post(mallory, "a cited insult xyzzy")
    report = create_report(reporter, mallory, post_ids=[post.id], rule_ids=[rule.id], comment="please help")
    limit = moderation.take_action(
        moderator,
        mallory,
        "limit",
        rule_ids=[rule.id],
        reason="Repeated insults after a warning.",
        post_ids=[post.id],
        report=report,
    )
    suspend = moderation.take_action(moderator, troll, "suspend", rule_ids=[rule.id], reason="Spam bot.")
    moderation.lift_action(moderator, suspend, "A hacked account, now recovered.")
    domains.set_domain_policy(
        moderator, "spam.example", suspend=True, reason="Waves of spam accounts", note="ticket 4711"
    )
    return {"moderator": moderator, "limit": limit, "suspend": suspend, "mallory": mallory, "troll": troll}


def _page(path: str = "/about/moderation") -> str:
    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_log_shows_decisions_with_rule_and_reason_never_who_took_part(case):
    page = _page()
    assert f'id="decision-{case["limit"].id}"' in page and f'id="decision-{case["suspend"].id}"' in page
    assert "Account limited" in page and "Account suspended" in page
    assert "No harassment of other members" in page and "Repeated insults after a warning." in page
    for secret in ("reporterzed", "modquinn", "xyzzy", "please help", "ticket 4711"):
        assert secret not in page
    # Handles are withheld by default...
    assert "mallory" not in page and "troll" not in page
    assert "withholds the handles" in page
    # ...and shown, isolated, when the server's policy says so.
    with shows_handles(True):
        shown = _page()
    assert "<bdi>@mallory@" in shown and "<bdi>@troll@bad.example</bdi>" in shown
    assert "withholds the handles" not in shown and "reporterzed" not in shown and "modquinn" not in shown


def test_lifted_decisions_are_marked_with_the_reason(case):
    page = _page()
    lifted = page.split(f'id="decision-{case["suspend"].id}"', 1)[1].split("</li>\n", 1)[0]
    assert 'class="lifted"' in lifted and "A hacked account, now recovered." in lifted
    standing = page.split(f'id="decision-{case["limit"].id}"', 1)[1].split("</li>\n", 1)[0]
    assert 'class="lifted"' not in standing


def test_domain_policies_are_listed_with_their_public_reasons(case):
    page = _page()
    assert (
        "<bdi>spam.example</bdi>" in page and "Waves of spam accounts" in page and "ticket 4711" not in page
    )


def test_the_about_page_links_the_log(db):
    assert 'href="/about/moderation"' in _page("/about")


def test_json_and_atom_parse_and_agree_with_the_page(case):
    page = _page()
    page_ids = re.findall(r'id="decision-(\d+)"', page)
    data = json.loads(_page("/about/moderation.json"))
    assert [d["id"] for d in data["decisions"]] == page_ids
    by_id = {d["id"]: d for d in data["decisions"]}
    limit, suspend = by_id[str(case["limit"].id)], by_id[str(case["suspend"].id)]
    assert limit["action"] == "limit" and limit["rules"] == ["No harassment of other members"]
    assert limit["reason"] == "Repeated insults after a warning." and limit["lifted"] is False
    assert suspend["lifted"] is True and suspend["lift_reason"] == "A hacked account, now recovered."
    assert limit["account"] is None and data["handles_shown"] is False
    assert limit["appeal"] is None  # appeals are not built yet
    assert data["domain_policies"] == [
        {
            "domain": "spam.example",
            "effects": ["suspend"],
            "reason": "Waves of spam accounts",
            "since": data["domain_policies"][0]["since"],
        }
    ]
    month = timezone.now().strftime("%Y-%m")
    assert [m for m in data["monthly_counts"] if m["total"]] == [
        {"month": month, "counts": {"limit": 1, "suspend": 1}, "total": 2}
    ]
    text = json.dumps(data)
    for secret in ("reporterzed", "modquinn", "xyzzy", "mallory", "troll", "ticket 4711"):
        assert secret not in text

    feed = _xml(Client().get("/about/moderation.atom").content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id").rsplit("-", 1)[1] for e in entries] == page_ids
    lifted = next(e for e in entries if e.findtext(f"{ATOM}id").endswith(str(case["suspend"].id)))
    assert lifted.findtext(f"{ATOM}updated") > lifted.findtext(f"{ATOM}published")
    assert "A hacked account, now recovered." in lifted.findtext(f"{ATOM}content")
    standing = next(e for e in entries if e.findtext(f"{ATOM}id").endswith(str(case["limit"].id)))
    assert standing.findtext(f"{ATOM}updated") == standing.findtext(f"{ATOM}published")
    assert "Repeated insults after a warning." in standing.findtext(f"{ATOM}content")
    assert feed.findtext(f"{ATOM}updated") == lifted.findtext(f"{ATOM}updated")
    raw = Client().get("/about/moderation.atom").content.decode()
    for secret in ("reporterzed", "modquinn", "xyzzy", "mallory", "troll"):
        assert secret not in raw
    with shows_handles(True):
        shown = _xml(Client().get("/about/moderation.atom").content)
        assert json.loads(_page("/about/moderation.json"))["decisions"][1]["account"].startswith("@mallory@")
    titles = [e.findtext(f"{ATOM}title") for e in shown.findall(f"{ATOM}entry")]
    assert "Account suspended: @troll@bad.example" in titles
    # Entry ids are stable: the same decision keeps its id in a later fetch.
    again = _xml(Client().get("/about/moderation.atom").content)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == [
        e.findtext(f"{ATOM}id") for e in entries
    ]


def test_all_three_forms_page_newest_first_alike(case):
    rule_id = case["limit"].rules.first().id
    for n in range(3):
        moderation.take_action(case["moderator"], case["mallory"], "warn", rule_ids=[rule_id], reason=f"w{n}")
    everything = list(ModerationAction.objects.order_by("-id").values_list("id", flat=True))
    assert len(everything) == 5
    page = _page("/about/moderation?limit=2")
    assert re.findall(r'id="decision-(\d+)"', page) == [str(i) for i in everything[:2]]
    older = re.search(r'href="\?([^"]*max_id=\d+[^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    second = _page(f"/about/moderation?{older}")
    assert re.findall(r'id="decision-(\d+)"', second) == [str(i) for i in everything[2:4]]
    data = json.loads(_page("/about/moderation.json?limit=2"))
    assert [d["id"] for d in data["decisions"]] == [str(i) for i in everything[:2]]
    following = json.loads(_page(data["next"].split(settings.BASE_URL, 1)[1]))
    assert [d["id"] for d in following["decisions"]] == [str(i) for i in everything[2:4]]
    feed = _xml(Client().get("/about/moderation.atom?limit=2").content)
    ids = [e.findtext(f"{ATOM}id").rsplit("-", 1)[1] for e in feed.findall(f"{ATOM}entry")]
    assert ids == [str(i) for i in everything[:2]]
    next_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "next").get("href")
    assert f"max_id={everything[1]}" in next_link
    assert Client().get("/about/moderation?max_id=nope").status_code == 400
    refused = Client().get("/about/moderation.json?max_id=nope")
    assert refused.status_code == 400 and "error" in refused.json()
    assert Client().post("/about/moderation").status_code == 405


def _chart(page: str) -> ET.Element:
    svg = re.search(r'<svg id="monthly-chart".*?</svg>', page, re.S).group(0)
    return _xml(svg)


def _bars(page: str) -> list[ET.Element]:
    return [g for g in _chart(page).iter(f"{SVG}g") if g.get("class") == "bar"]


def test_the_chart_has_one_bar_per_month_with_decisions_and_a_table(case):
    ModerationAction.objects.filter(pk=case["suspend"].pk).update(
        created_at=timezone.now() - timedelta(days=75)
    )
    page = _page()
    bars = _bars(page)
    assert len(bars) == 2
    assert sorted(int(g.get("data-total")) for g in bars) == [1, 1]
    this_month = timezone.now().strftime("%Y-%m")
    assert this_month in [g.get("data-month") for g in bars]
    labels = [t for t in _chart(page).iter(f"{SVG}text") if t.get("class") == "month-label"]
    assert len(labels) == 12
    # The same numbers as text, readable without the picture.
    rows = re.findall(r'<tr data-month="([0-9-]+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 12
    totals = {month: re.findall(r"<td>(\d+)</td>", cells)[-1] for month, cells in rows}
    assert totals[this_month] == "1" and sum(int(n) for n in totals.values()) == 2


def test_the_arabic_page_is_right_to_left_and_its_chart_reads_from_the_right(case):
    ModerationAction.objects.filter(pk=case["suspend"].pk).update(
        created_at=timezone.now() - timedelta(days=75)
    )
    with shows_handles(True):
        page = _page("/about/moderation?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page
    assert (
        "سجل الإشراف" in page
        and "<bdi>@troll@bad.example</bdi>" in page
        and "<bdi>spam.example</bdi>" in page
    )

    def newest_is_left(text: str) -> bool:
        bars = sorted(_bars(text), key=lambda g: g.get("data-month"))
        xs = [float(next(iter(g.iter(f"{SVG}rect"))).get("x")) for g in bars]
        return xs[-1] < xs[0]

    assert newest_is_left(page)
    assert not newest_is_left(_page("/about/moderation?lang=en"))


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks = []

    def handle_data(self, data):
        self.chunks.append(data)


def test_the_page_renders_without_any_decision_or_policy(db):
    page = _page()
    parser = _Text()
    parser.feed(page)
    text = " ".join(parser.chunks)
    assert "No decisions have been taken yet." in text and _bars(page) == []
