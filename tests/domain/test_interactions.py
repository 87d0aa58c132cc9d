"""Boosts, favourites, polls, edits, blocks and the notifications they cause."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import publishing, relationships
from caravan.errors import DomainError
from caravan.notifications.models import Notification
from caravan.pagination import Page
from caravan.posts.models import Poll
from caravan.social import services as social
from caravan.timelines.selectors import account_timeline, home_timeline


def kinds(account):
    return sorted(Notification.objects.filter(recipient=account).values_list("type", flat=True))


def test_boost_and_favourite_notify_the_author_once(make_account, run_tasks):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    relationships.follow(carol, bob)
    post = publishing.create_post(alice, "worth sharing")
    boost = publishing.reblog(bob, post)
    assert publishing.reblog(bob, post).id == boost.id
    publishing.favourite(bob, post)
    publishing.favourite(bob, post)
    run_tasks()
    assert kinds(alice) == ["favourite", "reblog"]
    assert [p.id for p in home_timeline(carol, Page())] == [boost.id]
    post.refresh_from_db()
    assert (post.reblogs_count, post.favourites_count) == (1, 1)


def test_poll_vote_rules_and_end_notification(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    post = publishing.create_post(
        alice, "Tea or coffee?", poll=publishing.PollSpec(["Tea", "Coffee"], expires_in=300)
    )
    with pytest.raises(DomainError):
        publishing.vote(bob, post.poll, [0, 1])
    publishing.vote(bob, post.poll, [1])
    with pytest.raises(DomainError, match="already"):
        publishing.vote(bob, post.poll, [0])
    poll = Poll.objects.get(pk=post.poll.pk)
    assert [o["votes_count"] for o in poll.options] == [0, 1]
    Poll.objects.filter(pk=poll.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    publishing.close_poll_and_notify(poll.pk)
    assert kinds(bob) == ["poll"] and kinds(alice) == ["poll"]
    with pytest.raises(DomainError, match="ended"):
        publishing.vote(make_account("carol"), poll, [0])


def test_poll_needs_two_to_four_distinct_options(make_account):
    alice = make_account("alice")
    for options in (["only"], ["a", "b", "c", "d", "e"], ["same", "Same"]):
        with pytest.raises(DomainError):
            publishing.create_post(alice, "poll", poll=publishing.PollSpec(options))
    assert alice.posts.count() == 0


def test_edit_keeps_history(make_account):
    alice = make_account("alice")
    post = publishing.create_post(alice, "first version")
    publishing.edit_post(post, alice, "second version")
    publishing.edit_post(post, alice, "third version")
    assert [e.text for e in post.edits.all()] == ["first version", "second version", "third version"]
    assert post.edited_at is not None
    with pytest.raises(DomainError):
        publishing.edit_post(post, make_account("mallory"), "hijack")


def test_block_ends_follows_and_hides_posts(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    relationships.follow(alice, bob)
    publishing.create_post(alice, "before block")
    run_tasks()
    relationships.block(alice, bob)
    assert home_timeline(bob, Page()) == []
    assert account_timeline(alice, bob, Page()) == []
    with pytest.raises(DomainError):
        relationships.follow(bob, alice)
    alice.refresh_from_db()
    assert alice.followers_count == 0 and alice.following_count == 0


def test_mention_from_muted_account_does_not_notify(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    social.mute(alice, bob)
    publishing.create_post(bob, "hey @alice")
    assert kinds(alice) == []


def test_delete_removes_post_everywhere(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    post = publishing.create_post(alice, "soon gone")
    publishing.favourite(bob, post)
    run_tasks()
    publishing.delete_post(post, alice)
    assert home_timeline(bob, Page()) == [] and kinds(alice) == ["follow"]
    alice.refresh_from_db()
    assert alice.statuses_count == 0


def test_imported_posts_are_quiet_and_sort_by_date(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    new = publishing.create_post(alice, "today")
    (old,) = publishing.import_posts_quietly(
        alice,
        [publishing.ImportedPost(created_at=timezone.now() - timedelta(days=900), text="years ago @bob")],
        mention_resolver=publishing.resolve_mention,
    )
    run_tasks()
    assert [p.id for p in home_timeline(bob, Page())] == [new.id]
    assert [p.id for p in account_timeline(alice, None, Page())] == [new.id, old.id]
    assert kinds(bob) == []


def test_bookmarks_hide_posts_the_reader_may_no_longer_read(make_account):
    from caravan.posts.models import Visibility
    from caravan.timelines.selectors import bookmarked_posts, favourited_posts

    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    secret = publishing.create_post(alice, "for followers", visibility=Visibility.PRIVATE)
    publishing.bookmark(bob, secret)
    publishing.favourite(bob, secret)
    assert [p.id for p in bookmarked_posts(bob, Page())[0]] == [secret.id]
    relationships.unfollow(bob, alice)
    assert bookmarked_posts(bob, Page())[0] == [] and favourited_posts(bob, Page())[0] == []
