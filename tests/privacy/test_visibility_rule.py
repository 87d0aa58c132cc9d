"""The two forms of the visibility rule (`visible_to` for queries, `can_read` for one post) agree, boosts
included, and the read paths that used neither (streaming of home and public references, exports) use it.
The property test next door checks the agreement on random graphs; these are the cases that were wrong."""

from django.test import Client

from caravan.api.streaming import rendering
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.posts.visibility import can_read, visible_posts
from caravan.publishing import create_post, reblog
from caravan.relationships import block, follow, unfollow
from caravan.timelines.selectors import account_timeline


def test_a_boost_of_a_post_whose_author_blocks_the_viewer_is_hidden_everywhere(make_user, make_account):
    alice, bob = make_account("alice"), make_account("bob")
    carol_user = make_user("carol")
    carol = carol_user.account
    original = create_post(bob, "bob speaks")
    boost = reblog(alice, original)
    block(bob, carol)

    assert not can_read(boost, carol)
    assert not visible_posts(carol).filter(pk=boost.pk).exists()
    assert boost.id not in [p.id for p in account_timeline(alice, carol, Page())]
    client = Client()
    client.force_login(carol_user)
    assert "bob speaks" not in client.get("/@alice").content.decode()
    # Anyone else still sees alice's boost.
    assert visible_posts(None).filter(pk=boost.pk).exists() and can_read(boost, None)


def test_a_public_boost_of_a_followers_only_post_shows_only_to_who_may_read_the_original(
    make_account, make_remote
):
    """Never created here, but another server could send one: the original decides."""
    author, follower, stranger = make_account("author"), make_account("follower"), make_account("stranger")
    follow(follower, author)
    secret = create_post(author, "followers only", visibility="private")
    booster = make_remote("booster", "odd.example").account
    boost = Post.objects.create(
        account=booster,
        reblog_of=secret,
        visibility="public",
        local=False,
        uri="https://odd.example/users/booster/statuses/1/activity",
        created_at=secret.created_at,
    )
    for viewer, expected in ((follower, True), (stranger, False), (None, False)):
        assert can_read(boost, viewer) is expected
        assert visible_posts(viewer).filter(pk=boost.pk).exists() is expected


def test_streaming_drops_a_home_reference_the_viewer_may_no_longer_read(make_account):
    author, reader = make_account("author"), make_account("reader")
    follow(reader, author)
    secret = create_post(author, "followers only", visibility="private")
    message = (["user"], "update", ["status", secret.id, "home"])
    assert len(rendering.render_messages(reader.id, [message])) == 1
    unfollow(reader, author)  # between the fan-out and the moment this connection renders
    assert rendering.render_messages(reader.id, [message]) == []


def test_a_self_boost_of_a_followers_only_post_reaches_only_readers_of_the_boost(make_account, run_tasks):
    """Found by the property test: someone mentioned in the original got the author's boost of it in their
    home feed, though the boost (addressed to the author's followers) is not theirs to read."""
    from caravan.timelines.selectors import home_timeline

    author, follower, mentioned = make_account("author"), make_account("follower"), make_account("mentioned")
    follow(follower, author)
    secret = create_post(author, "@mentioned for my followers and you", visibility="private")
    boost = reblog(author, secret)
    run_tasks()
    assert not can_read(boost, mentioned)
    assert [p.id for p in home_timeline(mentioned, Page())] == [secret.id]
    assert [p.id for p in home_timeline(follower, Page())] == [boost.id, secret.id]
