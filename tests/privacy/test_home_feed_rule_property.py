"""The home feed's two forms agree on random small graphs: what fan-out wrote into each local reader's feed and
what `home_feed_rule` (the rule read from the reader's side, which rebuilds pages past a trimmed feed's edge)
selects are the same posts once the read has dropped what it hides, and neither shows a post its reader may not
read. The graphs are the visibility property test's: follows, posts of every visibility, replies, mentions,
boosts, then blocks, mutes, limits and suspensions made after the posts reached the feeds, as in life; here
also followed hashtags, exclusive lists and blocked domains, made before the posts."""

import pytest
from django.db import transaction
from hypothesis import given, note
from hypothesis import strategies as st

from caravan.pagination import Page
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import can_read
from caravan.social import services as social
from caravan.timelines import services as feeds
from caravan.timelines.models import ListMember
from caravan.timelines.selectors import _drop_hidden, home_timeline, rebuilt_home_ids
from tests.privacy.test_visibility_property import LOCAL, PEOPLE, REMOTE, SETTINGS, TAG, Graph, _build, graphs

pytestmark = pytest.mark.django_db


def test_fan_out_and_the_rebuilt_feed_show_the_same_posts(make_user, make_remote):
    from caravan.accounts.services import set_role
    from caravan.instance.services import add_rule

    moderator = set_role(make_user("mod"), "moderator")
    rule = add_rule("Be kind")
    people = [make_user(f"l{i}").account for i in range(LOCAL)] + [
        make_remote(f"r{i}", f"server{i}.example").account for i in range(REMOTE)
    ]
    everything = Page(limit=80)

    local = st.integers(0, LOCAL - 1)
    extras = st.tuples(
        st.lists(local, max_size=2, unique=True),  # who follows the hashtag every post carries
        st.lists(st.tuples(local, st.integers(0, PEOPLE - 1)), max_size=2, unique=True),  # exclusive lists
        st.lists(st.tuples(local, st.integers(0, REMOTE - 1)), max_size=1),  # blocked domains
    )

    @SETTINGS
    @given(graphs(), extras)
    def check(graph: Graph, extra) -> None:
        note(repr(graph))
        for account in people:
            account.refresh_from_db()
        with transaction.atomic():
            tag_followers, listed, domain_blocks = extra
            for i in tag_followers:
                feeds.follow_tag(people[i], TAG)
            for i, j in listed:
                if i != j:
                    owned = feeds.create_list(people[i], f"list {j}", exclusive=True)
                    ListMember.objects.create(list=owned, account=people[j])
            for i, j in domain_blocks:
                social.block_domain(people[i], people[LOCAL + j].domain)
            posts = _build(graph, people, moderator, rule)
            # Boosts another server sent of a post we would not let its booster boost: the builder stores them
            # as bare rows (named after the original), without the inbox's fan-out, so no feed has them.
            unfanned = {p.id for p in posts if p.uri.endswith(f"/statuses/{p.reblog_of_id}/activity")}
            for reader in people[:LOCAL]:
                if reader.suspended_at is not None:
                    continue
                stored = [p.id for p in home_timeline(reader, everything)]
                rebuilt = [
                    p.id
                    for p in _drop_hidden(load_posts(rebuilt_home_ids(reader, everything)), reader)
                    if p.id not in unfanned
                ]
                assert rebuilt == stored, reader.username
                assert all(can_read(p, reader) for p in posts if p.id in rebuilt)
            transaction.set_rollback(True)

    check()
