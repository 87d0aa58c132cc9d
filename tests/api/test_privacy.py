"""A followers-only or direct post is never readable through any API path by someone it was not meant for."""

import uuid

import pytest
import requests
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError

from tests.api.conftest import wait_until


def test_followers_only_and_direct_posts_never_leak(signup, server):
    tag = uuid.uuid4().hex[:6]
    alice, bob, carol, eve = (signup(f"{n}{tag}") for n in ("pa", "pb", "pc", "pe"))
    a, c = alice.account_verify_credentials(), carol.account_verify_credentials()
    bob.account_follow(a["id"])
    secret_word = f"hush{tag}"
    root = alice.status_post(f"public root {secret_word}")
    private = alice.status_post(
        f"followers only {secret_word} #{secret_word}",
        visibility="private",
        in_reply_to_id=root["id"],
        poll=alice.make_poll(["yes", "no"], expires_in=3600),
    )
    direct = alice.status_post(
        f"@{c['acct']} direct {secret_word}", visibility="direct", in_reply_to_id=root["id"]
    )
    hidden = {private["id"], direct["id"]}

    # The intended readers see them.
    wait_until(lambda: private["id"] in [s["id"] for s in bob.timeline_home()])
    assert bob.status(private["id"])["id"] == private["id"]
    assert carol.status(direct["id"])["id"] == direct["id"]
    with pytest.raises(MastodonAPIError):
        bob.status(direct["id"])

    anonymous = Mastodon(api_base_url=server)
    for reader in (eve, anonymous):
        ids: list[str] = []
        ids += [s["id"] for s in reader.timeline_public()]
        ids += [s["id"] for s in reader.timeline_local()]
        ids += [s["id"] for s in reader.timeline_hashtag(secret_word)]
        ids += [s["id"] for s in reader.account_statuses(a["id"])]
        context = reader.status_context(root["id"])
        ids += [s["id"] for s in context["descendants"]]
        for status_id in hidden:
            for call in (
                reader.status,
                reader.status_context,
                reader.status_favourited_by,
                reader.status_reblogged_by,
            ):
                with pytest.raises(MastodonAPIError) as error:
                    call(status_id)
                assert error.value.args[1] == 404
        with pytest.raises(MastodonAPIError):
            reader.poll(private["poll"]["id"])
        assert not hidden & set(ids)
    ids = [s["id"] for s in eve.timeline_home()]
    ids += [s["id"] for s in eve.search_v2(secret_word, resolve=False)["statuses"]]
    ids += [n["status"]["id"] for n in eve.notifications() if n.get("status")]
    ids += [c_["last_status"]["id"] for c_ in eve.conversations() if c_.get("last_status")]
    ids += [s["id"] for s in eve.bookmarks()] + [s["id"] for s in eve.favourites()]
    assert not hidden & set(ids)
    for status_id in hidden:
        for action in (eve.status_favourite, eve.status_reblog, eve.status_bookmark, eve.status_pin):
            with pytest.raises(MastodonAPIError):
                action(status_id)
        with pytest.raises(MastodonAPIError):
            eve.report(a["id"], status_ids=[status_id], comment="x")
        many = requests.get(
            f"{server}/api/v1/statuses",
            params={"id[]": [status_id]},
            headers={"Authorization": f"Bearer {eve.access_token}"},
            timeout=10,
        )
        assert many.json() == []
    with pytest.raises(MastodonAPIError):
        eve.poll_vote(private["poll"]["id"], [0])
    # A follower cannot boost a followers-only post either (it would widen its audience).
    with pytest.raises(MastodonAPIError):
        bob.status_reblog(private["id"])
