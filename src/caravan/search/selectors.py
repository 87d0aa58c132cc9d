"""Searching: the full-text match runs in the database; who may read a result is decided by posts.visibility.

Post search covers the viewer's own posts and public posts (as Mastodon's does), never anything else.
"""

import re

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from caravan import lookup
from caravan.accounts.models import Account
from caravan.bulk import Read, select_many
from caravan.posts.models import Post, Tag, Visibility
from caravan.posts.rendering import normalize_tag
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import can_read, readable_among
from caravan.search.models import SearchDocument
from caravan.search.text import fold, terms
from caravan.social.models import Follow

CANDIDATES = 1000


def _matching_ids(kind: str, query: str, limit: int) -> list[int]:
    words = terms(query)
    if not words:
        return []
    if connection.vendor == "sqlite":
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        sql = (
            # CROSS JOIN: SQLite joins in this order, the match first. Left to choose (with no statistics, as on
            # a new server) it walked every document of the kind and asked the full-text index about each one.
            "SELECT d.object_id FROM search_fts f CROSS JOIN search_searchdocument d ON d.id = f.rowid "
            "WHERE search_fts MATCH %s AND d.kind = %s ORDER BY d.object_id DESC LIMIT %s"
        )
        params = [match, kind, limit]
    else:
        sql = (
            # `kind || ''`: never the (kind, object_id) index. With statistics older than the documents (a
            # new server, a busy day before autovacuum's next ANALYZE) PostgreSQL took it, and then computed
            # every document's tsvector to filter them: 17 ms for 5,743 documents; the match's GIN index first
            # is the right plan whatever the statistics say.
            "SELECT object_id FROM search_searchdocument WHERE (kind || '') = %s "
            "AND to_tsvector('simple', terms) @@ plainto_tsquery('simple', %s) ORDER BY object_id DESC LIMIT %s"
        )
        params = [kind, " ".join(words), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def search_posts(
    viewer: Account | None, query: str, *, limit: int = 20, offset: int = 0, account_id: int | None = None
) -> list[Post]:
    ids = _matching_ids(SearchDocument.POST, query, CANDIDATES)
    if not ids:
        return []
    # The candidates (newest first) are read a slice at a time, until the page is full, and the rule is asked
    # of them in its batch form for posts in hand (`readable_among`): on PostgreSQL, planning the rule's SQL
    # for a slice took 3 ms, ten times running it. Search covers public posts and the viewer's own.
    wanted, found = offset + limit, []
    size = max(2 * wanted, 40)
    for start in range(0, len(ids), size):
        posts = Read.among(Post, ids[start : start + size])
        rows, authors = select_many(
            posts, Read.via(Account, posts, "account")
        )  # one round trip on PostgreSQL
        authors = {a.id: a for a in authors}
        in_scope = []
        for post in rows:
            if post.account_id not in authors:  # deleted between the two reads
                continue
            post._state.fields_cache["account"] = authors[post.account_id]
            own = viewer is not None and post.account_id == viewer.id
            if (post.visibility == Visibility.PUBLIC or own) and (
                not account_id or post.account_id == account_id
            ):
                in_scope.append(post)
        readable = readable_among(in_scope, viewer)
        found += sorted((post.id for post in in_scope if post.id in readable), reverse=True)
        if len(found) >= wanted:
            break
    return load_posts(found[offset:wanted])


def search_accounts(
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    viewer: Account | None = None,
    following_only: bool = False,
) -> list[Account]:
    query = query.strip().lstrip("@")
    if not query:
        return []
    username, _, domain = query.partition("@")
    exact = Q(username__iexact=username) & (Q(domain__iexact=domain) if domain else Q(domain=""))
    prefix = Q(username__istartswith=username)
    if domain:
        prefix &= Q(domain__istartswith=domain)
    by_text = Q(pk__in=_matching_ids(SearchDocument.ACCOUNT, query, CANDIDATES)) if fold(query) else Q()
    queryset = Account.objects.filter(suspended_at__isnull=True).filter(exact | prefix | by_text)
    # A limited account is found by its exact handle, or by its followers; it is not suggested to others.
    findable = Q(limited_at__isnull=True) | exact
    if viewer is not None:
        findable |= Exists(Follow.objects.filter(account=viewer, target_account=OuterRef("pk")))
    queryset = queryset.filter(findable)
    if following_only and viewer is not None:
        queryset = queryset.filter(followers_set__account=viewer)
    results = list(queryset.order_by("-followers_count", "id")[offset : offset + limit])
    results.sort(key=lambda a: (a.username.lower() != username.lower(), -a.followers_count))
    return results


def search_tags(query: str, *, limit: int = 20, offset: int = 0) -> list[Tag]:
    name = normalize_tag(query.strip().lstrip("#"))
    if not name:
        return []
    return list(Tag.objects.filter(name__startswith=name).order_by("name")[offset : offset + limit])


HANDLE = re.compile(r"^@?(?P<username>[\w.-]+)@(?P<domain>[\w.-]+\.[\w-]+(?::\d{1,5})?)$")


def find_exact(
    query: str, viewer: Account | None, *, remote: bool = False
) -> tuple[list[Account], list[Post]]:
    """A full handle or a pasted link finds exactly that account or post: stored ones always, and with `remote`
    (signed-in searches) ones fetched from their own server. A post is returned only if the viewer may read it."""
    query = query.strip()
    if query.startswith(("http://", "https://")):
        found = lookup.object_at(query, remote=remote)
        if isinstance(found, Account):
            return [found], []
        if isinstance(found, Post) and can_read(found, viewer):
            return [], [found]
        return [], []
    match = HANDLE.match(query)
    if match:
        account = lookup.account(match["username"], match["domain"], remote=remote)
        return ([account] if account is not None else []), []
    return [], []
