"""The public moderation log's selectors (`moderation.public_log`): what a decision shows (kind, rules by their
text, reason, lifting), what it never carries (reporter, moderator, cited posts; the handle unless the server
says so), monthly counts by kind, and the domain policies with their public reasons only."""

import dataclasses
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import domains, public_log
from caravan.moderation import services as moderation
from caravan.moderation.models import ModerationAction
from caravan.moderation.services import create_report
from caravan.pagination import Page
from caravan.publishing import create_post


def shows_handles(on: bool):
    return override_settings(CARAVAN={**settings.CARAVAN, "MODERATION_LOG_SHOWS_HANDLES": on})


@pytest.fixture
def moderator(make_user):
    return set_role(make_user("modquinn"), "moderator")


def test_a_decision_shows_its_rules_and_reason_and_nobody_who_took_part(make_account, moderator):
    reporter, mallory = make_account("reporterzed"), make_account("mallory")
    spam, kind = add_rule("No spam"), add_rule("Be kind")
    post = create_post(mallory, "a cited insult xyzzy")
    report = create_report(reporter, mallory, post_ids=[post.id], rule_ids=[kind.id], comment="help")
    action = moderation.take_action(
        moderator,
        mallory,
        "limit",
        rule_ids=[kind.id, spam.id],
        reason="Insults.",
        post_ids=[post.id],
        report=report,
    )
    [logged] = public_log.decisions(Page())
    assert (logged.id, logged.kind, logged.reason) == (action.id, "limit", "Insults.")
    assert logged.rules == ["No spam", "Be kind"]  # by their text, in the server's order
    assert logged.handle == "" and logged.lifted_at is None and logged.appeal is None
    # Nothing in the published record can name the reporter, the moderator or the cited posts.
    published = repr(dataclasses.asdict(logged))
    for secret in ("reporterzed", "modquinn", "xyzzy", "help", str(post.id), str(reporter.id)):
        assert secret not in published
    with shows_handles(True):
        assert public_log.decisions(Page())[0].handle == mallory.handle


def test_lifted_decisions_carry_the_lift_and_its_reason(make_account, moderator):
    mallory = make_account("mallory")
    rule = add_rule("No spam")
    kept = moderation.take_action(moderator, mallory, "warn", rule_ids=[rule.id], reason="Spam.")
    lifted = moderation.take_action(moderator, mallory, "suspend", rule_ids=[rule.id], reason="Spam again.")
    moderation.lift_action(moderator, lifted, "It was a shared account; the owner fixed it.")
    newest, oldest = public_log.decisions(Page())
    assert (newest.id, oldest.id) == (lifted.id, kept.id)  # newest first
    assert (
        newest.lifted_at is not None and newest.lift_reason == "It was a shared account; the owner fixed it."
    )
    assert oldest.lifted_at is None and oldest.lift_reason == ""


def test_decisions_page_newest_first_by_id(make_account, moderator):
    mallory = make_account("mallory")
    rule = add_rule("No spam")
    ids = [
        moderation.take_action(moderator, mallory, "warn", rule_ids=[rule.id], reason=f"Spam {n}.").id
        for n in range(5)
    ]
    first = public_log.decisions(Page(limit=2))
    assert [d.id for d in first] == ids[::-1][:2]
    second = public_log.decisions(Page(limit=2, max_id=first[-1].id))
    assert [d.id for d in second] == ids[::-1][2:4]
    assert [d.id for d in public_log.decisions(Page(limit=2, min_id=second[0].id))] == ids[::-1][:2]


def test_monthly_counts_by_kind_over_the_last_twelve_months(make_account, moderator):
    mallory, bob = make_account("mallory"), make_account("bob")
    rule = add_rule("No spam")
    now = timezone.now()
    moderation.take_action(moderator, mallory, "warn", rule_ids=[rule.id], reason="a")
    moderation.take_action(moderator, bob, "warn", rule_ids=[rule.id], reason="b")
    moderation.take_action(moderator, bob, "suspend", rule_ids=[rule.id], reason="c")
    old = moderation.take_action(moderator, mallory, "limit", rule_ids=[rule.id], reason="d")
    ancient = moderation.take_action(moderator, mallory, "limit", rule_ids=[rule.id], reason="e")
    ModerationAction.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=70))
    ModerationAction.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=800))
    months = public_log.monthly_counts(now=now)
    assert len(months) == 12 and months[-1].month == now.date().replace(day=1)
    assert months == sorted(months, key=lambda m: m.month)
    assert months[-1].counts == {"warn": 2, "suspend": 1}
    with_data = [m for m in months if m.total]
    assert len(with_data) == 2 and with_data[0].counts == {"limit": 1}
    assert sum(m.total for m in months) == 4  # the one from two years ago is outside the chart


def test_domain_policies_show_their_public_reason_never_the_note(moderator):
    domains.set_domain_policy(moderator, "spam.example", suspend=True, reason="Spam waves", note="ticket 4")
    domains.set_domain_policy(moderator, "loud.example", limit=True, reject_media=True, reason="Gore")
    listed = public_log.domain_policies()
    assert [(p.domain, p.effects, p.reason) for p in listed] == [
        ("loud.example", ["limit", "reject_media"], "Gore"),
        ("spam.example", ["suspend"], "Spam waves"),
    ]
    assert "ticket 4" not in repr(listed)


def test_a_decided_appeal_shows_its_outcome_and_reason_but_not_its_text(make_user, make_account, moderator):
    from caravan.moderation import appeals

    rule = add_rule("No spam")
    person = make_user("appellant")
    action = moderation.take_action(
        moderator, person.account, "limit", rule_ids=[rule.id], reason="spam runs"
    )
    appeal = appeals.create_appeal(person, action, "it was a misunderstanding, private words")
    (listed,) = public_log.decisions(Page())
    assert listed.appeal is None  # pending appeals are not published
    second = set_role(make_user("modrosa"), "moderator")
    appeals.decide_appeal(second, appeal, "approve", "the links were the person's own shop")
    (listed,) = public_log.decisions(Page())
    assert listed.appeal.accepted and listed.appeal.reason == "the links were the person's own shop"
    assert "private words" not in repr(dataclasses.asdict(listed))
