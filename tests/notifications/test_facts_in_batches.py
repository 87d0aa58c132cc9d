"""notify_many reads its rules' facts in one statement, split into several when the lists are long (SQLite takes
at most 32,766 parameters in one): split or not, the same notifications are made."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan import publishing, relationships
from caravan.notifications import services
from caravan.notifications.models import Notification
from caravan.social.services import mute

ONE_STATEMENT = services.MAX_PARAMETERS


@pytest.mark.parametrize("limit", [ONE_STATEMENT, 2])
def test_blocks_and_mutes_apply_whether_the_facts_come_in_one_statement_or_several(
    make_account, monkeypatch, limit
):
    monkeypatch.setattr(services, "MAX_PARAMETERS", limit)
    alice, bob, carol, dave = (make_account(name) for name in ("alice", "bob", "carol", "dave"))
    relationships.block(bob, carol)
    mute(alice, dave, hide_notifications=True)
    post = publishing.create_post(carol, "hello")
    other = publishing.create_post(dave, "hi")
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        services.notify_many(
            [
                (alice, "mention", carol, post),
                (alice, "mention", dave, other),
                (bob, "mention", carol, post),
                (bob, "favourite", dave, other),
            ]
        )
    made = set(Notification.objects.values_list("recipient__username", "from_account__username", "type"))
    assert made == {("alice", "carol", "mention"), ("bob", "dave", "favourite")}
    facts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT 'block'")]
    parts = sum(sql.count("SELECT '") for sql in facts) + sum(
        1 for q in queries.captured_queries if q["sql"].startswith("SELECT '") and q["sql"] not in facts
    )
    assert parts >= 6  # blocks, mutes, permissions, follows either way, staff
    if limit == ONE_STATEMENT:
        assert len(facts) == 1 and facts[0].count(" UNION ALL ") == parts - 1
    else:  # each part has more parameters than the limit: each goes alone
        assert all(" UNION ALL " not in q["sql"] for q in queries.captured_queries)
