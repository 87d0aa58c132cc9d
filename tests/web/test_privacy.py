"""Followers-only and direct posts must never show to anyone else, anonymous or signed in, on any page."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from caravan.notifications.models import NotificationPolicy
from caravan.posts.models import Post

pytestmark = pytest.mark.django_db

FOLLOWERS_TEXT = "quietfollowerswords"
DIRECT_TEXT = "quietdirectwords"


def image():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(out, "PNG")
    return SimpleUploadedFile("secret.png", out.getvalue(), content_type="image/png")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages_for(post_ids: list[int]) -> list[str]:
    return [
        "/@author",
        "/@author/with_replies",
        "/@author/media",
        "/public",
        "/public/local",
        "/tags/hushhush",
        f"/search?q={FOLLOWERS_TEXT}",
        f"/search?q={DIRECT_TEXT}",
        "/search?q=hushhush",
        "/",
    ] + [f"/@author/{post_id}/history" for post_id in post_ids]


def test_followers_only_and_direct_posts_never_leak(make_user, run_tasks):
    author, follower, mentioned, stranger = (
        make_user(n) for n in ("author", "follower", "mentioned", "stranger")
    )
    author_client, follower_client = client_for(author), client_for(follower)
    # The mentioned person does not follow the author: by Mastodon's default policy the private mention would be
    # held as a filtered notification; this person chose to see every private mention.
    NotificationPolicy.objects.create(account=mentioned.account, for_private_mentions="accept")
    follower_client.post(f"/accounts/{author.account_id}/follow")
    author_client.post(
        "/compose",
        {
            "text": f"{FOLLOWERS_TEXT} #hushhush",
            "visibility": "private",
            "media_1": image(),
            "description_1": "secret picture",
        },
    )
    author_client.post(
        "/compose",
        {
            "text": f"@mentioned {DIRECT_TEXT} #hushhush",
            "visibility": "direct",
            "media_1": image(),
            "description_1": "secret picture",
        },
    )
    run_tasks()
    followers_post = Post.objects.get(visibility="private")
    direct_post = Post.objects.get(visibility="direct")

    # The people allowed to read them do (so the checks below are not vacuous).
    assert FOLLOWERS_TEXT in follower_client.get("/home").content.decode()
    assert FOLLOWERS_TEXT in follower_client.get("/@author").content.decode()
    mentioned_client = client_for(mentioned)
    assert DIRECT_TEXT in mentioned_client.get("/home").content.decode()
    assert DIRECT_TEXT in mentioned_client.get("/notifications").content.decode()
    assert mentioned_client.get(f"/@author/{direct_post.id}").status_code == 200

    readers = {"anonymous": Client(), "stranger": client_for(stranger)}
    for name, reader in readers.items():
        for url in pages_for([followers_post.id, direct_post.id]) + ["/home", "/notifications", "/bookmarks"]:
            response = reader.get(url, follow=True)
            # The search box echoes the query; what matters is the rest of the page.
            body = re.sub(r'value="[^"]*"', "", response.content.decode())
            assert f'id="post-{followers_post.id}"' not in body and f'id="post-{direct_post.id}"' not in body
            assert FOLLOWERS_TEXT not in body, (name, url)
            assert DIRECT_TEXT not in body, (name, url)
            assert "secret picture" not in body, (name, url)
        for post in (followers_post, direct_post):
            assert reader.get(f"/@author/{post.id}").status_code == 404, name
            assert reader.get(f"/@author/{post.id}/history").status_code == 404, name
    # The follower may read the followers-only post, but not the direct one, anywhere.
    for url in pages_for([direct_post.id]) + ["/home", "/notifications"]:
        body = re.sub(r'value="[^"]*"', "", follower_client.get(url).content.decode())
        assert DIRECT_TEXT not in body and f'id="post-{direct_post.id}"' not in body, url
    assert follower_client.get(f"/@author/{direct_post.id}").status_code == 404

    # Acting on a hidden post is refused the same way, and changes nothing.
    stranger_client = readers["stranger"]
    for action in ("favourite", "bookmark", "reblog"):
        assert stranger_client.post(f"/posts/{followers_post.id}/{action}").status_code == 404
    reply = stranger_client.post("/compose", {"text": "peek", "in_reply_to": str(direct_post.id)})
    assert reply.status_code == 404
    followers_post.refresh_from_db()
    assert followers_post.favourites_count == 0 and followers_post.reblogs_count == 0
    assert not Post.objects.filter(text="peek").exists()


def test_names_and_texts_are_escaped_everywhere(make_user):
    from caravan.profiles import update_profile
    from caravan.publishing import PollSpec, create_post
    from caravan.relationships import follow

    evil = "<script>alert(1)</script>"
    mallory, victim = make_user("mallory"), make_user("victim")
    update_profile(
        mallory.account, display_name="<b>x</b>", note=evil, fields=[{"name": evil, "value": evil}]
    )
    follow(mallory.account, victim.account)
    post = create_post(
        mallory.account,
        f"{evil} @victim",
        spoiler_text=evil,
        poll=PollSpec(options=[evil, "<img src=x onerror=alert(1)>"]),
    )
    client = client_for(victim)
    for url in [
        "/notifications",
        "/@mallory",
        f"/@mallory/{post.id}",
        "/search?q=mallory",
        "/@victim/followers",
    ]:
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>x</b>" not in body, url
