"""`bulk.select_rows` gives the same model instances as the ORM: every field's value and type, JSON (with a
number past 64 bits), aware datetimes, empty and null values; and the instances save and relate as usual."""

from datetime import UTC, datetime

from caravan import publishing
from caravan.accounts.models import Account
from caravan.bulk import select_rows
from caravan.posts.models import Poll, Post
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
