"""The PostgreSQL backend reads `timestamptz` with psycopg's C loader and gives the values Django's own loader
gives: aware, in UTC, to the microsecond; with time zones switched off, naive, as Django reads them
(caravan/postgresql/base.py)."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test import override_settings

from caravan.bulk import select_rows
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
    assert naive == streamed == WRITTEN.replace(tzinfo=None)
    assert Post.objects.get(pk=post.pk).created_at == WRITTEN  # and aware again afterwards
