"""Post cards say what a reply answers ("Replying to @handle", linking to the parent) only when the viewer may
read the parent, and read every parent of a page in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravan.posts.models import Post
from caravan.publishing import create_post
from caravan.relationships import follow
from caravan.web.cards import post_cards

pytestmark = pytest.mark.django_db


def test_a_reply_names_its_parent_only_for_readers_of_the_parent(make_user):
    author, replier = make_user("author").account, make_user("replier").account
    follower, stranger = make_user("follower").account, make_user("stranger").account
    follow(follower, author)
    follow(replier, author)
    hidden_parent = create_post(author, "for my followers", visibility="private")
    reply = create_post(replier, "@author agreed", in_reply_to=hidden_parent, visibility="public")

    [seen] = post_cards([Post.objects.get(pk=reply.pk)], follower)
    assert seen.reply_to is not None
    assert seen.reply_to.handle == author.handle
    assert seen.reply_to.path == f"/@author/{hidden_parent.id}"

    for viewer in (stranger, None):
        [unseen] = post_cards([Post.objects.get(pk=reply.pk)], viewer)
        assert unseen.reply_to is None  # the page says only "In reply to a post"


def test_the_parents_of_a_page_are_read_in_one_query(make_user):
    author, replier = make_user("author").account, make_user("replier").account
    parents = [create_post(author, f"parent {n}") for n in range(5)]
    replies = [create_post(replier, f"reply {n}", in_reply_to=p) for n, p in enumerate(parents)]
    plain = [create_post(replier, f"plain {n}") for n in range(5)]

    def queries_for(posts):
        loaded = list(Post.objects.filter(pk__in=[p.pk for p in posts]).select_related("account"))
        with CaptureQueriesContext(connection) as captured:
            cards = post_cards(loaded, None)
        return cards, len(captured)

    cards, with_parents = queries_for(replies)
    _, without = queries_for(plain)
    assert with_parents == without + 1  # five parents, one query
    assert {card.reply_to.path for card in cards} == {f"/@author/{p.id}" for p in parents}
    assert {card.reply_to.handle for card in cards} == {author.handle}


def test_deleting_a_post_asks_first_and_only_its_author_may(signed_in):
    client, user = signed_in("writer")
    other, _ = signed_in("other")
    post = create_post(user.account, "to be deleted")
    asked = client.get(f"/posts/{post.id}/delete?next=/home")
    page = asked.content.decode()
    assert asked.status_code == 200 and "Delete this post?" in page and "to be deleted" in page
    assert 'name="next" value="/home"' in page and Post.objects.filter(pk=post.pk).exists()
    assert other.get(f"/posts/{post.id}/delete").status_code == 404
    assert other.post(f"/posts/{post.id}/delete").status_code == 404
    # A `next` leading elsewhere is not kept: Cancel and the button's return go back to the post.
    page = client.get(f"/posts/{post.id}/delete?next=https://evil.example/").content.decode()
    form = page[page.index('class="confirm-form"') :]
    form = form[: form.index("</form>")]
    assert "evil.example" not in form and f'name="next" value="/@writer/{post.id}"' in form
    assert client.post(f"/posts/{post.id}/delete", {"next": "/home"})["Location"] == "/home"
    assert not Post.objects.filter(pk=post.pk).exists()
