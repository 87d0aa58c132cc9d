"""Moderation actions and the moderators' work on reports: only moderators act, every action names a rule and a
reason, each kind marks the account (or deletes the posts) and lifting undoes the mark."""

import pytest

from caravan.accounts.models import Account
from caravan.accounts.services import set_role
from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation
from caravan.moderation.models import ModerationAction, Report
from caravan.posts.models import Post, Visibility
from caravan.publishing import create_post


@pytest.fixture
def moderator(make_user):
    return set_role(make_user("mod"), "moderator")


def test_only_moderators_act_and_every_action_names_a_rule_and_a_reason(make_user, make_account, moderator):
    plain, mallory = make_user("plain"), make_account("mallory")
    rule = add_rule("No spam")
    with pytest.raises(DomainError) as refused:
        moderation.take_action(plain, mallory, "suspend", rule_ids=[rule.id], reason="Spam.")
    assert refused.value.kind.code == "not_a_moderator" and refused.value.status == 403
    with pytest.raises(DomainError) as no_reason:
        moderation.take_action(moderator, mallory, "suspend", rule_ids=[rule.id], reason="  ")
    assert no_reason.value.kind.code == "moderation_reason_required"
    with pytest.raises(DomainError) as no_rule:
        moderation.take_action(moderator, mallory, "suspend", rule_ids=[], reason="Spam.")
    assert no_rule.value.kind.code == "moderation_rule_required"
    with pytest.raises(DomainError) as unknown_rule:
        moderation.take_action(moderator, mallory, "suspend", rule_ids=[rule.id + 99], reason="Spam.")
    assert unknown_rule.value.kind.code == "moderation_rule_required"
    with pytest.raises(DomainError) as unknown_kind:
        moderation.take_action(moderator, mallory, "banish", rule_ids=[rule.id], reason="Spam.")
    assert unknown_kind.value.kind.code == "moderation_kind_unknown"
    with pytest.raises(DomainError) as own:
        moderation.take_action(moderator, moderator.account, "warn", rule_ids=[rule.id], reason="Me.")
    assert own.value.kind.code == "cannot_moderate_self"
    assert ModerationAction.objects.count() == 0
    assert Account.objects.get(pk=mallory.pk).suspended_at is None


def test_only_an_admin_acts_on_the_staff(make_user, moderator):
    rule = add_rule("No spam")
    other_moderator = set_role(make_user("mod2"), "moderator")
    admin = set_role(make_user("boss"), "admin")
    for staff in (other_moderator, admin):
        with pytest.raises(DomainError) as refused:
            moderation.take_action(moderator, staff.account, "suspend", rule_ids=[rule.id], reason="Coup.")
        assert (refused.value.kind.code, refused.value.status) == ("staff_needs_admin", 403)
    assert ModerationAction.objects.count() == 0
    action = moderation.take_action(
        admin, other_moderator.account, "warn", rule_ids=[rule.id], reason="Calm."
    )
    assert action.moderator == admin.account


@pytest.mark.parametrize(
    ("kind", "mark"), [("suspend", "suspended_at"), ("limit", "limited_at"), ("sensitive", "sensitized_at")]
)
def test_each_kind_marks_the_account_until_lifted(make_account, moderator, kind, mark):
    mallory = make_account("mallory")
    rule = add_rule("Be kind")
    action = moderation.take_action(
        moderator, mallory, kind, rule_ids=[rule.id], reason="You insulted people."
    )
    assert getattr(Account.objects.get(pk=mallory.pk), mark) is not None
    assert list(action.rules.all()) == [rule] and action.moderator == moderator.account
    # A second standing action of the same kind keeps the mark when the first is lifted.
    second = moderation.take_action(moderator, mallory, kind, rule_ids=[rule.id], reason="Again.")
    moderation.lift_action(moderator, action, "The first was a mistake.")
    assert getattr(Account.objects.get(pk=mallory.pk), mark) is not None
    moderation.lift_action(moderator, second, "Appeal accepted.")
    assert getattr(Account.objects.get(pk=mallory.pk), mark) is None
    second.refresh_from_db()
    assert second.lifted_by == moderator.account and second.lift_reason == "Appeal accepted."
    with pytest.raises(DomainError) as again:
        moderation.lift_action(moderator, second, "Twice.")
    assert again.value.kind.code == "moderation_action_lifted"


def test_a_warning_marks_nothing(make_account, moderator):
    mallory = make_account("mallory")
    rule = add_rule("Be kind")
    moderation.take_action(moderator, mallory, "warn", rule_ids=[rule.id], reason="Please calm down.")
    fresh = Account.objects.get(pk=mallory.pk)
    assert (fresh.suspended_at, fresh.limited_at, fresh.sensitized_at) == (None, None, None)


