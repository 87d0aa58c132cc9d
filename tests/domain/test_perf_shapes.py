"""The shapes that keep timelines fast: a fixed number of queries per page, and posts that come with their
media, mentions and tags attached without per-post queries (bench/core_timelines.py measures the times)."""

import gc
import io
import weakref

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from caravan import publishing, relationships
from caravan.media.services import upload_image
from caravan.pagination import Page, paginate, paginate_compiled
from caravan.posts.models import Post
from caravan.posts.selectors import load_posts
from caravan.timelines.selectors import home_timeline


def a_png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_loaded_posts_carry_media_mentions_and_tags_without_more_queries(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    picture = upload_image(alice, a_png(), description="red")
    with_all = publishing.create_post(alice, "Hi @bob #Caravan #Road", media=[picture])
    plain = publishing.create_post(alice, "nothing attached")
    boost = publishing.reblog(bob, with_all)

    loaded = load_posts([boost.id, plain.id, with_all.id])
    assert [p.id for p in loaded] == [boost.id, plain.id, with_all.id]
    with CaptureQueriesContext(connection) as queries:
        for post in (loaded[2], loaded[0].reblog_of):
            assert [m.description for m in post.media_attachments.all()] == ["red"]
            assert [m.account.username for m in post.mentions.all()] == ["bob"]
            assert sorted(t.tag.name for t in post.post_tags.all()) == ["caravan", "road"]
            assert post.mentions.count() == 1 and post.media_attachments.exists()
        assert list(loaded[1].media_attachments.all()) == []
        assert list(loaded[1].mentions.all()) == [] and loaded[1].post_tags.count() == 0
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]
    # Narrowing a loaded relation still queries the right post's rows.
    assert [m.account_id for m in loaded[2].mentions.filter(account=bob)] == [bob.id]
    assert list(loaded[1].mentions.filter(account=bob)) == []


def test_home_page_costs_the_same_queries_for_one_post_or_forty(make_account, run_tasks):
    reader = make_account("reader")
    authors = [make_account(f"author{i}") for i in range(4)]
    for author in authors:
        relationships.follow(reader, author)
    publishing.create_post(authors[0], "first #one")
    run_tasks()
    with CaptureQueriesContext(connection) as one:
        assert len(home_timeline(reader, Page(limit=40))) == 1
    for i in range(40):
        publishing.create_post(authors[i % 4], f"post {i} #tag{i % 3} @author{(i + 1) % 4}")
    run_tasks()
    with CaptureQueriesContext(connection) as forty:
        assert len(home_timeline(reader, Page(limit=40))) == 40
    assert len(forty) == len(one) <= 9


def test_a_relation_changed_through_its_manager_after_loading_is_read_again(make_account):
    """As with Django's own prefetch cache: a manager's create (or add, remove) drops what load_posts attached, so
    `attached` and the manager read the database again rather than the rows loaded before."""
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    post = publishing.create_post(alice, "Hi @bob")
    (loaded,) = load_posts([post.id])
    assert [m.account_id for m in loaded.attached("mentions")] == [bob.id]
    loaded.mentions.create(account=carol, silent=True)
    assert sorted(m.account_id for m in loaded.attached("mentions")) == sorted([bob.id, carol.id])
    assert loaded.mentions.count() == 2
    assert [m.account_id for m in loaded.shown_mentions] == [bob.id]
    loaded.refresh_from_db(fields=["post_tags"])  # dropping a relation that was never asked for
    assert "post_tags" not in loaded._prefetched_objects_cache and loaded.attached("post_tags") == []


def test_a_page_without_attachments_is_freed_without_the_garbage_collector(make_account):
    alice = make_account("alice")
    ids = [publishing.create_post(alice, f"plain {i}").id for i in range(5)]
    gc.disable()
    try:
        page = load_posts(ids)
        refs = [weakref.ref(p) for p in page]
        del page
        assert [r() for r in refs] == [None] * 5
    finally:
        gc.enable()


def test_a_compiled_page_query_answers_every_page_as_the_orm_does(make_account):
    """paginate_compiled keeps one SQL per shape and puts each page's bounds and ids in: every page, asked after
    others of the same shape, gives what paginate gives (caravan/pagination.py)."""
    alice, bob = make_account("alice"), make_account("bob")
    for n in range(12):
        publishing.create_post(alice if n % 3 else bob, f"post {n}")

    def build(author_id: int):
        return Post.objects.filter(account_id=author_id).values_list("id", flat=True)

    everyone = sorted(Post.objects.values_list("id", flat=True))
    alices = sorted(Post.objects.filter(account=alice).values_list("id", flat=True))
    pages = [
        Page(limit=3),
        Page(limit=3, max_id=alices[-2]),
        Page(limit=3, max_id=alices[2]),
        Page(limit=3, since_id=alices[4]),
        Page(limit=3, min_id=alices[1]),
        Page(limit=3, min_id=alices[4]),
        Page(limit=5, max_id=alices[-1], since_id=alices[0]),
        Page(limit=5, max_id=everyone[-1], min_id=alices[2]),
        Page(limit=40),
    ]
    for author in (alice, bob, alice):  # later rounds read every shape from the compiled SQL
        for page in pages:
            compiled = paginate_compiled("a test's shape", build, page, author_id=author.id)
            assert compiled == paginate(build(author.id), page), (author.username, page)
            assert all(isinstance(i, int) for i in compiled)
            if author == alice:
                assert compiled, page
    assert (
        paginate_compiled("a test's shape", build, Page(limit=3, max_id=alices[0]), author_id=alice.id) == []
    )


def test_a_shape_whose_sql_does_not_take_an_id_as_a_parameter_is_refused(make_account):
    def build(author_id: int):
        return Post.objects.filter(account_id=1).values_list("id", flat=True)  # the id left out

    with pytest.raises(ValueError, match="author_id"):
        paginate_compiled("a wrong shape", build, Page(limit=3), author_id=make_account("alice").id)


def test_compiled_page_queries_are_kept_within_bounds(make_account, monkeypatch):
    """Shapes can be named by request parameters (a list of notification types): however many are asked,
    only COMPILED_SHAPES are kept."""
    from caravan import pagination

    monkeypatch.setattr(pagination, "COMPILED_SHAPES", 4)
    alice = make_account("alice")
    post = publishing.create_post(alice, "one")

    def build(author_id: int):
        return Post.objects.filter(account_id=author_id).values_list("id", flat=True)

    for n in range(10):
        assert paginate_compiled(("many", n), build, Page(limit=2), author_id=alice.id) == [post.id]
        assert len(pagination._COMPILED) <= 4
