"""Link preview cards across two real servers: a post with a link arrives on the follower's server through
federation, and that server fetches the card itself (from a website on loopback) and shows it."""

import pytest

from tests.federation.harness import Federation, mutual_follow, wait_until
from tests.previews.site import running_site

pytestmark = pytest.mark.federation


def test_a_remote_post_gets_its_card_on_the_receiving_server():
    with running_site() as site, Federation(2) as federation:
        a, b = federation.servers
        mutual_follow(a, "alice", b, "bob")
        post = a.call("post", username="alice", text=f"From the road: {site.base}/article")
        wait_until(lambda: b.call("status_card", uri=post["uri"]), what="the card on the follower's server")
        card = b.call("status_card", uri=post["uri"])
        assert card["title"] == "A caravan crosses the desert" and card["url"] == f"{site.base}/article"
        assert card["image"].startswith(b.base_url)  # B's own stripped copy, not A's or the site's picture
        own = wait_until(
            lambda: a.call("status_card", uri=post["uri"]), what="the card on the author's server"
        )
        assert own["title"] == card["title"]
        assert site.count("/article") == 2  # each server fetched the page once, for itself
