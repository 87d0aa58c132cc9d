"""Imported replies join the thread they answer: a quiet copy that replies to one of the author's posts takes
that post's thread root, also when the post is itself a live reply in someone else's thread, so the thread's
context shows it (the visibility property test found an imported reply missing from its thread)."""

import pytest
from django.utils import timezone

from caravan import publishing
from caravan.posts.models import Post
from caravan.posts.selectors import thread_context

pytestmark = pytest.mark.django_db


def test_an_imported_reply_to_a_live_reply_joins_the_live_thread(make_account):
    omar, layla = make_account("omar"), make_account("layla")
    root = publishing.create_post(layla, "Who is moving this week?")
    live_reply = publishing.create_post(omar, "I am", in_reply_to=root)
    [imported] = publishing.import_posts_quietly(
        omar,
        [
            publishing.ImportedPost(
                created_at=timezone.now(), text="and my family too", in_reply_to_id=live_reply.id
            )
        ],
    )
    assert imported.in_reply_to_id == live_reply.id and imported.thread_root_id == root.id
    _, descendants = thread_context(root, omar)
    assert [post.id for post in descendants] == [live_reply.id, imported.id]


def test_a_chain_in_one_batch_and_one_joined_later_take_the_live_thread_root(make_account):
    omar, layla = make_account("omar"), make_account("layla")
    root = publishing.create_post(layla, "Where to?")
    live_reply = publishing.create_post(omar, "South", in_reply_to=root)
    first_id, second_id, late_id = 10**17 + 1, 10**17 + 2, 10**17 + 3
    now = timezone.now()
    publishing.import_posts_quietly(
        omar,
        [
            publishing.ImportedPost(id=first_id, created_at=now, text="one", in_reply_to_id=live_reply.id),
            publishing.ImportedPost(id=second_id, created_at=now, text="two", in_reply_to_id=first_id),
            # Its parent arrives in a later batch: stored unlinked, joined afterwards.
            publishing.ImportedPost(id=late_id, created_at=now, text="late", in_reply_to_id=10**17 + 4),
        ],
    )
    publishing.import_posts_quietly(
        omar, [publishing.ImportedPost(id=10**17 + 4, created_at=now, text="four", in_reply_to_id=second_id)]
    )
    assert publishing.link_imported_replies(omar, {late_id: 10**17 + 4}) == 1
    roots = dict(Post.objects.filter(account=omar).values_list("id", "thread_root_id"))
    assert {roots[i] for i in (first_id, second_id, 10**17 + 4, late_id)} == {root.id}
    _, descendants = thread_context(root, layla)
    assert [post.id for post in descendants] == [live_reply.id, first_id, second_id, 10**17 + 4, late_id]
