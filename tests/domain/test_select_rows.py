"""`bulk.select_rows` gives the same model instances as the ORM: every field's value and type, JSON (with a
number past 64 bits), aware datetimes, empty and null values; and the instances save and relate as usual."""

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan import publishing
from caravan.accounts.models import Account
from caravan.bulk import Read, ReadAhead, Rows, among, select_many, select_rows
from caravan.posts.models import Mention, Poll, Post, PostTag, Tag
from caravan.publishing.drafts import PollSpec


def _same(found, expected):
    for field in type(expected)._meta.concrete_fields:
        mine, theirs = getattr(found, field.attname), getattr(expected, field.attname)
        assert mine == theirs, field.name
        assert type(mine) is type(theirs), field.name
        if isinstance(theirs, datetime):
            assert mine.utcoffset() == theirs.utcoffset(), field.name


def test_rows_are_the_orm_instances(make_account):
    alice = make_account("alice")
    Account.objects.filter(pk=alice.pk).update(
        fields=[{"name": "site", "value": "https://example.org", "verified_at": None}],
        also_known_as=["https://elsewhere.example/users/alice"],
        suspended_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    with_poll = publishing.create_post(alice, "Which?", poll=PollSpec(options=["a", "b"], expires_in=3600))
    plain = publishing.create_post(alice, "Plain text")
    Post.objects.filter(pk=plain.pk).update(
        emojis=[{"shortcode": "big", "url": "https://example.org/e.png", "n": 2**70}],
        edited_at=datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC),
    )
    for model, ids, key in (
        (Account, [alice.id], "pk"),
        (Post, [with_poll.id, plain.id], "pk"),
        (Poll, [with_poll.id], "post"),
    ):
        found = sorted(select_rows(model, ids, key=key), key=lambda o: o.pk)
        expected = sorted(model.objects.filter(**{f"{key}__in": ids}), key=lambda o: o.pk)
        assert len(found) == len(expected) == len(ids)
        for mine, theirs in zip(found, expected, strict=True):
            _same(mine, theirs)
    post = select_rows(Post, [plain.id])[0]
    assert post.emojis[0]["n"] == 2**70
    assert post.account.username == "alice"  # relations load as usual
    post.text = "Changed"
    post.save(update_fields=["text"])  # and the instance saves as a loaded one
    assert Post.objects.get(pk=plain.pk).text == "Changed"
    assert select_rows(Post, []) == []


def test_select_many_gives_each_read_its_rows_in_one_round_trip_on_postgresql(make_account):
    alice = make_account("alice")
    make_account("bob")
    post = publishing.create_post(alice, "Hello @bob")
    mentioned = f"SELECT account_id FROM {Mention._meta.db_table} WHERE post_id = %s"  # noqa: S608
    with CaptureQueriesContext(connection) as queries:
        posts, nothing, accounts, counted = select_many(
            Read.among(Post, [post.id]),
            None,
            Read(Account, f"id IN ({mentioned})", [post.id]),
            Rows(f"SELECT COUNT(*) FROM {Post._meta.db_table} WHERE account_id = %s", [alice.id]),  # noqa: S608
        )
    assert [p.id for p in posts] == [post.id] and posts[0].text == "Hello @bob"
    assert nothing == []
    assert [a.username for a in accounts] == ["bob"]
    assert counted == [(1,)]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


def test_ids_go_to_postgresql_as_one_array_literal_and_anything_else_as_a_list():
    assert among("id", [3, 1, 2], "postgresql") == ("id = ANY(%s::bigint[])", ["{3,1,2}"])
    assert among("id", [-(2**63), 2**63 - 1], "postgresql") == (
        "id = ANY(%s::bigint[])",
        [f"{{{-(2**63)},{2**63 - 1}}}"],
    )
    # Past 64 bits the server would refuse the literal; str(True) is no integer; text is quoted by psycopg.
    assert among("id", [1, 2**64], "postgresql") == ("id = ANY(%s)", [[1, 2**64]])
    assert among("flag", [True], "postgresql") == ("flag = ANY(%s)", [[True]])
    assert among("name", ["a'b", "c"], "postgresql") == ("name = ANY(%s)", [["a'b", "c"]])
    assert among("id", [3, 1], "sqlite") == ("id IN (%s, %s)", [3, 1])


def test_a_read_made_ahead_on_postgresql_is_not_queried_again_and_only_once(make_account):
    alice = make_account("alice")
    post = publishing.create_post(alice, "Made ahead")
    with CaptureQueriesContext(connection) as made:
        ahead = ReadAhead(Read.among(Post, [post.id]), Read.among(Account, [alice.id]))
    on_postgresql = connection.vendor == "postgresql"
    assert len(made) == (1 if on_postgresql else 0)  # SQLite: no round trips to save, nothing read ahead
    Post.objects.filter(pk=post.pk).update(text="Changed since")
    with ahead, CaptureQueriesContext(connection) as queries:
        first = select_rows(Post, [post.id])  # the very same read: from what was read ahead (PostgreSQL)
        assert len(queries) == (0 if on_postgresql else 1)
        other = select_rows(Account, [alice.id, alice.id])  # asked differently: queried
        again = select_rows(Post, [post.id])  # a second time: queried
        assert len(queries) == (2 if on_postgresql else 3)
    assert first[0].text == ("Made ahead" if on_postgresql else "Changed since")
    assert again[0].text == "Changed since"
    assert [a.id for a in other] == [alice.id]
    with CaptureQueriesContext(connection) as queries:
        select_rows(Account, [alice.id])  # outside the block: queried, though it was read ahead
    assert len(queries) == 1


def test_a_read_that_needs_another_is_skipped_one_by_one_when_that_found_nothing(make_account):
    alice = make_account("alice")
    tagged, plain = publishing.create_post(alice, "With #Caravan"), publishing.create_post(alice, "Without")
    for post, expected in ((tagged, ["caravan"]), (plain, [])):
        post_tags = Read.among(PostTag, [post.id], "post")
        tags = Read(
            Tag, "id IN (SELECT tag_id FROM posts_posttag WHERE post_id = %s)", [post.id], needs=post_tags
        )
        with CaptureQueriesContext(connection) as queries:
            _, found = select_many(post_tags, tags)
        assert [t.name for t in found] == expected
        one_by_one = 2 if expected else 1
        assert len(queries) == (1 if connection.vendor == "postgresql" else one_by_one)
