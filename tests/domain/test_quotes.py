"""Quote posts: the author's consent, what may never be quoted, revocation, and what each reader sees."""

import pytest

from caravan import error_codes, publishing, relationships
from caravan.errors import DomainError
from caravan.notifications.models import Notification
from caravan.posts.models import Quote, QuotePolicy, QuoteState
from caravan.posts.selectors import quote_views
from caravan.publishing import quoting


def kinds(account):
    return sorted(Notification.objects.filter(recipient=account).values_list("type", flat=True))


def test_quoting_a_public_post_is_accepted_and_the_author_told(make_account, run_tasks):
    alice, bob = make_account("alice"), make_account("bob")
    original = publishing.create_post(alice, "quote me")
    assert original.quote_policy == QuotePolicy.PUBLIC
    quoting_post = publishing.create_post(bob, "well said", quote=original)
    quote = Quote.objects.get(post=quoting_post)
    assert (quote.quoted_post_id, quote.state, quote.quoted_account_id) == (
        original.id,
        QuoteState.ACCEPTED,
        alice.id,
    )
    assert kinds(alice) == ["quote"]
    view = quote_views(bob, [quoting_post.id])[quoting_post.id]
    assert (view.state, view.quoted.id) == ("accepted", original.id)


def test_followers_policy_accepts_followers_only(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    relationships.follow(bob, alice)
    original = publishing.create_post(alice, "for my followers to quote", quote_policy="followers")
    assert publishing.create_post(bob, "I follow", quote=original).quote.state == QuoteState.ACCEPTED
    with pytest.raises(DomainError) as caught:
        publishing.create_post(carol, "I do not", quote=original)
    assert caught.value.kind is error_codes.QUOTE_NOT_ALLOWED
    assert not Quote.objects.filter(post__account=carol).exists()


def test_nobody_policy_lets_only_the_author_quote(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    original = publishing.create_post(alice, "mine alone", quote_policy="nobody")
    with pytest.raises(DomainError) as caught:
        publishing.create_post(bob, "let me", quote=original)
    assert caught.value.kind is error_codes.QUOTE_NOT_ALLOWED
    assert publishing.create_post(alice, "quoting myself", quote=original).quote.state == "accepted"


def test_private_and_direct_posts_are_never_quoted_by_others(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    relationships.follow(bob, alice)
    private = publishing.create_post(alice, "followers only", visibility="private", quote_policy="public")
    assert private.quote_policy == QuotePolicy.NOBODY
    with pytest.raises(DomainError) as caught:
        publishing.create_post(bob, "leak", quote=private)
    assert caught.value.kind is error_codes.QUOTE_PRIVATE_POST
    direct = publishing.create_post(alice, "@bob secret", visibility="direct")
    with pytest.raises(DomainError) as caught:
        publishing.create_post(bob, "leak", quote=direct)
    assert caught.value.kind is error_codes.QUOTE_PRIVATE_POST
    carol = make_account("carol")
    with pytest.raises(DomainError) as caught:  # carol cannot even read it
        publishing.create_post(carol, "leak", quote=private)
    assert caught.value.kind is error_codes.QUOTE_TARGET_UNAVAILABLE
    assert publishing.create_post(alice, "my own", quote=private).quote.state == "accepted"


def test_revoking_hides_the_quoted_post_from_everyone(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    original = publishing.create_post(alice, "take it back later")
    quoting_post = publishing.create_post(bob, "quoting", quote=original)
    quote = Quote.objects.select_related("quoted_post__account").get(post=quoting_post)
    with pytest.raises(DomainError) as caught:
        quoting.revoke(quote, carol)
    assert caught.value.kind is error_codes.QUOTE_NOT_YOURS
    quoting.revoke(quote, alice)
    for viewer in (alice, bob, carol, None):
        view = quote_views(viewer, [quoting_post.id])[quoting_post.id]
        assert (view.state, view.quoted, view.quoted_id) == ("revoked", None, None)


def test_reader_who_cannot_read_the_quoted_post_sees_nothing_of_it(make_account):
    alice, bob, carol = make_account("alice"), make_account("bob"), make_account("carol")
    original = publishing.create_post(alice, "public at first")
    quoting_post = publishing.create_post(bob, "quoting", quote=original)
    relationships.block(alice, carol)
    assert quote_views(carol, [quoting_post.id])[quoting_post.id].state == "unauthorized"
    assert quote_views(carol, [quoting_post.id])[quoting_post.id].quoted is None
    relationships.block(bob, alice)  # bob blocking alice: bob sees the quote as blocked, not its content
    assert quote_views(bob, [quoting_post.id])[quoting_post.id].state == "blocked_account"
    publishing.delete_post(original, alice)
    assert quote_views(None, [quoting_post.id])[quoting_post.id].state == "deleted"


def test_editing_a_quoted_post_tells_those_who_quoted_it(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    original = publishing.create_post(alice, "first")
    quoting_post = publishing.create_post(bob, "quoting", quote=original)
    publishing.edit_post(original, alice, "second")
    assert Notification.objects.filter(recipient=bob, type="quoted_update", post=quoting_post).exists()


def test_policy_changes_only_by_the_author_and_private_posts_stay_unquotable(make_account):
    alice, bob = make_account("alice"), make_account("bob")
    post = publishing.create_post(alice, "open")
    quoting.set_policy(post, alice, "nobody")
    post.refresh_from_db()
    assert post.quote_policy == "nobody"
    with pytest.raises(DomainError):
        quoting.set_policy(post, bob, "public")
    with pytest.raises(DomainError) as caught:
        quoting.set_policy(post, alice, "everyone")
    assert caught.value.kind is error_codes.QUOTE_POLICY_INVALID
    private = publishing.create_post(alice, "closed", visibility="private")
    assert quoting.set_policy(private, alice, "public").quote_policy == "nobody"  # as Mastodon
