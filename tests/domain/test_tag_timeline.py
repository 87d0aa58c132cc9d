"""Hashtag timelines (`any[]`, `all[]`, `none[]`, local, paging both ways) against the same question answered
by brute force over every post: the timeline reads each tag's page on its own index range and merges them."""

import random

from caravan import publishing
from caravan.accounts.services import set_role
from caravan.instance.services import add_rule
from caravan.moderation import services as moderation
from caravan.pagination import Page
from caravan.posts.models import Post
from caravan.timelines.selectors import tag_timeline


def _expected(posts, *, any_of, all_of=(), none_of=(), local=False):
    kept = []
    for post, tags in posts:
        if not set(tags) & set(any_of) or not set(all_of) <= set(tags) or set(tags) & set(none_of):
            continue
        if post.visibility != "public" or (local and not post.local):
            continue
        kept.append(post.id)
    return sorted(kept, reverse=True)


def _pages(viewer, name, limit, **kw):
    """Every page, newest first, following max_id; then the same again backwards with min_id."""
    down, page = [], Page(limit=limit)
    while ids := [p.id for p in tag_timeline(viewer, name, page, **kw)]:
        down += ids
        page = Page(limit=limit, max_id=ids[-1])
    up, page = [], Page(limit=limit, min_id=0)
    while ids := [p.id for p in tag_timeline(viewer, name, page, **kw)]:
        assert ids == sorted(ids, reverse=True)
        up = ids + up
        page = Page(limit=limit, min_id=ids[0])
    return down, up


def test_tag_timelines_page_as_brute_force_says(make_account):
    rng = random.Random(7)
    authors = [make_account(f"author{i}") for i in range(3)]
    posts = []
    for i in range(60):
        tags = rng.sample(["red", "green", "blue", "gold"], rng.randint(1, 3))
        visibility = rng.choice(["public", "public", "public", "unlisted", "private"])
        post = publishing.create_post(
            authors[i % 3], f"post {i} " + " ".join(f"#{t}" for t in tags), visibility=visibility
        )
        posts.append((post, tags))
    reader = make_account("reader")
    cases = [
        {"any_of": ["red"]},
        {"any_of": ["red", "green"]},
        {"any_of": ["red", "green", "blue"], "none_of": ["gold"]},
        {"any_of": ["blue"], "all_of": ["gold"]},
        {"any_of": ["green", "gold"], "all_of": ["red"], "none_of": ["blue"]},
    ]
    for case in cases:
        expected = _expected(posts, **case)
        assert expected, case
        first, *others = case["any_of"]
        kw = {"any_tags": others, "all_tags": case.get("all_of"), "none_tags": case.get("none_of")}
        for limit in (1, 4, 40):
            down, up = _pages(reader, first, limit, **kw)
            assert down == expected, (case, limit)
            assert up == expected, (case, limit)


def test_a_limited_author_leaves_the_tag_timeline(make_account, make_user):
    loud, quiet = make_account("loud"), make_account("quiet")
    moderator = set_role(make_user("mod"), "moderator")
    kept = publishing.create_post(quiet, "#road ahead")
    hidden = publishing.create_post(loud, "#road noise")
    assert [p.id for p in tag_timeline(None, "road", Page(limit=40))] == [hidden.id, kept.id]
    moderation.take_action(moderator, loud, "limit", rule_ids=[add_rule("No spam").id], reason="Spam.")
    assert [p.id for p in tag_timeline(None, "road", Page(limit=40))] == [kept.id]
    assert Post.objects.filter(pk=hidden.pk).exists()
