"""A burst of remote posts (the inbox's bulk path) reaches the same feeds and notifications as posts stored
one by one: follows, followed hashtags, mutes, blocks, domain blocks, followers-only and direct posts."""

from caravan import relationships
from caravan.notifications.models import Notification
from caravan.posts.models import Visibility
from caravan.profiles import upsert_remote_account
from caravan.publishing import RemoteContent, drafts, store_posts
from caravan.social import services as social
from caravan.timelines.models import FeedEntry
from caravan.timelines.services import feed_recipients, follow_tag


def _remote(name: str, domain: str):
    uri = f"https://{domain}/users/{name}"
    return upsert_remote_account(
        uri, username=name, domain=domain, inbox_url=f"{uri}/inbox", followers_url=f"{uri}/followers"
    )


def _follow(local, remote) -> None:
    relationships.follow(local, remote)
    relationships.accept_follow_request(remote, local)


def test_burst_reaches_the_same_feeds_and_notifications_as_single_posts(make_account, run_tasks):
    ron, rita = _remote("ron", "a.example"), _remote("rita", "b.example")
    alice, bob, carol, dave, erin, frank = (
        make_account(n) for n in ("alice", "bob", "carol", "dave", "erin", "frank")
    )
    for reader in (alice, bob, erin):
        _follow(reader, ron)
    for reader in (alice, carol):
        _follow(reader, rita)
    social.mute(bob, ron)
    social.block_domain(carol, "b.example")
    relationships.block(erin, ron)
    follow_tag(dave, "burst")
    run_tasks()

    def note(author, n, visibility=Visibility.PUBLIC, mentions=(), tags=()):
        return drafts.remote(
            author,
            uri=f"{author.uri}/statuses/{n}",
            content=RemoteContent(html=f"<p>note {n}</p>", mentions=list(mentions), tags=list(tags)),
            visibility=visibility,
        )

    stored = store_posts(
        [
            note(ron, 1, tags=["burst"]),
            note(ron, 2, mentions=[alice, erin]),
            note(rita, 3, tags=["burst"]),
            note(rita, 4, Visibility.UNLISTED),
            note(ron, 5, Visibility.PRIVATE, mentions=[frank]),
            note(rita, 6, Visibility.DIRECT, mentions=[frank]),
            note(ron, 7, Visibility.PRIVATE),
        ]
    )
    run_tasks()
    for post in stored:
        owners = set(FeedEntry.objects.filter(post=post).values_list("owner_id", flat=True))
        assert owners == set(feed_recipients(post)), post.uri
    feeds = {
        reader.username: {
            p.uri.rsplit("/", 1)[1] for p in stored if FeedEntry.objects.filter(owner=reader, post=p).exists()
        }
        for reader in (alice, bob, carol, dave, erin, frank)
    }
    assert feeds == {
        "alice": {"1", "2", "3", "4", "5", "7"},
        "bob": set(),  # muted ron
        "carol": set(),  # blocked rita's domain
        "dave": {"1", "3"},  # follows #burst
        "erin": set(),  # blocked ron
        "frank": {"5", "6"},  # mentioned in followers-only and direct posts
    }
    mentioned = set(Notification.objects.filter(type="mention").values_list("recipient__username", flat=True))
    assert mentioned == {"alice", "frank"}  # erin blocks ron: no notification
