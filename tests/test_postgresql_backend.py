"""The PostgreSQL backend reads `timestamptz` with psycopg's C loader and gives the values Django's own loader
gives: aware, in UTC, to the microsecond; with time zones switched off, naive, as Django reads them; and it
prepares `bulk`'s reads by key on the server, planned once, and nothing else (caravan/postgresql/base.py)."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test import override_settings

from caravan.accounts.models import Account
from caravan.bulk import Read, select_many, select_rows
from caravan.posts.models import Post
from caravan.publishing import create_post

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend")

WRITTEN = datetime(2026, 3, 8, 23, 59, 58, 123456, tzinfo=UTC)


@pytest.fixture
def post(make_account):
    post = create_post(make_account("alice"), "a dated post")
    Post.objects.filter(pk=post.pk).update(created_at=WRITTEN, edited_at=None)
    return post


@pytest.mark.django_db
def test_timestamps_come_back_as_written_in_utc_through_every_read(post):
    from caravan.postgresql.base import CTimestamptzLoader

    assert CTimestamptzLoader is not None, "psycopg's C build (psycopg[binary]) is a dependency"
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is CTimestamptzLoader
    read = [
        Post.objects.get(pk=post.pk).created_at,
        Post.objects.filter(pk=post.pk).values_list("created_at", flat=True)[0],
        select_rows(Post, [post.pk])[0].created_at,
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at FROM posts_post WHERE id = %s", [post.pk])
        read.append(cursor.fetchone()[0])
    with transaction.atomic():  # a server-side cursor (a named one), as .iterator() uses
        read.append(next(Post.objects.filter(pk=post.pk).iterator(chunk_size=10)).created_at)
    for value in read:
        assert value == WRITTEN
        assert value.tzinfo is UTC
    assert Post.objects.get(pk=post.pk).edited_at is None


@pytest.mark.django_db
def test_with_time_zones_off_timestamps_are_naive_as_django_reads_them(post):
    with override_settings(USE_TZ=False):
        naive = Post.objects.get(pk=post.pk).created_at
        with transaction.atomic():
            streamed = next(Post.objects.filter(pk=post.pk).iterator(chunk_size=10)).created_at
        prepared = select_rows(Post, [post.pk])[0].created_at  # a statement prepared on the server
    assert naive == streamed == prepared == WRITTEN.replace(tzinfo=None)
    assert Post.objects.get(pk=post.pk).created_at == WRITTEN  # and aware again afterwards


def _prepared_statements() -> dict[str, tuple[int, int]]:
    """This connection's statements prepared on the server: {text: (generic plans, custom plans)}."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


@pytest.mark.django_db
def test_reads_by_key_are_prepared_and_planned_once_and_django_queries_are_never_prepared(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    before = _prepared_statements()
    for _ in range(7):
        assert [a.username for a in select_rows(Account, [alice.id])] == ["alice"]
        accounts, posts = select_many(
            Read.among(Account, [bob.id, alice.id]), Read.among(Post, [0], "account")
        )
        assert sorted(a.username for a in accounts) == ["alice", "bob"] and posts == []
        assert Account.objects.filter(username="bob").exists()  # Django's own query, run as often
    made = {text: plans for text, plans in _prepared_statements().items() if text not in before}
    # The read of accounts by id (whatever the number of ids) and of posts by author.
    assert len(made) == 2, made
    assert all("= ANY($1::bigint[])" in text for text in made)
    # PostgreSQL would plan each run again (a custom plan for the ids given); the generic plan serves them all.
    assert sorted(made.values()) == [(7, 0), (14, 0)]
