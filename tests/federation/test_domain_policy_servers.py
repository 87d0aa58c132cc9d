"""A domain suspension between real servers: once A defederates B, B's deliveries are refused at A's inbox,
A sends B nothing more, and what B's accounts had posted vanishes from A's timelines."""

import time

import pytest

from caravan.instance.domains import CACHE_SECONDS
from tests.federation.harness import Federation, mutual_follow, wait_until

pytestmark = pytest.mark.federation


def test_a_suspended_domain_is_refused_sent_nothing_and_hidden():
    with Federation(2) as fed:
        a, b = fed.servers
        mutual_follow(a, "alice", b, "bob")
        before = b.call("post", username="bob", text="before the suspension")
        wait_until(lambda: b.uri("bob") in a.call("public_authors"), what="bob's post to reach A")

        a.call("domain_policy", domain=b.domain, flags={"suspend": True, "reason": "spam wave"})
        wait_until(lambda: b.uri("bob") not in a.call("public_authors"), what="bob's posts to vanish on A")

        # A's inbox keeps the policies in memory for up to CACHE_SECONDS: B posts after that.
        time.sleep(CACHE_SECONDS + 0.5)
        after = b.call("post", username="bob", text="after the suspension")
        wait_until(
            lambda: "failed" in b.call("deliveries_to", domain=a.domain), what="A to refuse B's delivery"
        )
        assert after["uri"] not in a.call("posts_by", uri=b.uri("bob"))
        assert before["uri"] in a.call("posts_by", uri=b.uri("bob"))

        sent_before = len(a.call("deliveries_to", domain=b.domain))
        a.call("post", username="alice", text="not for B")
        assert len(a.call("deliveries_to", domain=b.domain)) == sent_before
        assert all(state in ("done", "failed") for state in a.call("deliveries_to", domain=b.domain))