def test_delete_posts_deletes_the_named_posts_and_keeps_what_they_said(make_account, moderator):
    mallory, alice = make_account("mallory"), make_account("alice")
    rule = add_rule("No harassment")
    bad = create_post(mallory, "a nasty thing", visibility=Visibility.PRIVATE)
    kept = create_post(mallory, "a fine thing")
    other = create_post(alice, "alice's post")
    with pytest.raises(DomainError) as not_theirs:
        moderation.take_action(
            moderator, mallory, "delete_posts", rule_ids=[rule.id], reason="Harassment.", post_ids=[other.id]
        )
    assert not_theirs.value.kind.code == "moderation_posts_required"
    with pytest.raises(DomainError):
        moderation.take_action(moderator, mallory, "delete_posts", rule_ids=[rule.id], reason="Harassment.")
    action = moderation.take_action(
        moderator, mallory, "delete_posts", rule_ids=[rule.id], reason="Harassment.", post_ids=[bad.id]
    )
    assert not Post.objects.filter(pk=bad.pk).exists()
    assert Post.objects.filter(pk__in=[kept.pk, other.pk]).count() == 2
    assert action.post_ids == [bad.id]
    assert "a nasty thing" in action.posts[0]["content"] and action.posts[0]["visibility"] == "private"
    assert Account.objects.get(pk=mallory.pk).statuses_count == 1


def test_reports_are_assigned_noted_resolved_and_reopened(make_user, make_account, moderator):
    alice, mallory = make_account("alice"), make_account("mallory")
    plain = make_user("plain")
    other_moderator = set_role(make_user("mod2"), "admin")
    report = moderation.create_report(alice, mallory, comment="spam")
    for refused in (
        lambda: moderation.assign_report(plain, report),
        lambda: moderation.add_report_note(plain, report, "hm"),
        lambda: moderation.resolve_report(plain, report),
    ):
        with pytest.raises(DomainError) as error:
            refused()
        assert error.value.status == 403
    moderation.assign_report(moderator, report)
    assert Report.objects.get(pk=report.pk).assigned_to == moderator.account
    moderation.assign_report(other_moderator, report)  # an admin moderates too
    assert Report.objects.get(pk=report.pk).assigned_to == other_moderator.account
    moderation.unassign_report(other_moderator, report)
    assert Report.objects.get(pk=report.pk).assigned_to is None
    with pytest.raises(DomainError):
        moderation.add_report_note(moderator, report, "   ")
    note = moderation.add_report_note(moderator, report, "Looks like spam to me.")
    assert list(report.notes.all()) == [note] and note.author == moderator.account
    with pytest.raises(DomainError) as still_open:
        moderation.reopen_report(moderator, report)
    assert still_open.value.kind.code == "report_not_resolved"
    moderation.resolve_report(moderator, report)
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.resolved_at is not None and fresh.resolved_by == moderator.account
    with pytest.raises(DomainError):
        moderation.resolve_report(moderator, report)
    moderation.reopen_report(moderator, report)
    assert Report.objects.get(pk=report.pk).resolved_at is None


def test_an_action_taken_on_a_report_resolves_it(make_account, moderator):
    alice, mallory = make_account("alice"), make_account("mallory")
    rule = add_rule("No spam")
    report = moderation.create_report(alice, mallory, rule_ids=[rule.id])
    action = moderation.take_action(
        moderator, mallory, "limit", rule_ids=[rule.id], reason="Spam.", report=report
    )
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.action_taken and fresh.resolved_by == moderator.account
    assert list(fresh.actions.all()) == [action]


def test_sensitive_shows_the_accounts_media_behind_a_warning_until_lifted(make_account, moderator):
    import io

    from django.test import Client

    from caravan.api.entities import status_base
    from caravan.media.services import upload_image
    from caravan.posts.selectors import load_posts
    from tests.moving.archives import jpeg_bytes

    mallory = make_account("mallory")
    rule = add_rule("Mark graphic media")
    with_media = create_post(mallory, "a picture", media=[upload_image(mallory, io.BytesIO(jpeg_bytes()))])
    text_only = create_post(mallory, "just words")

    def shown() -> tuple[bool, bool, bool]:
        post, words = load_posts([with_media.id, text_only.id])
        page = Client().get(f"/@mallory/{with_media.id}").content.decode()
        return status_base(post)["sensitive"], status_base(words)["sensitive"], 'class="sensitive"' in page

    assert shown() == (False, False, False)
    action = moderation.take_action(moderator, mallory, "sensitive", rule_ids=[rule.id], reason="Graphic.")
    assert shown() == (True, False, True)
    moderation.lift_action(moderator, action, "Fine now.")
    assert shown() == (False, False, False)


def test_lifting_a_suspension_never_revives_an_account_deleted_since(make_user, moderator):
    from caravan.leaving import delete_account

    person = make_user("mallory", password="a long password 1")
    rule = add_rule("No spam")
    action = moderation.take_action(moderator, person.account, "suspend", rule_ids=[rule.id], reason="Spam.")
    delete_account(person, "a long password 1")
    moderation.lift_action(moderator, action, "Appeal accepted.")
    assert Account.objects.get(pk=action.target_account_id).suspended_at is not None
