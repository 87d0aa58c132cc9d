"""Search finds accounts by handle and posts by link, Arabic whatever its spelling, and nothing private."""

import pytest
from django.db import connection

from caravan import relationships
from caravan.posts.models import Visibility
from caravan.publishing import create_post
from caravan.search.selectors import find_exact, search_accounts, search_posts


def test_links_find_only_posts_the_reader_may_read(make_account, settings):
    alice, bob, eve = make_account("alice"), make_account("bob"), make_account("eve")
    relationships.follow(bob, alice)
    public = create_post(alice, "open letter")
    private = create_post(alice, "for followers", visibility=Visibility.PRIVATE)
    assert find_exact(public.url, None) == ([], [public])
    assert find_exact(private.uri, eve) == ([], [])
    assert find_exact(private.uri, None) == ([], [])
    assert find_exact(private.uri, bob) == ([], [private])
    assert find_exact(f"@alice@{settings.DOMAIN}", eve) == ([alice], [])
    assert find_exact(alice.uri, eve) == ([alice], [])


def test_arabic_search_ignores_diacritics_hamza_and_tatweel(make_account):
    author = make_account("layla")
    post = create_post(author, "قَرَأْتُ الكِتَابَ في المكتبة")
    for query in ("قرات الكتاب", "الكتـــاب", "قرأت", "المكتبه"):
        assert [p.id for p in search_posts(None, query)] == [post.id], query


def test_accounts_found_by_display_name_in_arabic(make_account):
    from caravan.profiles import update_profile

    account = make_account("noor")
    update_profile(account, display_name="نُور الهُدى")
    assert search_accounts("نور") == [account]


def test_new_posts_go_straight_into_the_postgresql_index_and_are_found(make_account):
    """On PostgreSQL the GIN index keeps no pending list (search/migrations/0003): a search never reads an
    unmerged list of every recent post."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's GIN index")
    author = make_account("layla")
    posts = [create_post(author, f"قافلة number {n}") for n in range(30)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_terms_gin'")
        assert "fastupdate=off" in cursor.fetchone()[0]
    assert [p.id for p in search_posts(None, "قافلة", limit=40)] == [p.id for p in reversed(posts)]
