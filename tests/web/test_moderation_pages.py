"""The moderators' pages and the notice a person reads, through Django's test client (the same URLs, middleware
and views `caravan serve` runs): 403 for anyone but moderators, the queue, one report with notes, assignment and
the action form, and the notice in English and Arabic."""

import pytest
from django.test import Client

from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation.models import CitedPostsReading, ModerationAction, Report
from caravan.moderation.services import create_report
from caravan.notifications.models import Notification
from caravan.publishing import create_post


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def case(make_user):
    moderator, reporter, target = make_user("mod"), make_user("alice"), make_user("mallory")
    set_role(moderator, "moderator")
    rule = add_rule("No harassment")
    hidden = create_post(target.account, "a followers-only insult", visibility="private")
    public = create_post(target.account, "a public insult")
    report = create_report(
        reporter.account,
        target.account,
        post_ids=[public.id],
        rule_ids=[rule.id],
        category="violation",
        comment="please look",
    )
    Report.objects.filter(pk=report.pk).update(post_ids=[public.id, hidden.id])  # as a remote Flag could cite
    return {
        "moderator": moderator,
        "reporter": reporter,
        "target": target,
        "rule": rule,
        "report": report,
        "hidden": hidden,
        "public": public,
    }


def test_non_moderators_get_403_on_every_moderation_page(case, make_user):
    report = case["report"]
    action = ModerationAction.objects.create(target_account=case["target"].account, kind="warn", reason="r")
    for user in (case["reporter"], case["target"], make_user("bystander")):
        client = _client(user)
        assert client.get("/moderation/reports").status_code == 403
        assert client.get(f"/moderation/reports/{report.id}").status_code == 403
        for step in ("assign", "unassign", "resolve", "reopen", "note", "act"):
            assert client.post(f"/moderation/reports/{report.id}/{step}", {"text": "x"}).status_code == 403
        assert client.post(f"/moderation/actions/{action.id}/lift", {"reason": "x"}).status_code == 403
        assert "/moderation/reports" not in client.get("/home").content.decode()
    anonymous = Client().get("/moderation/reports")
    assert anonymous.status_code == 302 and "/auth/sign_in" in anonymous["Location"]
    assert Report.objects.get(pk=report.pk).assigned_to is None


def test_a_moderator_works_a_report_from_the_queue_to_the_notice(case):
    moderator, report, rule = case["moderator"], case["report"], case["rule"]
    client = _client(moderator)
    assert 'href="/moderation/reports"' in client.get("/home").content.decode()
    queue = client.get("/moderation/reports").content.decode()
    assert f'id="report-{report.id}"' in queue and "@mallory@" in queue and "@alice@" in queue
    assert "1 report · 0 decisions" in queue  # the account's history, at a glance
    page = client.get(f"/moderation/reports/{report.id}").content.decode()
    # Moderators read the cited posts whatever their visibility.
    assert "a followers-only insult" in page and "a public insult" in page and "please look" in page
    # That reading is recorded: who was shown which posts.
    reading = CitedPostsReading.objects.get(report=report)
    assert reading.reader == moderator.account
    assert set(reading.post_ids) == {case["public"].id, case["hidden"].id}
    assert client.post(f"/moderation/reports/{report.id}/assign").status_code == 302
    assert (
        client.post(f"/moderation/reports/{report.id}/note", {"text": "Second time this week."}).status_code
        == 302
    )
    page = client.get(f"/moderation/reports/{report.id}").content.decode()
    assert "Second time this week." in page and "Handled by" in page

    refused = client.post(
        f"/moderation/reports/{report.id}/act",
        {"kind": "limit", "reason": "", "rule_ids": [rule.id]},
        follow=True,
    )
    assert "Write the reason for the person" in refused.content.decode()
    assert not ModerationAction.objects.exists()
    client.post(
        f"/moderation/reports/{report.id}/act",
        {
            "kind": "delete_posts",
            "reason": "Insults are not allowed here.",
            "rule_ids": [rule.id],
            "status_ids": [case["hidden"].id],
        },
    )
    action = ModerationAction.objects.get()
    assert action.kind == "delete_posts" and action.report_id == report.id
    assert Report.objects.get(pk=report.pk).resolved_at is not None
    assert f'id="report-{report.id}"' not in client.get("/moderation/reports").content.decode()
    second = create_report(case["reporter"].account, case["target"].account, comment="again")
    queue = client.get("/moderation/reports?lang=ar").content.decode()
    assert f'id="report-{second.id}"' in queue and "2 بلاغان · 1 قرار" in queue

    # The person is told, and reads the notice in English and in Arabic.
    target = _client(case["target"])
    notification = Notification.objects.get(recipient=case["target"].account, type="moderation_warning")
    assert notification.moderation_action_id == action.id
    assert f'href="/notices/{action.id}"' in target.get("/notifications").content.decode()
    english = target.get(f"/notices/{action.id}?lang=en").content.decode()
    for shown in (
        "Posts deleted",
        "No harassment",
        "Insults are not allowed here.",
        "a followers-only insult",
    ):
        assert shown in english
    assert (
        "a public insult" not in english and "@mod@" not in english
    )  # only the posts acted on; no moderator
    arabic = target.get(f"/notices/{action.id}?lang=ar").content.decode()
    assert 'dir="rtl"' in arabic and "حُذفت المنشورات" in arabic and "Insults are not allowed here." in arabic
    # Nobody else reads it.
    assert _client(case["reporter"]).get(f"/notices/{action.id}").status_code == 404
    assert client.get(f"/notices/{action.id}").status_code == 200  # moderators do

    # Lifting, with its reason, shows on the notice.
    client.post(f"/moderation/actions/{action.id}/lift", {"reason": "We misread it.", "report_id": report.id})
    assert "We misread it." in target.get(f"/notices/{action.id}").content.decode()


