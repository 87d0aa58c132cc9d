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


def test_unread_notifications_are_counted_in_the_nav(signed_in, make_account):
    from caravan.social.services import follow

    client, user = signed_in("alice")
    follow(make_account("bob"), user.account)
    assert '<span class="badge"' in client.get("/home").content.decode()
    client.get("/notifications")  # reading them marks them read
    assert '<span class="badge"' not in client.get("/home").content.decode()


def test_activitypub_fetch_of_a_web_address_is_sent_to_the_actor_and_object(client, make_account):
    from caravan.posts.services import create_post

    alice = make_account("alice")
    post = create_post(alice, "hello")
    response = client.get("/@alice", HTTP_ACCEPT="application/activity+json")
    assert response.status_code == 302 and response["Location"] == alice.uri
    response = client.get(f"/@alice/{post.id}", HTTP_ACCEPT='application/ld+json; profile="x"')
    assert response.status_code == 302 and response["Location"] == post.uri
