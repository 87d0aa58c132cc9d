from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_renders(client, signed_in, make_account):
    from caravan.publishing import create_post

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
    from caravan.relationships import follow

    client, user = signed_in("alice")
    follow(make_account("bob"), user.account)
    assert '<span class="badge"' in client.get("/home").content.decode()
    client.get("/notifications")  # reading them marks them read
    assert '<span class="badge"' not in client.get("/home").content.decode()


def test_activitypub_fetch_of_a_web_address_is_sent_to_the_actor_and_object(client, make_account):
    from caravan.publishing import create_post

    alice = make_account("alice")
    post = create_post(alice, "hello")
    response = client.get("/@alice", HTTP_ACCEPT="application/activity+json")
    assert response.status_code == 302 and response["Location"] == alice.uri
    response = client.get(f"/@alice/{post.id}", HTTP_ACCEPT='application/ld+json; profile="x"')
    assert response.status_code == 302 and response["Location"] == post.uri
    # The ActivityPub address answers the same Accept with the object, not a redirect back to the page.
    response = client.get(urlsplit(post.uri).path, HTTP_ACCEPT='application/ld+json; profile="x"')
    assert response.status_code == 200 and response.json()["id"] == post.uri


def test_timelines_page_by_id_with_older_and_newer_links(client, make_account):
    from caravan.publishing import create_post

    alice = make_account("alice")
    posts = [create_post(alice, f"note number {i}") for i in range(25)]
    first = client.get("/public/local").content.decode()
    assert "note number 24" in first and "note number 4<" not in first
    assert f"?max_id={posts[5].id}" in first
    second = client.get(f"/public/local?max_id={posts[5].id}").content.decode()
    assert "note number 4<" in second and "note number 5<" not in second
    assert f"?min_id={posts[4].id}" in second


def test_a_full_home_page_costs_a_bounded_number_of_queries(
    signed_in, make_account, django_assert_max_num_queries
):
    from caravan.publishing import create_post, favourite, reblog
    from caravan.relationships import follow

    client, user = signed_in("reader")
    bob = make_account("bob")
    follow(user.account, bob)
    for i in range(20):
        post = create_post(bob, f"post {i} #tag @reader")
        if i % 3 == 0:
            favourite(user.account, post)
            reblog(user.account, post)
    # 20 queries measured for 20 posts with boosts and favourites; an N+1 would add 20 more.
    with django_assert_max_num_queries(30):
        assert client.get("/home").status_code == 200


def test_follower_and_following_lists(client, make_account):
    from caravan.relationships import follow

    alice, bob = make_account("alice"), make_account("bob")
    follow(bob, alice)
    assert "@bob@" in client.get("/@alice/followers").content.decode()
    assert "@alice@" in client.get("/@bob/following").content.decode()
    assert "@bob@" not in client.get("/@alice/following").content.decode()
