"""Reading cards: the cards of a page of posts, the links many people share now (trending links), and the
public posts that share one of them."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from caravan.accounts.models import Account
from caravan.bulk import Read, select_many
from caravan.pagination import Page, paginate
from caravan.posts.models import Post, Visibility
from caravan.posts.selectors import load_posts
from caravan.posts.visibility import can_read
from caravan.previews.links import normalize_url
from caravan.previews.models import PostCard, PreviewCard
from caravan.timelines.selectors import hidden_for

TREND_DAYS = 7
MAX_TRENDING = 100  # the trend list is cut here; apps page through at most this many


def cards_for_posts(post_ids: list[int]) -> dict[int, PreviewCard]:
    """{post id: card} for the posts among these that show a card: plain reads by key (every page of statuses
    asks), in one round trip on PostgreSQL."""
    if not post_ids:
        return {}
    links, cards = select_many(*cards_reads(post_ids))
    cards = {card.id: card for card in cards}
    return {link.post_id: cards[link.card_id] for link in links if cards[link.card_id].shown}


def cards_reads(post_ids: list[int]) -> tuple[Read | None, Read | None]:
    """The reads of `cards_for_posts`: the posts' links, and their cards (to read them ahead:
    `bulk.ReadAhead`)."""
    links = Read.among(PostCard, post_ids)
    return (links, Read.via(PreviewCard, links, "card")) if links is not None else (None, None)


def _trend_rows(since: datetime):
    """The post-card rows trends count: public posts (the same rule as the public timelines: not unlisted,
    followers-only or direct, not boosts) by authors in good standing, since `since`, with a card that has a
    title."""
    return PostCard.objects.filter(
        created_at__gte=since,
        post__visibility=Visibility.PUBLIC,
        post__reblog_of__isnull=True,
        post__imported=False,
        account__suspended_at__isnull=True,
        account__limited_at__isnull=True,
        card__error="",
    ).exclude(card__title="")


@dataclass
class TrendingLink:
    card: PreviewCard
    history: list[dict]  # newest day first: {"day": unix seconds at midnight UTC, "uses", "accounts"} as text


def _window_start(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=TREND_DAYS - 1), time.min, tzinfo=UTC)


def trending_links(limit: int = 10, offset: int = 0) -> list[TrendingLink]:
    """Links shared in public posts by at least PREVIEW_TREND_MIN_ACCOUNTS distinct accounts over the last
    TREND_DAYS days, most accounts first (then most posts, then newest card). Two aggregate queries over the
    window's rows (index on created_at)."""
    today = timezone.now().astimezone(UTC).date()
    rows = _trend_rows(_window_start(today))
    ranked = list(
        rows.values("card_id")
        .annotate(accounts=Count("account_id", distinct=True), uses=Count("post_id"))
        .filter(accounts__gte=settings.CARAVAN["PREVIEW_TREND_MIN_ACCOUNTS"])
        .order_by("-accounts", "-uses", "-card_id")[offset : min(offset + limit, MAX_TRENDING)]
    )
    if not ranked:
        return []
    ids = [row["card_id"] for row in ranked]
    cards = PreviewCard.objects.in_bulk(ids)
    per_day: dict[tuple[int, date], tuple[int, int]] = {}
    for row in (
        rows.filter(card_id__in=ids)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("card_id", "day")
        .annotate(accounts=Count("account_id", distinct=True), uses=Count("post_id"))
    ):
        per_day[row["card_id"], row["day"]] = (row["uses"], row["accounts"])
    days = [today - timedelta(days=n) for n in range(TREND_DAYS)]
    return [
        TrendingLink(
            cards[card_id],
            [
                {
                    "day": str(int(datetime.combine(day, time.min, tzinfo=UTC).timestamp())),
                    "uses": str(per_day.get((card_id, day), (0, 0))[0]),
                    "accounts": str(per_day.get((card_id, day), (0, 0))[1]),
                }
                for day in days
            ],
        )
        for card_id in ids
        if card_id in cards
    ]


def trending_card(url: str) -> PreviewCard | None:
    """The card of this URL if it is trending now, else None."""
    normalized = normalize_url(url)
    card = PreviewCard.objects.filter(url=normalized).first() if normalized else None
    if card is None or not card.shown:
        return None
    today = timezone.now().astimezone(UTC).date()
    accounts = (
        _trend_rows(_window_start(today))
        .filter(card=card)
        .aggregate(n=Count("account_id", distinct=True))["n"]
    )
    return card if accounts >= settings.CARAVAN["PREVIEW_TREND_MIN_ACCOUNTS"] else None


def link_timeline(viewer: Account | None, card: PreviewCard, page: Page) -> list[Post]:
    """Public posts that show this card, newest first, less authors the viewer mutes or blocks (and who block
    the viewer) and anything the visibility rule refuses."""
    rows = PostCard.objects.filter(
        Q(card=card),
        post__visibility=Visibility.PUBLIC,
        post__reblog_of__isnull=True,
        account__suspended_at__isnull=True,
        account__limited_at__isnull=True,
    ).only("post_id")
    ids = [row.post_id for row in paginate(rows, page, key="post_id")]
    authors, domains = hidden_for(viewer)
    return [
        post
        for post in load_posts(ids)
        if post.account_id not in authors
        and not (post.account.domain and post.account.domain in domains)
        and can_read(post, viewer)
    ]
