"""Reports: a local user may cite only posts they can read; rules must exist; nothing is half-filed."""

import pytest

from caravan.errors import DomainError
from caravan.instance.services import add_rule
from caravan.moderation.models import Report
from caravan.moderation.services import create_report
from caravan.posts.models import Visibility
from caravan.publishing import create_post


def test_report_cites_readable_posts_and_known_rules(make_account):
    alice, mallory = make_account("alice"), make_account("mallory")
    rule = add_rule("No harassment")
    public = create_post(mallory, "nasty")
    report = create_report(
        alice, mallory, post_ids=[public.id], rule_ids=[rule.id], category="violation", comment="please look"
    )
    assert report.post_ids == [public.id] and report.rule_ids == [rule.id]


def test_report_cannot_cite_hidden_posts_or_unknown_rules(make_account):
    alice, mallory = make_account("alice"), make_account("mallory")
    hidden = create_post(mallory, "for followers", visibility=Visibility.PRIVATE)
    with pytest.raises(DomainError) as error:
        create_report(alice, mallory, post_ids=[hidden.id])
    assert error.value.status == 404  # never reveals that the hidden post exists
    with pytest.raises(DomainError, match="rule"):
        create_report(alice, mallory, rule_ids=[999])
    with pytest.raises(DomainError):
        create_report(alice, alice)
    with pytest.raises(DomainError):
        create_report(alice, mallory, category="because")
    assert Report.objects.count() == 0
