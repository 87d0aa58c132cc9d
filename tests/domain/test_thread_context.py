"""A thread's context as one reader sees it: ancestors oldest first (walking past those the reader may not read),
descendants depth first, a hidden reply hiding its own replies, in a fixed number of queries however deep."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan.posts.models import Post
from caravan.posts.selectors import thread_context
from caravan.publishing import create_post
from caravan.relationships import follow

pytestmark = pytest.mark.django_db


def _ids(posts):
    return [post.id for post in posts]


def test_ancestors_and_descendants_in_reading_order_for_each_reader(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    follow(carol, bob)
    root = create_post(alice, "root")
    private = create_post(bob, "@alice for my followers", in_reply_to=root, visibility="private")
    opened = create_post(alice, "@bob public again", in_reply_to=private)
    first = create_post(bob, "first answer", in_reply_to=opened)
    under_first = create_post(carol, "under the first", in_reply_to=first)
    second = create_post(carol, "second answer", in_reply_to=opened)
    hidden = create_post(bob, "@alice only you", in_reply_to=opened, visibility="direct")
    under_hidden = create_post(alice, "@bob under the hidden one", in_reply_to=hidden)

    ancestors, descendants = thread_context(Post.objects.get(pk=opened.pk), carol)
    assert _ids(ancestors) == [root.id, private.id]  # carol follows bob
    assert _ids(descendants) == [
        first.id,
        under_first.id,
        second.id,
    ]  # the direct reply and its subtree hidden

    ancestors, descendants = thread_context(Post.objects.get(pk=opened.pk), None)
    assert _ids(ancestors) == [root.id]  # the walk goes past the followers-only post to the root
    assert _ids(descendants) == [first.id, under_first.id, second.id]

    ancestors, descendants = thread_context(Post.objects.get(pk=opened.pk), alice)
    assert _ids(descendants) == [first.id, under_first.id, second.id, hidden.id, under_hidden.id]


def test_the_queries_do_not_grow_with_the_depth_of_the_thread(make_account):
    alice, bob = make_account("alice"), make_account("bob")

    def queries_for_depth(depth):
        post = create_post(alice, "root")
        for n in range(depth):
            post = create_post(bob if n % 2 else alice, f"reply {n}", in_reply_to=post)
        opened = Post.objects.get(pk=post.pk)
        with CaptureQueriesContext(connection) as captured:
            ancestors, _ = thread_context(opened, bob)
        assert len(ancestors) == depth
        return len(captured)

    assert queries_for_depth(2) == queries_for_depth(12)
