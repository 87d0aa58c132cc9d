"""Who may read a post: the one place this is decided. Every face (web, API, ActivityPub, search, exports) asks here.

- public and unlisted: anyone, except accounts the author blocks (and who block the author, for their own view).
- private (followers-only): the author, the author's followers, and accounts mentioned in the post.
- direct: the author and the accounts mentioned in the post.
A boost is readable when its original is; a boost of a private or direct post is never created.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from caravan.accounts.models import Account
from caravan.posts.models import Mention, Post, Visibility
from caravan.social.models import Block, Follow

PUBLIC_VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED)


def visible_to(viewer: Account | None) -> Q:
    """A filter on Post: the posts `viewer` (None for an anonymous reader) may read."""
    if viewer is None:
        return Q(visibility__in=PUBLIC_VISIBILITIES) & (
            Q(reblog_of__isnull=True) | Q(reblog_of__visibility__in=PUBLIC_VISIBILITIES)
        )
    mentioned = Exists(Mention.objects.filter(post=OuterRef("pk"), account=viewer))
    follows_author = Exists(Follow.objects.filter(account=viewer, target_account=OuterRef("account")))
    blocked_by_author = Exists(Block.objects.filter(account=OuterRef("account"), target_account=viewer))
    readable = (
        Q(account=viewer)
        | Q(visibility__in=PUBLIC_VISIBILITIES)
        | (Q(visibility=Visibility.PRIVATE) & (follows_author | mentioned))
        | (Q(visibility=Visibility.DIRECT) & mentioned)
    )
    return readable & ~(blocked_by_author & ~Q(account=viewer))


def visible_posts(viewer: Account | None, queryset: QuerySet[Post] | None = None) -> QuerySet[Post]:
    queryset = Post.objects.all() if queryset is None else queryset
    return queryset.filter(visible_to(viewer))


def can_read(post: Post, viewer: Account | None) -> bool:
    """The same rule as `visible_to`, for one post already in hand."""
    if post.reblog_of_id is not None:
        return can_read(post.reblog_of, viewer) and (
            viewer is None or not _blocked_by(post.account_id, viewer)
        )
    if viewer is not None and post.account_id == viewer.id:
        return True
    if viewer is not None and _blocked_by(post.account_id, viewer):
        return False
    if post.visibility in PUBLIC_VISIBILITIES:
        return True
    if viewer is None:
        return False
    mentioned = Mention.objects.filter(post=post, account=viewer).exists()
    if post.visibility == Visibility.DIRECT:
        return mentioned
    return mentioned or Follow.objects.filter(account=viewer, target_account_id=post.account_id).exists()


def can_server_read(post: Post, domain: str) -> bool:
    """Whether a remote server may be shown a post: it hosts a follower (private) or a mentioned account."""
    if post.reblog_of_id is not None:
        return can_server_read(post.reblog_of, domain)
    if post.visibility in PUBLIC_VISIBILITIES:
        return True
    if Mention.objects.filter(post=post, account__domain=domain).exists():
        return True
    if post.visibility == Visibility.PRIVATE:
        return Follow.objects.filter(target_account_id=post.account_id, account__domain=domain).exists()
    return False


def _blocked_by(author_id: int, viewer: Account) -> bool:
    return Block.objects.filter(account_id=author_id, target_account=viewer).exists()
