"""`publishing.import_posts_quietly`, the one path imported posts take: validated per post, stored whole
or not at all, quiet."""

import io
from datetime import UTC, datetime

import pytest

from caravan import publishing
from caravan.errors import DomainError
from caravan.media.services import upload_image
from caravan.notifications.models import Notification
from caravan.posts.models import Post
from caravan.timelines.models import FeedEntry

from .archives import jpeg_bytes


def test_batch_is_validated_whole_and_stays_quiet(make_account, run_tasks):
    me, other = make_account("mover"), make_account("other")
    theirs = upload_image(other, io.BytesIO(jpeg_bytes()))
    when = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(DomainError, match="does not belong"):
        publishing.import_posts_quietly(
            me,
            [
                publishing.ImportedPost(created_at=when, text="fine"),
                publishing.ImportedPost(created_at=when, text="not mine", media=[theirs]),
            ],
        )
    with pytest.raises(DomainError, match="Visibility"):
        publishing.import_posts_quietly(
            me, [publishing.ImportedPost(created_at=when, text="x", visibility="everyone")]
        )
    assert not Post.objects.filter(account=me).exists()

    def resolver(username, domain):
        return other if username == "other" else None

    stored = publishing.import_posts_quietly(
        me,
        [
            publishing.ImportedPost(created_at=when, text="hello @other #Tag https://example.org"),
            publishing.ImportedPost(
                created_at=when,
                html="<p>from <b>html</b><img src=x onerror=alert(1)></p>",
                tags=["Html"],
                visibility="unlisted",
            ),
        ],
        mention_resolver=resolver,
    )
    run_tasks()
    first, second = (Post.objects.get(pk=p.id) for p in stored)
    assert first.mentions.filter(account=other).exists() and first.created_at == when and first.imported
    assert 'href="https://example.org"' in first.content
    assert "<img" not in second.content and second.post_tags.filter(tag__name="html").exists()
    assert not Notification.objects.exists()
    assert not FeedEntry.objects.exclude(owner=me).exists()
    me.refresh_from_db()
    assert me.statuses_count == 2 and me.last_status_at == when
