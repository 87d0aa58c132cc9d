"""Who may read a post: the one place this is decided. Every face (web, API, ActivityPub, search, exports) asks here.

- public and unlisted: anyone, except accounts the author blocks.
- private (followers-only): the author, the author's followers, and accounts mentioned in the post (silent
  mentions included: someone addressed once keeps access, as on Mastodon).
- direct: the author and the accounts mentioned in the post.
- nobody reads the posts of a suspended (deleted) account.
- a limited account's posts (moderation) are read only by the author, its followers and the accounts a post
  mentions, whatever their visibility: they leave public timelines, search and strangers' views.
A boost is readable when both the boost itself (its booster, its own visibility) and its original are: a boost
never shows a post its reader could not open directly, and a booster who blocks you hides their boosts too.

`visible_to` (a queryset filter) and `can_read` (one post in hand) are the two forms of this rule, with
`readers_among` (many readers of one post, for pushes and other fan-outs) and `readable_among` (many posts in
hand, one reader: the parents a page names) as the batches of `can_read`, and `visible_by_author` (the rule
for one author's rows, an account's page) as its narrowing; they must
agree on every case; tests/privacy/test_visibility_property.py checks that they do, on random graphs.
Mutes are not part of it: they filter timelines (`timelines.selectors.hidden_for`), never what a link opens.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from caravan.accounts.models import Account
from caravan.posts.models import Mention, Post, Visibility
from caravan.social.models import Block, Follow

PUBLIC_VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED)


def _readable(viewer: Account | None, prefix: str) -> Q:
    """The rule for one post, ignoring boosts: `prefix` is "" for the row itself, "reblog_of__" for its original."""
    post_ref, author_ref = ("pk", "account") if not prefix else ("reblog_of", "reblog_of__account")
    author_present = Q(**{f"{prefix}account__suspended_at__isnull": True})
    author_unlimited = Q(**{f"{prefix}account__limited_at__isnull": True})
    public = Q(**{f"{prefix}visibility__in": PUBLIC_VISIBILITIES})
    if viewer is None:
        return author_present & public & author_unlimited
    mentioned = Exists(Mention.objects.filter(post=OuterRef(post_ref), account=viewer))
    follows_author = Exists(Follow.objects.filter(account=viewer, target_account=OuterRef(author_ref)))
    blocked_by_author = Exists(Block.objects.filter(account=OuterRef(author_ref), target_account=viewer))
    own = Q(**{f"{prefix}account": viewer})
    others = (
        (public & (author_unlimited | follows_author | mentioned))
        | (Q(**{f"{prefix}visibility": Visibility.PRIVATE}) & (follows_author | mentioned))
        | (Q(**{f"{prefix}visibility": Visibility.DIRECT}) & mentioned)
    )
    return author_present & (own | (others & ~blocked_by_author))


def visible_to(viewer: Account | None) -> Q:
    """A filter on Post: the posts `viewer` (None for an anonymous reader) may read."""
    return _readable(viewer, "") & (Q(reblog_of__isnull=True) | _readable(viewer, "reblog_of__"))


def visible_by_author(author: Account, viewer: Account | None, *, follows: bool | None = None) -> Q | None:
    """The rule for the rows of one author in hand (an account's own page), ignoring boosts' originals: what
    depends on the author and the viewer alone is decided here (one query: does the viewer follow them?), and
    the database is left only the mention check. None when none of the author's posts is readable. Callers
    check a boost's original themselves (`readable_among`), and whether the author blocks the viewer; one who
    read the relationship already passes `follows`."""
    if author.suspended_at is not None:
        return None
    if viewer is not None and viewer.id == author.id:
        return Q()
    unlimited = author.limited_at is None
    if viewer is None:
        return Q(visibility__in=PUBLIC_VISIBILITIES) if unlimited else None
    if follows is None:
        follows = Follow.objects.filter(account=viewer, target_account=author).exists()
    allowed = [*PUBLIC_VISIBILITIES] if unlimited or follows else []
    if follows:
        allowed.append(Visibility.PRIVATE)
    return Q(visibility__in=allowed) | Exists(Mention.objects.filter(post=OuterRef("pk"), account=viewer))


def visible_posts(viewer: Account | None, queryset: QuerySet[Post] | None = None) -> QuerySet[Post]:
    queryset = Post.objects.all() if queryset is None else queryset
    return queryset.filter(visible_to(viewer))


def can_read(post: Post, viewer: Account | None) -> bool:
    """The same rule as `visible_to`, for one post already in hand."""
    if not _can_read_one(post, viewer):
        return False
    return post.reblog_of_id is None or _can_read_one(post.reblog_of, viewer)


def _can_read_one(post: Post, viewer: Account | None) -> bool:
    if post.account.suspended_at is not None:
        return False
    if viewer is not None and post.account_id == viewer.id:
        return True
    public = post.visibility in PUBLIC_VISIBILITIES
    limited = post.account.limited_at is not None
    if viewer is None:
        return public and not limited
    if Block.objects.filter(account_id=post.account_id, target_account=viewer).exists():
        return False
    if public and not limited:
        return True
    mentioned = Mention.objects.filter(post=post, account=viewer).exists()
    if post.visibility == Visibility.DIRECT:
        return mentioned
    return mentioned or Follow.objects.filter(account=viewer, target_account_id=post.account_id).exists()


def readable_among(posts: Iterable[Post], viewer: Account | None) -> set[int]:
    """The ids of these posts (in hand, with their accounts) that `viewer` may read: `can_read` for many posts
    at once. The viewer's own originals and public originals of present, unlimited authors are decided here,
    with one query for the authors who block the viewer (a fraction of the whole rule's cost); the others
    (boosts, followers-only, direct, limited authors), few on a page, go through `visible_posts`."""
    posts = [post for post in posts if post.account.suspended_at is None]
    originals = [post for post in posts if post.reblog_of_id is None]
    mine = {post.id for post in originals if viewer is not None and post.account_id == viewer.id}
    plain = [
        post
        for post in originals
        if post.id not in mine and post.visibility in PUBLIC_VISIBILITIES and post.account.limited_at is None
    ]
    decided = mine | {post.id for post in plain}
    rest = [post.id for post in posts if post.id not in decided]
    readable = set(mine)
    if plain:
        blocking: set[int] = set()
        if viewer is not None:
            authors = {post.account_id for post in plain}
            blocking = set(
                Block.objects.filter(account_id__in=authors, target_account=viewer).values_list(
                    "account_id", flat=True
                )
            )
        readable |= {post.id for post in plain if post.account_id not in blocking}
    if rest:
        readable |= set(visible_posts(viewer, Post.objects.filter(pk__in=rest)).values_list("id", flat=True))
    return readable


def readers_among(post: Post, viewer_ids: Iterable[int]) -> set[int]:
    """Which of these (non-anonymous) accounts may read `post`: `can_read` for many viewers at once, in a few
    queries whatever their number."""
    readers = _readers_of_one(post, set(viewer_ids))
    if post.reblog_of_id is not None and readers:
        readers &= _readers_of_one(post.reblog_of, readers)
    return readers


def _chunks(ids: set[int], size: int = 5000) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _readers_of_one(post: Post, ids: set[int]) -> set[int]:
    if not ids or post.account.suspended_at is not None:
        return set()
    own = ids & {post.account_id}
    others = ids - own
    for chunk in _chunks(others):
        others -= set(
            Block.objects.filter(account_id=post.account_id, target_account_id__in=chunk).values_list(
                "target_account_id", flat=True
            )
        )
    if post.visibility in PUBLIC_VISIBILITIES and post.account.limited_at is None:
        return own | others
    allowed = set()
    for chunk in _chunks(others):
        allowed |= set(
            Mention.objects.filter(post=post, account_id__in=chunk).values_list("account_id", flat=True)
        )
        if post.visibility != Visibility.DIRECT:
            allowed |= set(
                Follow.objects.filter(account_id__in=chunk, target_account_id=post.account_id).values_list(
                    "account_id", flat=True
                )
            )
    return own | allowed
