import pytest

pytestmark = pytest.mark.django_db


def test_every_page_renders(client, signed_in, make_account):
    from caravan.posts.services import create_post

    alice_client, alice = signed_in("alice")
    post = create_post(alice.account, "hello #caravan world")
    for url in [
        "/",
        "/about",
        "/public",
        "/public/local",
        "/tags/caravan",
        "/@alice",
        "/@alice/with_replies",
        "/@alice/media",
        f"/@alice/{post.id}",
        f"/@alice/{post.id}/history",
        "/search?q=hello",
        "/auth/sign_in",
        "/auth/sign_up",
        "/static/caravan/caravan.css",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    for url in [
        "/home",
        "/notifications",
        "/bookmarks",
        "/favourites",
        "/follow_requests",
        "/settings/profile",
        "/settings/preferences",
        "/compose",
        f"/@alice/{post.id}/edit",
        f"/compose?in_reply_to={post.id}",
    ]:
        response = alice_client.get(url)
        assert response.status_code == 200, url
