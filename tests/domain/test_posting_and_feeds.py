"""The core domain: posting, following, feeds and the one visibility rule."""

import pytest

from caravan import publishing, relationships
from caravan.errors import DomainError
from caravan.pagination import Page
from caravan.posts.models import Visibility
from caravan.posts.selectors import thread_context
from caravan.posts.visibility import can_read, visible_posts
from caravan.search.selectors import search_posts
from caravan.timelines.models import FeedEntry
from caravan.timelines.selectors import home_timeline
from caravan.timelines.services import insert_posts_into_feeds


def test_post_reaches_followers_home_after_fan_out(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    post = publishing.create_post(alice, "Hello #Caravan from @bob")
    assert [p.id for p in home_timeline(alice, Page())] == [post.id]
    run_tasks()
    assert [p.id for p in home_timeline(bob, Page())] == [post.id]
    assert "mention" in post.content and "hashtag" in post.content


def test_feed_entries_are_written_once_however_often_a_batch_names_them(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    post, other = publishing.create_post(alice, "first"), publishing.create_post(alice, "second")
    # One statement for the batch on PostgreSQL, a statement per row on SQLite: both skip what is there.
    insert_posts_into_feeds([(post, [bob.id, carol.id, bob.id]), (other, [carol.id])])
    insert_posts_into_feeds([(post, [bob.id]), (other, [carol.id, bob.id])])
    entries = FeedEntry.objects.filter(post__in=[post, other]).order_by("post_id", "owner_id")
    assert [(e.post_id, e.owner_id, e.author_id) for e in entries] == sorted(
        [(post.id, alice.id, alice.id), (post.id, bob.id, alice.id), (post.id, carol.id, alice.id)]
        + [(other.id, alice.id, alice.id), (other.id, bob.id, alice.id), (other.id, carol.id, alice.id)]
    )


def test_followers_only_post_never_leaks(make_account, run_tasks):
    alice, bob, eve = make_account("alice"), make_account("bob"), make_account("eve")
    relationships.follow(bob, alice)
    secret = publishing.create_post(alice, "for followers", visibility=Visibility.PRIVATE)
    run_tasks()
    assert can_read(secret, bob) and not can_read(secret, eve) and not can_read(secret, None)
    assert secret.id not in [p.id for p in home_timeline(eve, Page())]
    assert not visible_posts(eve).filter(pk=secret.pk).exists()
    assert search_posts(eve, "followers") == []
    with pytest.raises(DomainError):
        publishing.reblog(bob, secret)


def test_direct_post_only_for_mentioned(make_account, run_tasks):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    relationships.follow(carol, alice)
    dm = publishing.create_post(alice, "@bob psst", visibility=Visibility.DIRECT)
    run_tasks()
    assert can_read(dm, bob) and not can_read(dm, carol)
    assert dm.id in [p.id for p in home_timeline(bob, Page())]
    assert dm.id not in [p.id for p in home_timeline(carol, Page())]


def test_over_long_post_is_refused(make_account):
    alice = make_account("alice")
    with pytest.raises(DomainError, match="limit"):
        publishing.create_post(alice, "x" * 501)
    assert alice.posts.count() == 0
    publishing.create_post(alice, "https://example.com/" + "a" * 600)  # a URL counts as 23


def test_thread_and_arabic_search(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    root = publishing.create_post(alice, "مَرْحَبًا بِالْعَالَمِ")
    reply = publishing.create_post(bob, "أهلاً وسهلاً", in_reply_to=root)
    ancestors, descendants = thread_context(root, None)
    assert [p.id for p in descendants] == [reply.id]
    assert [p.id for p in search_posts(None, "مرحبا")] == [root.id]
    assert [p.id for p in search_posts(None, "اهلا")] == [reply.id]


def test_locked_account_needs_approval(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    alice.locked = True
    alice.save()
    request = relationships.follow(bob, alice)
    assert type(request).__name__ == "FollowRequest"
    follow = relationships.accept_follow_request(alice, bob)
    assert follow.account_id == bob.id
    alice.refresh_from_db()
    assert alice.followers_count == 1


def test_a_suspended_authors_feed_rows_are_skipped_before_they_are_deleted(make_account, run_tasks):
    """A suspension empties home feeds at once: the read skips the rows of suspended authors, so a page is
    still full of other posts; deleting the rows afterwards (housekeeping) changes nothing a reader sees."""
    from django.utils import timezone

    from caravan.accounts.models import Account
    from caravan.timelines.models import FeedEntry
    from caravan.timelines.services import remove_authors_from_all_feeds

    reader, friend, spammer = make_account("reader"), make_account("friend"), make_account("spammer")
    relationships.follow(reader, friend)
    relationships.follow(reader, spammer)
    older = [publishing.create_post(friend, f"friend {n}") for n in range(2)]
    spam = [publishing.create_post(spammer, f"spam {n}") for n in range(3)]
    boost = publishing.reblog(spammer, older[0])
    run_tasks()
    assert FeedEntry.objects.filter(owner=reader, author_id=spammer.id).count() == 4
    in_all_feeds = FeedEntry.objects.filter(author_id=spammer.id).count()  # the spammer's own feed too
    Account.objects.filter(pk=spammer.pk).update(suspended_at=timezone.now())
    page = home_timeline(reader, Page(limit=2))
    assert [p.id for p in page] == [
        older[1].id,
        older[0].id,
    ]  # two rows, though four newer spam rows come first
    assert remove_authors_from_all_feeds([spammer.id]) == in_all_feeds
    assert not FeedEntry.objects.filter(author_id=spammer.id).exists()
    assert [p.id for p in home_timeline(reader, Page(limit=2))] == [older[1].id, older[0].id]
    assert boost.id not in [p.id for p in home_timeline(reader, Page())] and spam
