"""Forms through the plain Django test client: sign-up rules, sign-in approval, posting errors, CSRF."""

import io

import pytest
from django.test import Client
from PIL import Image

from caravan.accounts.models import Account, User
from caravan.instance.services import add_rule, set_registration_mode
from caravan.media.models import MediaAttachment
from caravan.posts.models import Poll, Post

pytestmark = pytest.mark.django_db


def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_sign_up_shows_rules_and_signs_in(client):
    add_rule("Be kind to each other")
    page = client.get("/auth/sign_up")
    assert "Be kind to each other" in page.content.decode()
    response = client.post(
        "/auth/sign_up", {"username": "nadia", "password": "a long passphrase", "agreement": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/home"
    assert client.get("/home").status_code == 200
    assert Account.objects.filter(username="nadia", domain="").exists()


def test_sign_up_without_accepting_rules_is_refused(client):
    response = client.post("/auth/sign_up", {"username": "nadia", "password": "a long passphrase"})
    assert response.status_code == 422
    assert "accept the server&#x27;s rules" in response.content.decode()
    assert not User.objects.exists()


def test_taken_username_is_refused_next_to_the_field(client, make_user):
    make_user("nadia")
    response = client.post(
        "/auth/sign_up", {"username": "NADIA", "password": "a long passphrase", "agreement": "1"}
    )
    assert response.status_code == 422
    assert "That username is taken." in response.content.decode()
    assert User.objects.count() == 1


def test_invalid_username_is_refused(client):
    response = client.post(
        "/auth/sign_up", {"username": "no spaces!", "password": "a long passphrase", "agreement": "1"}
    )
    assert response.status_code == 422
    assert "Usernames may only use letters" in response.content.decode()
    assert not User.objects.exists()


def test_invalid_username_message_is_translated_to_arabic(client):
    response = client.post(
        "/auth/sign_up?lang=ar", {"username": "no spaces!", "password": "a long passphrase", "agreement": "1"}
    )
    body = response.content.decode()
    assert 'dir="rtl"' in body and "Usernames may only use letters" not in body


def test_approval_mode_asks_for_a_reason_and_blocks_sign_in_until_approved(client):
    from caravan.accounts.services import approve_user

    set_registration_mode("approval")
    assert "id_reason" in client.get("/auth/sign_up").content.decode()
    response = client.post(
        "/auth/sign_up",
        {
            "username": "rami",
            "password": "a long passphrase",
            "agreement": "1",
            "reason": "My friends are here",
        },
    )
    assert response.status_code == 200 and "awaiting approval" in response.content.decode()
    response = client.post("/auth/sign_in", {"username": "rami", "password": "a long passphrase"})
    assert "awaiting approval" in response.content.decode()
    assert client.get("/home").status_code == 302
    approve_user(User.objects.get(username="rami"))
    response = client.post("/auth/sign_in", {"username": "Rami", "password": "a long passphrase"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200


def test_invite_mode_needs_a_valid_code(client):
    set_registration_mode("invite")
    assert "id_invite_code" in client.get("/auth/sign_up").content.decode()
    response = client.post(
        "/auth/sign_up",
        {"username": "rami", "password": "a long passphrase", "agreement": "1", "invite_code": "nope"},
    )
    assert response.status_code == 422 and "invite code is not valid" in response.content.decode()


def test_about_page_shows_rules_and_mode(client):
    add_rule("No harassment")
    set_registration_mode("approval")
    body = client.get("/about").content.decode()
    assert "No harassment" in body and "a moderator approves" in body


def test_sign_in_with_wrong_password_is_refused(client, make_user):
    make_user("nadia")
    response = client.post("/auth/sign_in", {"username": "nadia", "password": "wrong password"})
    assert response.status_code == 403
    assert "do not match" in response.content.decode()


def test_sign_in_returns_to_a_local_next_but_not_elsewhere(client, make_user):
    make_user("nadia")
    response = client.post(
        "/auth/sign_in?next=/oauth/authorize%3Fclient_id%3Dx",
        {"username": "nadia", "password": "correct horse battery"},
    )
    assert response["Location"] == "/oauth/authorize?client_id=x"
    client.logout()
    response = client.post(
        "/auth/sign_in?next=https://evil.example/", {"username": "nadia", "password": "correct horse battery"}
    )
    assert response["Location"] == "/home"


def test_post_with_images_and_alt_text(signed_in):
    client, user = signed_in("nadia")
    response = client.post(
        "/compose",
        {
            "text": "Look",
            "visibility": "public",
            "media_1": upload("a.png", png_bytes()),
            "description_1": "A red square",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get(account=user.account)
    assert [m.description for m in post.media_attachments.all()] == ["A red square"]
    assert 'alt="A red square"' in client.get(response["Location"]).content.decode()


def test_over_long_post_is_refused_and_nothing_is_stored(signed_in):
    client, user = signed_in("nadia")
    response = client.post(
        "/compose", {"text": "x" * 501, "visibility": "public", "media_1": upload("a.png", png_bytes())}
    )
    assert response.status_code == 422
    assert "Your post is 501 characters long; the limit on this server is 500." in response.content.decode()
    assert not Post.objects.exists() and not MediaAttachment.objects.exists()


def test_non_image_upload_is_refused(signed_in):
    client, user = signed_in("nadia")
    response = client.post("/compose", {"text": "hello", "media_1": upload("a.png", b"not an image at all")})
    assert response.status_code == 422
    assert "not an image this server can read" in response.content.decode()
    assert not Post.objects.exists() and not MediaAttachment.objects.exists()


def test_oversized_upload_is_refused(signed_in, settings):
    settings.CARAVAN = {**settings.CARAVAN, "MAX_IMAGE_BYTES": 1024 * 1024}
    client, user = signed_in("nadia")
    big = png_bytes() + b"\0" * (1024 * 1024 + 1)
    response = client.post("/compose", {"text": "hello", "media_1": upload("big.png", big)})
    assert response.status_code == 422
    assert "Images can be at most 1 MB." in response.content.decode()
    assert not Post.objects.exists() and not MediaAttachment.objects.exists()


def test_poll_and_voting(signed_in):
    author_client, author = signed_in("nadia")
    response = author_client.post(
        "/compose",
        {
            "text": "Tea or coffee?",
            "visibility": "public",
            "poll_option_1": "Tea",
            "poll_option_2": "Coffee",
            "poll_expires_in": "3600",
        },
    )
    assert response.status_code == 302
    poll = Poll.objects.get()
    voter_client, _ = signed_in("rami")
    voter_client.post(f"/posts/{poll.post_id}/vote", {"choice": "1"})
    poll.refresh_from_db()
    assert [o["votes_count"] for o in poll.options] == [0, 1]
    page = voter_client.get(f"/@nadia/{poll.post_id}").content.decode()
    assert "100%" in page and "1 person voted" in page
    again = voter_client.post(f"/posts/{poll.post_id}/vote", {"choice": "0"})
    assert again.status_code == 422 and "already voted" in again.content.decode()


def test_reply_edit_history_and_delete(signed_in):
    client, user = signed_in("nadia")
    client.post("/compose", {"text": "first words", "visibility": "public"})
    post = Post.objects.get()
    response = client.post(f"/@nadia/{post.id}/edit", {"text": "better words"})
    assert response.status_code == 302
    history = client.get(f"/@nadia/{post.id}/history").content.decode()
    assert "first words" in history and "better words" in history
    other, _ = signed_in("rami")
    assert other.get(f"/@nadia/{post.id}/edit").status_code == 404
    other.post("/compose", {"text": "a reply", "in_reply_to": str(post.id), "visibility": "public"})
    assert "a reply" in client.get(f"/@nadia/{post.id}").content.decode()
    client.post(f"/posts/{post.id}/delete", {"next": f"/@nadia/{post.id}"})
    assert not Post.objects.filter(pk=post.id).exists()


def test_boost_favourite_bookmark_buttons(signed_in, make_account):
    from caravan.publishing import create_post

    post = create_post(make_account("nadia"), "boost me")
    client, user = signed_in("rami")
    for action in ("reblog", "favourite", "bookmark"):
        assert client.post(f"/posts/{post.id}/{action}", {"next": "/public"})["Location"] == "/public"
    post.refresh_from_db()
    assert post.reblogs_count == 1 and post.favourites_count == 1
    assert "boost me" in client.get("/bookmarks").content.decode()
    assert "boost me" in client.get("/favourites").content.decode()
    client.post(f"/posts/{post.id}/unbookmark")
    assert "boost me" not in client.get("/bookmarks").content.decode()


def test_follow_a_locked_account_and_accept(signed_in):
    from caravan.social.models import Follow

    owner_client, owner = signed_in("nadia")
    owner_client.post(
        "/settings/profile",
        {
            "display_name": "Nadia",
            "note": "hi",
            "locked": "1",
            "field_name_1": "Site",
            "field_value_1": "https://example.org",
        },
    )
    client, user = signed_in("rami")
    client.post(f"/accounts/{owner.account_id}/follow")
    assert "Requested" in client.get("/@nadia").content.decode()
    assert "rami" in owner_client.get("/follow_requests").content.decode()
    owner_client.post(f"/follow_requests/{user.account_id}/accept")
    assert Follow.objects.filter(account=user.account, target_account=owner.account).exists()
    assert "Unfollow" in client.get("/@nadia").content.decode()


def test_preferences_switch_the_interface_to_arabic(signed_in):
    client, user = signed_in("nadia")
    client.post("/settings/preferences", {"locale": "ar", "default_visibility": "private"})
    body = client.get("/home").content.decode()
    assert 'lang="ar" dir="rtl"' in body
    assert '<option value="private" selected>' in client.get("/compose").content.decode()


def test_forged_post_without_csrf_token_is_refused_and_changes_nothing(make_user):
    user = make_user("nadia")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/compose", {"text": "forged", "visibility": "public"})
    assert response.status_code == 403
    assert not Post.objects.exists()
    response = Client(enforce_csrf_checks=True).post(
        "/auth/sign_up", {"username": "forged", "password": "a long passphrase", "agreement": "1"}
    )
    assert response.status_code == 403
    assert not Account.objects.filter(username="forged").exists()


def test_missing_pages_are_404_in_both_languages(client):
    assert client.get("/@nobody").status_code == 404
    response = client.get("/@nobody?lang=ar")
    assert response.status_code == 404 and 'dir="rtl"' in response.content.decode()


def test_pin_a_post_to_the_profile(signed_in):
    client, user = signed_in("nadia")
    client.post("/compose", {"text": "pin me please", "visibility": "public"})
    post = Post.objects.get()
    client.post(f"/posts/{post.id}/pin")
    page = client.get("/@nadia").content.decode()
    assert page.count("pin me please") == 2 and "Unpin from profile" in page


def test_follow_a_hashtag_from_its_page(signed_in, make_account, run_tasks):
    from caravan.publishing import create_post

    client, user = signed_in("nadia")
    assert "Follow hashtag" in client.get("/tags/tea").content.decode()
    client.post("/tags/tea/follow")
    assert "Unfollow hashtag" in client.get("/tags/tea").content.decode()
    create_post(make_account("rami"), "green #tea today")
    run_tasks()
    assert "green" in client.get("/home").content.decode()


def test_edit_image_descriptions(signed_in):
    client, user = signed_in("nadia")
    client.post(
        "/compose", {"text": "pic", "media_1": upload("a.png", png_bytes()), "description_1": "old words"}
    )
    post = Post.objects.get()
    media = post.media_attachments.get()
    client.post(f"/@nadia/{post.id}/edit", {"text": "pic", f"description_{media.id}": "new words"})
    media.refresh_from_db()
    assert media.description == "new words"


def test_profile_settings_avatar_header_and_bad_upload(signed_in):
    client, user = signed_in("nadia")
    response = client.post(
        "/settings/profile",
        {
            "display_name": "Nadia",
            "avatar": upload("a.png", png_bytes((64, 64))),
            "header": upload("h.png", png_bytes((300, 100))),
        },
    )
    assert response.status_code == 302
    user.account.refresh_from_db()
    assert user.account.avatar.name.startswith("avatars/") and user.account.header.name.startswith("headers/")
    assert user.account.avatar.url in client.get("/@nadia").content.decode()
    before = user.account.avatar.name
    response = client.post(
        "/settings/profile", {"display_name": "Changed", "avatar": upload("a.png", b"GIF89a no")}
    )
    assert response.status_code == 422 and "not an image this server can read" in response.content.decode()
    user.account.refresh_from_db()
    assert user.account.avatar.name == before and user.account.display_name == "Nadia"
