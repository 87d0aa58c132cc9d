"""Featured hashtags (Mastodon's featured tags): the hashtags an account shows on its profile.

Their post counts and last use are not kept: they are read, for the few tags shown (at most
`FEATURED_TAGS_LIMIT`), with one grouped query over the account's public and unlisted posts, as Mastodon counts them.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from caravan import error_codes
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.posts.models import FeaturedTag, Post, PostTag, Tag, Visibility
from caravan.posts.rendering import normalize_tag

FEATURED_TAGS_LIMIT = 10  # as Mastodon
SUGGESTIONS_LIMIT = 10
RECENT_POSTS = 1000  # suggestions look at this many of the account's latest posts, as Mastodon
_NAME_RE = re.compile(r"[\w·]*[^\W\d][\w·]*")
COUNTED = (Visibility.PUBLIC, Visibility.UNLISTED)


def _tag_from_name(name: str) -> Tag:
    display = (name or "").strip().removeprefix("#")
    if not display or len(display) > 200 or not _NAME_RE.fullmatch(display):
        raise DomainError(error_codes.NOT_A_HASHTAG, field="name")
    tag, _ = Tag.objects.get_or_create(name=normalize_tag(display), defaults={"display_name": display})
    return tag


def feature_tag(account: Account, name: str) -> FeaturedTag:
    """Feature a hashtag on the profile (one that has not been used yet too, as Mastodon allows)."""
    tag = _tag_from_name(name)
    with transaction.atomic():
        # The account row is the lock that keeps two requests at once within the limit.
        Account.objects.select_for_update().filter(pk=account.pk).first()
        if FeaturedTag.objects.filter(account=account, tag=tag).exists():
            raise DomainError(error_codes.FEATURED_TAG_TAKEN, field="name")
        if FeaturedTag.objects.filter(account=account).count() >= FEATURED_TAGS_LIMIT:
            raise DomainError(error_codes.FEATURED_TAGS_LIMIT, field="name", limit=FEATURED_TAGS_LIMIT)
        try:
            with transaction.atomic():
                return FeaturedTag.objects.create(account=account, tag=tag)
        except IntegrityError:
            raise DomainError(error_codes.FEATURED_TAG_TAKEN, field="name") from None


def unfeature_tag(account: Account, featured_id: int) -> None:
    """Stop featuring; another account's featured tag (or none) is not found."""
    if not FeaturedTag.objects.filter(account=account, pk=featured_id).delete()[0]:
        raise DomainError(error_codes.RECORD_NOT_FOUND)


def unfeature_tag_named(account: Account, name: str) -> None:
    """Stop featuring a hashtag named (Mastodon 4.4's `/tags/:name/unfeature`); none featured is fine."""
    FeaturedTag.objects.filter(
        account=account, tag__name=normalize_tag(name.strip().removeprefix("#"))
    ).delete()


def featured_tags(account: Account) -> list[FeaturedTag]:
    """The account's featured tags, oldest first, each with `statuses_count` and `last_status_at` set."""
    rows = list(FeaturedTag.objects.filter(account=account).select_related("tag").order_by("id"))
    if not rows:
        return rows
    stats = {
        row["tag_id"]: (row["uses"], row["last"])
        for row in PostTag.objects.filter(
            tag_id__in=[r.tag_id for r in rows],
            post__account=account,
            post__visibility__in=COUNTED,
            post__reblog_of__isnull=True,
        )
        .values("tag_id")
        .annotate(uses=Count("post_id"), last=Max("post__created_at"))
    }
    for row in rows:
        row.statuses_count, row.last_status_at = stats.get(row.tag_id, (0, None))
    return rows


def suggested_tags(account: Account) -> list[Tag]:
    """The hashtags the account used most in its latest posts, not featured yet (Mastodon's suggestions)."""
    recent = (
        Post.objects.filter(account=account, reblog_of__isnull=True)
        .order_by("-id")
        .values("id")[:RECENT_POSTS]
    )
    featured = FeaturedTag.objects.filter(account=account).values("tag_id")
    return list(
        Tag.objects.filter(post_tags__post_id__in=recent)
        .exclude(id__in=featured)
        .annotate(uses=Count("post_tags"))
        .order_by("-uses", "name")[:SUGGESTIONS_LIMIT]
    )
