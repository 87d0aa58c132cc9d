"""The one post pipeline: the same post stored through each origin (written here, arrived from another server,
brought in from an archive) and one by one or as a batch leaves the same rows, except where the origin's rule says
otherwise (imported copies are quiet; a local reply mentions the parent's author)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from caravan import publishing, relationships
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.notifications.models import Notification
from caravan.posts.models import Mention, Poll, Post, PostTag
from caravan.profiles import upsert_remote_account
from caravan.publishing import drafts, store_posts
from caravan.search.models import SearchDocument
from caravan.social import services as social
from caravan.timelines.models import FeedEntry

TEXT = "Salam @bob, نلتقي غدا #Caravan"
HTML = "<p>Salam @bob, نلتقي غدا #Caravan</p><script>alert(1)</script>"


def _remote(name: str) -> Account:
    uri = f"https://far.example/users/{name}"
    return upsert_remote_account(
        uri, username=name, domain="far.example", inbox_url=f"{uri}/inbox", followers_url=f"{uri}/followers"
    )


def _rows(post: Post) -> dict:
    """What a reader sees of a stored post, whatever its id and address."""
    post.refresh_from_db()
    poll = Poll.objects.filter(post=post).first()
    return {
        "content": post.content,
        "text": post.text,
        "spoiler_text": post.spoiler_text,
        "sensitive": post.sensitive,
        "visibility": post.visibility,
        "language": post.language,
        "mentions": sorted(Mention.objects.filter(post=post).values_list("account__username", flat=True)),
        "tags": sorted(PostTag.objects.filter(post=post).values_list("tag__name", flat=True)),
        "search": SearchDocument.objects.filter(kind="post", object_id=post.id)
        .values_list("terms", flat=True)
        .first(),
        "poll": (poll.options, poll.multiple) if poll else None,
        "thread_root_is_self": post.thread_root_id == post.id,
    }


def _effects(post: Post) -> dict:
    return {
        "feeds": sorted(FeedEntry.objects.filter(post=post).values_list("owner__username", flat=True)),
        "notified": sorted(
            Notification.objects.filter(post=post).values_list("recipient__username", flat=True)
        ),
    }


def test_local_text_stored_live_and_imported_leaves_the_same_rows_but_the_copy_is_quiet(
    make_account, run_tasks
):
    alice, carol = make_account("alice"), make_account("carol")
    make_account("bob")
    relationships.follow(carol, alice)
    poll = publishing.PollSpec(options=["yes", "no"], expires_in=3600)
    live = publishing.create_post(alice, TEXT, spoiler_text="cw", language="ar", poll=poll)
    (copy,) = publishing.import_posts_quietly(
        alice,
        [
            publishing.ImportedPost(
                created_at=timezone.now() - timedelta(days=400),
                text=TEXT,
                spoiler_text="cw",
                language="ar",
                poll=publishing.PollSpec(options=["yes", "no"], expires_in=3600),
            )
        ],
        mention_resolver=publishing.resolve_mention,
    )
    run_tasks()
    assert _rows(live) == _rows(copy)
    assert _rows(live)["mentions"] == ["bob"] and _rows(live)["tags"] == ["caravan"]
    assert (live.imported, copy.imported) == (False, True)
    assert _effects(live) == {"feeds": ["alice", "carol"], "notified": ["bob"]}
    assert _effects(copy) == {"feeds": [], "notified": []}
    alice.refresh_from_db()
    assert alice.statuses_count == 2 and alice.last_status_at == live.created_at


def test_html_from_another_server_and_from_an_archive_is_sanitized_the_same_way(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    ron = _remote("ron")
    relationships.follow(bob, ron)
    relationships.accept_follow_request(ron, bob)
    content = publishing.RemoteContent(html=HTML, tags=["Caravan"])
    remote = publishing.create_post(ron, remote=content, uri=f"{ron.uri}/statuses/1", language="ar")
    (copy,) = publishing.import_posts_quietly(
        alice,
        [publishing.ImportedPost(created_at=timezone.now(), html=HTML, tags=["Caravan"], language="ar")],
    )
    run_tasks()
    assert _rows(remote) == _rows(copy)
    assert "<script" not in remote.content and _rows(remote)["tags"] == ["caravan"]
    assert _effects(remote)["feeds"] == ["bob"] and _effects(copy)["feeds"] == []


def test_a_batch_stores_what_the_same_posts_stored_one_by_one_store(make_account, run_tasks):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    authors = {"one": _remote("ron"), "batch": _remote("rita")}
    for author in authors.values():
        for reader in (alice, bob):
            relationships.follow(reader, author)
            relationships.accept_follow_request(author, reader)
    social.mute(bob, authors["one"])
    social.mute(bob, authors["batch"])
    relationships.block(carol, authors["one"])
    relationships.block(carol, authors["batch"])
    run_tasks()

    def batch_for(author: Account) -> list:
        def draft(n: int, **kwargs):
            return drafts.remote(
                author,
                uri=f"{author.uri}/statuses/{n}",
                content=publishing.RemoteContent(
                    html=f"<p>note {n}</p>", mentions=kwargs.pop("mentions", []), tags=["burst"]
                ),
                **kwargs,
            )

        return [
            draft(1),
            draft(2, mentions=[alice, carol]),
            draft(3, visibility="private", mentions=[bob]),
            draft(4, visibility="direct", mentions=[carol, alice]),
            draft(5, poll=publishing.PollSpec(options=["a", "b", "c"], votes=[3, 1, 0])),
        ]

    one_by_one = [post for draft in batch_for(authors["one"]) for post in store_posts([draft])]
    together = store_posts(batch_for(authors["batch"]))
    assert store_posts(batch_for(authors["batch"])) == []  # delivered twice: stored once
    run_tasks()
    assert len(one_by_one) == len(together) == 5
    for single, batched in zip(one_by_one, together, strict=True):
        assert (_rows(single), _effects(single)) == (_rows(batched), _effects(batched))
    assert _effects(together[1]) == {"feeds": ["alice"], "notified": ["alice"]}  # bob muted, carol blocked
    assert _effects(together[3]) == {"feeds": ["alice"], "notified": ["alice"]}
    for author in authors.values():
        author.refresh_from_db()
        assert author.statuses_count == 5


def test_a_reply_follows_its_origins_parent_rule(make_account):
    alice, bob, mallory = make_account("alice"), make_account("bob"), make_account("mallory")
    ron = _remote("ron")
    secret = publishing.create_post(alice, "for bob only @bob", visibility="direct")
    reply = publishing.create_post(bob, "thanks", in_reply_to=secret)
    assert reply.in_reply_to_id == secret.id and _rows(reply)["mentions"] == ["alice"]
    with pytest.raises(DomainError) as refused:
        publishing.create_post(mallory, "what is this", in_reply_to=secret)
    assert refused.value.status == 404
    # Another server's reply to a post its author cannot read keeps only the address.
    remote = publishing.create_post(
        ron, remote=publishing.RemoteContent(html="<p>?</p>"), uri=f"{ron.uri}/statuses/9", in_reply_to=secret
    )
    assert remote.in_reply_to_id is None and remote.in_reply_to_uri == secret.uri
    assert _rows(remote)["mentions"] == []
    # An archive's reply links only to the author's own posts.
    (own,) = publishing.import_posts_quietly(
        alice,
        [publishing.ImportedPost(created_at=timezone.now(), text="more", in_reply_to_id=secret.id)],
    )
    (foreign,) = publishing.import_posts_quietly(
        alice,
        [publishing.ImportedPost(created_at=timezone.now(), text="re", in_reply_to_id=reply.id)],
    )
    assert own.in_reply_to_id == secret.id and own.thread_root_id == secret.id
    assert foreign.in_reply_to_id is None and _rows(foreign)["thread_root_is_self"]
