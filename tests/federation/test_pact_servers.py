"""A pact of three people on two real servers: alice (owner) and bob on A, carol on B. Carol's server is told
she counts and shows the counts; her commitment and withdrawal go to A signed by her; the pact completes when the
third person commits and leaves all three following each other. Only counts cross servers."""

import pytest

from tests.federation.harness import Federation, wait_until

pytestmark = pytest.mark.federation


def test_a_pact_across_two_servers_completes_and_everyone_follows_each_other():
    with Federation(2) as federation:
        a, b = federation.servers
        for username in ("alice", "bob"):
            a.call("create_user", username=username)
        b.call("create_user", username="carol")
        a.call("pact_match", username="alice", handles=["bob", b.handle("carol")])
        pact = a.call("pact_create", username="alice", threshold=2, auto_follow=True)
        assert (pact["members"], pact["committed"]) == (2, 0)

        copies = wait_until(
            lambda: b.call("pacts_counting", username="carol"), what="carol's server to be told"
        )
        copy = copies[0]
        assert (copy["threshold"], copy["members"], copy["committed"], copy["state"]) == (2, 2, 0, "open")
        assert "caravan.pact" in b.call("notifications", username="carol")

        # Carol commits and withdraws: A counts it, then uncounts it, from her signed activities.
        b.call("pact_commit", username="carol", id=copy["id"], auto_follow=True)
        wait_until(
            lambda: a.call("pact_state", id=pact["id"])["committed"] == 1, what="carol's commitment on A"
        )
        b.call("pact_withdraw", username="carol", id=copy["id"])
        wait_until(
            lambda: a.call("pact_state", id=pact["id"])["committed"] == 0, what="carol's withdrawal on A"
        )

        # Bob commits on A: B's copy learns the count, never who.
        a.call("pact_commit", username="bob", id=pact["id"], auto_follow=True)
        wait_until(
            lambda: b.call("pacts_counting", username="carol")[0]["committed"] == 1, what="the count on B"
        )
        # Carol commits again, the third person: the pact is met on both servers.
        b.call("pact_commit", username="carol", id=copy["id"], auto_follow=True)
        wait_until(lambda: a.call("pact_state", id=pact["id"])["state"] == "met", what="the pact met on A")
        wait_until(
            lambda: b.call("pacts_counting", username="carol")[0]["state"] == "met", what="the pact met on B"
        )

        alice, bob, carol = a.uri("alice"), a.uri("bob"), b.uri("carol")
        wait_until(
            lambda: (
                a.call("pact_following", username="alice") == sorted([bob, carol])
                and a.call("pact_following", username="bob") == sorted([alice, carol])
                and b.call("pact_following", username="carol") == sorted([alice, bob])
            ),
            timeout=60,
            what="all three following each other",
        )
