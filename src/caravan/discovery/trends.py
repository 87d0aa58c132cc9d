"""Trending hashtags and posts, computed at read from a bounded window of recent public activity and cached for a
few seconds (decision 0036). Both rankings are the same for every reader; the faces take out what one reader may
not see (blocks, mutes) with the visibility rule.

- A hashtag trends by the distinct accounts that used it on public posts in the last week, each day's count
  weighted half as much as the day after it; it needs `MIN_TAG_ACCOUNTS` accounts. Its `history` is Mastodon's:
  per day, the uses and the distinct accounts.
- A post trends by the distinct accounts (not its author) that boosted or favourited it in the last two days,
  halved for every `POST_HALF_LIFE_HOURS` of the post's age; it needs `MIN_POST_ACCOUNTS` of them. Only public,
  not sensitive posts without a content warning, from discoverable accounts that are neither suspended nor
  limited (a suspended or limited domain marks its accounts), whether written here or on another server.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from caravan.ids import lowest_id_at
from caravan.posts.models import Favourite, Post, PostTag, Tag, Visibility
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import visible_posts
from caravan.timelines.selectors import hidden_for

TAG_WINDOW_DAYS = 7
POST_WINDOW = timedelta(days=2)  # interactions counted for posts
POST_MAX_AGE = timedelta(days=7)  # older posts no longer trend
POST_HALF_LIFE_HOURS = 12
MIN_TAG_ACCOUNTS = 2
MIN_POST_ACCOUNTS = 2
# The work of one computation is bounded: the newest this-many rows of each kind are read, whatever the traffic.
SCAN_LIMIT = 50_000
KEPT = 100  # trends kept per kind (clients page through them with limit and offset)
CACHE_SECONDS = 10


@dataclass(frozen=True)
class DayUse:
    day: datetime  # midnight UTC
    uses: int
    accounts: int


@dataclass(frozen=True)
class TrendingTag:
    tag: Tag
    score: float
    history: list[DayUse]  # newest day first, TAG_WINDOW_DAYS days


def enabled() -> bool:
    return bool(settings.CARAVAN["TRENDS"])


def _trendable_posts(prefix: str = "") -> Q:
    """Posts whose activity may make a trend: public, original, by a present, discoverable account."""
    return Q(
        **{
            f"{prefix}visibility": Visibility.PUBLIC,
            f"{prefix}reblog_of__isnull": True,
            f"{prefix}account__suspended_at__isnull": True,
            f"{prefix}account__limited_at__isnull": True,
            f"{prefix}account__remote_suspended_at__isnull": True,
            f"{prefix}account__deleted_at__isnull": True,
            f"{prefix}account__discoverable": True,
        }
    )


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _compute_tags(now: datetime) -> list[tuple[int, float, list[tuple[int, int]]]]:
    """(tag id, score, [(uses, accounts) per day, newest first]) of the top KEPT tags."""
    today = _midnight(now)
    start = today - timedelta(days=TAG_WINDOW_DAYS - 1)
    rows = (
        PostTag.objects.filter(_trendable_posts("post__"), post_id__gte=lowest_id_at(start))
        .order_by("-post_id")
        .values_list("tag_id", "post__account_id", "post__created_at")[:SCAN_LIMIT]
    )
    uses: dict[int, list[int]] = defaultdict(lambda: [0] * TAG_WINDOW_DAYS)
    accounts: dict[int, list[set[int]]] = defaultdict(lambda: [set() for _ in range(TAG_WINDOW_DAYS)])
    for tag_id, account_id, created_at in rows:
        age = (today - _midnight(created_at)).days
        if 0 <= age < TAG_WINDOW_DAYS:
            uses[tag_id][age] += 1
            accounts[tag_id][age].add(account_id)
    ranked = []
    for tag_id, per_day in accounts.items():
        if len(set().union(*per_day)) < MIN_TAG_ACCOUNTS:
            continue
        score = sum(len(day) * 0.5**age for age, day in enumerate(per_day))
        history = [(uses[tag_id][age], len(per_day[age])) for age in range(TAG_WINDOW_DAYS)]
        ranked.append((tag_id, score, history))
    ranked.sort(key=lambda item: (-item[1], -item[0]))
    return ranked[:KEPT]


def _compute_posts(now: datetime) -> list[tuple[int, float]]:
    """(post id, score) of the top KEPT posts."""
    since = lowest_id_at(now - POST_WINDOW)
    present = Q(account__suspended_at__isnull=True)
    favourites = (
        Favourite.objects.filter(present, id__gte=since)
        .order_by("-id")
        .values_list("post_id", "account_id")[:SCAN_LIMIT]
    )
    boosts = (
        Post.objects.filter(present, reblog_of__isnull=False, id__gte=since)
        .order_by("-id")
        .values_list("reblog_of_id", "account_id")[:SCAN_LIMIT]
    )
    people: dict[int, set[int]] = defaultdict(set)
    for post_id, account_id in [*favourites, *boosts]:
        people[post_id].add(account_id)
    candidates = [post_id for post_id, who in people.items() if len(who) >= MIN_POST_ACCOUNTS]
    if not candidates:
        return []
    posts = Post.objects.filter(
        _trendable_posts(),
        pk__in=candidates,
        id__gte=lowest_id_at(now - POST_MAX_AGE),
        sensitive=False,
        spoiler_text="",
    ).values_list("id", "account_id", "created_at")
    ranked = []
    for post_id, author_id, created_at in posts:
        interested = len(people[post_id] - {author_id})
        if interested < MIN_POST_ACCOUNTS:
            continue
        age_hours = max(0.0, (now - created_at).total_seconds() / 3600)
        ranked.append((post_id, interested * 0.5 ** (age_hours / POST_HALF_LIFE_HOURS)))
    ranked.sort(key=lambda item: (-item[1], -item[0]))
    return ranked[:KEPT]


def _cached(key: str, compute):
    found = cache.get(key)
    if found is None:
        found = compute(datetime.now(UTC))
        cache.set(key, found, CACHE_SECONDS)
    return found


def trending_tags(offset: int = 0, limit: int = 10) -> list[TrendingTag]:
    """The trending hashtags, best first; [] when trends are off."""
    if not enabled():
        return []
    ranked = _cached("trends:tags", _compute_tags)[offset : offset + limit]
    tags = Tag.objects.in_bulk([tag_id for tag_id, _, _ in ranked])
    today = _midnight(datetime.now(UTC))
    return [
        TrendingTag(
            tags[tag_id],
            score,
            [
                DayUse(today - timedelta(days=age), day_uses, day_accounts)
                for age, (day_uses, day_accounts) in enumerate(history)
            ],
        )
        for tag_id, score, history in ranked
        if tag_id in tags
    ]


def trending_post_ids(offset: int = 0, limit: int = 20) -> list[int]:
    """The trending posts' ids, best first; [] when trends are off. Readers still see only what they may read."""
    if not enabled():
        return []
    return [post_id for post_id, _ in _cached("trends:posts", _compute_posts)[offset : offset + limit]]


