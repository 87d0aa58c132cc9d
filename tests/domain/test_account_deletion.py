"""Deleting one's own account: content and relationships gone, other people's counters right, the username
kept as a tombstone, a signed Delete of the actor recorded for every server that knew the account."""

import io
from pathlib import Path

import orjson
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from caravan import publishing, relationships
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.federation.models import Delivery, OutgoingActivity
from caravan.leaving import delete_account
from caravan.media.services import upload_image
from caravan.moving.models import ImportJob
from caravan.moving.services import save_upload, start_import
from caravan.notifications.models import Notification
from caravan.posts.models import Bookmark, Favourite, Post
from caravan.profiles import update_profile, upsert_remote_account
from caravan.search.models import SearchDocument
from caravan.signup import create_admin, register_user
from caravan.social.models import Follow
from caravan.timelines.models import FeedEntry

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 30)).save(out, "PNG")
    out.seek(0)
    out.name = "square.png"
    return out


def _remote(name: str, domain: str) -> Account:
    uri = f"https://{domain}/users/{name}"
    return upsert_remote_account(
        uri,
        username=name,
        domain=domain,
        inbox_url=f"{uri}/inbox",
        shared_inbox_url=f"https://{domain}/inbox",
    )


def _counts(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.followers_count, account.following_count


def test_deleting_removes_content_and_fixes_other_peoples_counters(
    make_account, make_user, run_tasks, django_capture_on_commit_callbacks
):
    user = make_user("alice")
    alice = user.account
    bob, carol = make_account("bob"), make_account("carol")
    relationships.follow(alice, bob)
    relationships.follow(carol, alice)
    relationships.follow(bob, alice)
    assert _counts(bob) == (1, 1) and _counts(carol) == (0, 1)

    bobs_post = publishing.create_post(bob, "bob writes #gardens")
    publishing.favourite(alice, bobs_post)
    publishing.bookmark(alice, bobs_post)
    publishing.reblog(alice, bobs_post)
    reply = publishing.create_post(alice, "alice answers", in_reply_to=bobs_post)
    image = upload_image(alice, _png())
    own = publishing.create_post(alice, "alice with a picture #gardens", media=[image])
    publishing.favourite(bob, own)
    publishing.reblog(carol, own)
    update_profile(alice, display_name="Alice A", note="my bio", avatar=_png())
    run_tasks()
    alice.refresh_from_db()
    files = [image.file.name, image.thumbnail.name, alice.avatar.name]
    assert all(default_storage.exists(name) for name in files)
    bobs_post.refresh_from_db()
    assert (bobs_post.favourites_count, bobs_post.reblogs_count, bobs_post.replies_count) == (1, 1, 1)
    assert Notification.objects.filter(recipient=alice).exists()

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user, PASSWORD)
    run_tasks()

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Post.objects.filter(account=alice).exists()
    assert not Post.objects.filter(reblog_of=own).exists()  # carol's boost of a deleted post goes with it
    assert not Favourite.objects.filter(account=alice).exists()
    assert not Bookmark.objects.filter(account=alice).exists()
    assert not Follow.objects.filter(account=alice).exists()
    assert not Follow.objects.filter(target_account=alice).exists()
    assert not Notification.objects.filter(recipient=alice).exists()
    assert not Notification.objects.filter(from_account=alice).exists()
    assert not FeedEntry.objects.filter(owner=alice).exists()
    assert not FeedEntry.objects.filter(author_id=alice.id).exists()
    assert not SearchDocument.objects.filter(kind="post", object_id__in=[reply.id, own.id]).exists()
    assert not SearchDocument.objects.filter(kind="account", object_id=alice.id).exists()
    assert not any(default_storage.exists(name) for name in files)

    bobs_post.refresh_from_db()
    assert (bobs_post.favourites_count, bobs_post.reblogs_count, bobs_post.replies_count) == (0, 0, 0)
    assert _counts(bob) == (0, 0)
    assert _counts(carol) == (0, 0)

    alice.refresh_from_db()
    assert alice.suspended_at is not None
    assert (alice.display_name, alice.note, alice.note_html, alice.fields) == ("", "", "", [])
    assert not alice.avatar and alice.private_key_pem  # the key stays to sign the Delete
    assert (alice.statuses_count, alice.followers_count, alice.following_count) == (0, 0, 0)