def test_the_report_pages_refuse_ids_that_cannot_exist(case):
    client = _client(case["moderator"])
    assert client.get("/moderation/reports/99999999999999999999").status_code == 404
    assert client.get("/notices/99999999999999999999").status_code == 404
    assert client.post("/moderation/reports/1/act").status_code == 404


def test_a_suspended_person_can_use_nothing_but_read_the_notice(case):
    target = _client(case["target"])
    assert target.get("/home").status_code == 200
    from caravan.moderation.services import take_action

    action = take_action(
        case["moderator"], case["target"].account, "suspend", rule_ids=[case["rule"].id], reason="Harassment."
    )
    for path in ("/home", "/notifications", "/compose", "/settings/profile"):
        refused = target.get(path)
        assert refused.status_code == 403 and "This account has been suspended." in refused.content.decode()
    assert target.post("/compose", {"text": "still here"}).status_code == 403
    notice = target.get(f"/notices/{action.id}").content.decode()
    assert "Account suspended" in notice and "Harassment." in notice


def test_a_suspended_person_signs_in_to_the_notice_and_nowhere_else(case):
    from caravan.moderation.services import take_action

    action = take_action(
        case["moderator"], case["target"].account, "suspend", rule_ids=[case["rule"].id], reason="Harassment."
    )
    client = Client()
    signed_in = client.post("/auth/sign_in", {"username": "mallory", "password": "correct horse battery"})
    assert signed_in.status_code == 302 and signed_in["Location"] == f"/notices/{action.id}"
    assert "Harassment." in client.get(f"/notices/{action.id}").content.decode()
    assert client.get("/home").status_code == 403


def test_the_queue_pages_on_oldest_first_and_counts_every_open_report(case, make_user, monkeypatch):
    from caravan.moderation import selectors

    monkeypatch.setattr(selectors, "QUEUE_SIZE", 2)
    reporter, target = case["reporter"].account, case["target"].account
    later = [create_report(reporter, target, comment=f"report {n}") for n in range(3)]
    client = _client(case["moderator"])
    first = client.get("/moderation/reports").content.decode()
    assert "4 open reports" in first
    assert f'id="report-{case["report"].id}"' in first and f'id="report-{later[0].id}"' in first
    assert f'id="report-{later[1].id}"' not in first
    assert f'href="/moderation/reports?after={later[0].id}"' in first
    second = client.get(f"/moderation/reports?after={later[0].id}").content.decode()
    assert f'id="report-{later[1].id}"' in second and f'id="report-{later[2].id}"' in second
    assert f'id="report-{later[0].id}"' not in second and 'rel="next"' not in second  # no next page
    assert client.get("/moderation/reports?after=%D9%A1").status_code == 200  # not a number: the first page