def tag_history(tag: Tag, now: datetime | None = None) -> list[DayUse]:
    """One hashtag's last week (uses and distinct accounts per day, newest first), from public posts."""
    today = _midnight(now or datetime.now(UTC))
    start = today - timedelta(days=TAG_WINDOW_DAYS - 1)
    rows = (
        PostTag.objects.filter(_trendable_posts("post__"), tag=tag, post_id__gte=lowest_id_at(start))
        .order_by("-post_id")
        .values_list("post__account_id", "post__created_at")[:SCAN_LIMIT]
    )
    uses = [0] * TAG_WINDOW_DAYS
    accounts: list[set[int]] = [set() for _ in range(TAG_WINDOW_DAYS)]
    for account_id, created_at in rows:
        age = (today - _midnight(created_at)).days
        if 0 <= age < TAG_WINDOW_DAYS:
            uses[age] += 1
            accounts[age].add(account_id)
    return [
        DayUse(today - timedelta(days=age), uses[age], len(accounts[age])) for age in range(TAG_WINDOW_DAYS)
    ]


def trending_posts_for(viewer, offset: int, limit: int) -> list[Post]:
    """The trending posts this reader may read, best first, loaded for display: the ranking's ids through the
    visibility rule, less the authors and domains the reader blocks or mutes (the API and the explore page)."""
    ids = trending_post_ids(offset, limit)
    readable = set(visible_posts(viewer, Post.objects.filter(pk__in=ids)).values_list("id", flat=True))
    authors, domains = hidden_for(viewer)
    return [
        post
        for post in load_posts([i for i in ids if i in readable])
        if post.account_id not in authors and post.account.domain not in domains
    ]