def test_username_of_a_deleted_account_is_never_given_again(make_user):
    user = make_user("alice")
    delete_account(user, PASSWORD)
    for name in ("alice", "ALICE"):
        with pytest.raises(DomainError, match="taken"):
            register_user(username=name, password=PASSWORD, agreement=True)


def test_wrong_password_is_refused_and_nothing_changes(make_user, make_account):
    user = make_user("alice")
    bob = make_account("bob")
    relationships.follow(user.account, bob)
    post = publishing.create_post(user.account, "still here")
    with pytest.raises(DomainError, match="password") as caught:
        delete_account(user, "not my password")
    assert caught.value.field == "password"
    with pytest.raises(DomainError):
        delete_account(user, "")
    assert User.objects.filter(pk=user.pk).exists()
    assert Post.objects.filter(pk=post.pk).exists()
    assert _counts(bob) == (1, 0)
    assert Account.objects.get(pk=user.account_id).suspended_at is None


def test_deleting_twice_does_nothing(make_user, make_account):
    user = make_user("alice")
    bob = make_account("bob")
    relationships.follow(bob, user.account)
    delete_account(user, PASSWORD)
    activities = OutgoingActivity.objects.count()
    delete_account(user, PASSWORD)
    delete_account(user, "anything")
    assert OutgoingActivity.objects.count() == activities
    assert _counts(bob) == (0, 0)


def test_the_last_admin_cannot_leave_the_server_without_one(db):
    first = create_admin("root", PASSWORD)
    with pytest.raises(DomainError, match="only administrator"):
        delete_account(first, PASSWORD)
    assert User.objects.filter(pk=first.pk).exists()
    create_admin("second", PASSWORD)
    delete_account(first, PASSWORD)
    assert not User.objects.filter(pk=first.pk).exists()


def test_sign_in_and_oauth_tokens_end(make_user, client):
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    user = make_user("alice")
    app = Application.objects.create(
        name="app",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="urn:ietf:wg:oauth:2.0:oob",
    )
    AccessToken.objects.create(
        user=user,
        application=app,
        token="tok-alice",  # noqa: S106 - a test token
        scope="read",
        expires=timezone.now() + timedelta(days=1),
    )
    delete_account(user, PASSWORD)
    assert not AccessToken.objects.filter(user_id=user.pk).exists()
    assert not client.login(username="alice", password=PASSWORD)


def test_import_jobs_and_their_uploads_go(make_user, django_capture_on_commit_callbacks):
    user = make_user("alice")
    upload = io.BytesIO(b"Account address,Show boosts\nbob@b.example,true\n")
    upload.name = "following.csv"
    path = save_upload(user, upload)
    start_import(user, "following", path, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user, PASSWORD)
    assert not ImportJob.objects.exists()
    assert not Path(path).exists()


def test_a_signed_delete_goes_to_every_server_that_knew_the_account(make_user, make_account):
    user = make_user("alice")
    alice = user.account
    follower, followed = _remote("rob", "followers.example"), _remote("fay", "followed.example")
    liked, bystander = _remote("lee", "liked.example"), _remote("sam", "elsewhere.example")
    relationships.follow(follower, alice)
    relationships.follow(alice, followed)
    relationships.accept_follow_request(followed, alice)
    remote_post = publishing.create_post(
        liked, "", remote=publishing.RemoteContent(html="<p>hi</p>"), uri="https://liked.example/notes/1"
    )
    publishing.favourite(alice, remote_post)
    assert bystander.pk

    delete_account(user, PASSWORD)

    delete = OutgoingActivity.objects.get(type="Delete", actor=alice)
    body = orjson.loads(delete.body)
    assert body["object"] == alice.uri and body["actor"] == alice.uri
    assert body["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    inboxes = set(Delivery.objects.filter(activity=delete).values_list("inbox_url", flat=True))
    assert inboxes == {
        "https://followers.example/inbox",
        "https://followed.example/inbox",
        "https://liked.example/inbox",
    }
    # No Undo per follow or like: the actor's Delete stands for all of it.
    assert not OutgoingActivity.objects.filter(actor=alice, type="Undo").exists()
