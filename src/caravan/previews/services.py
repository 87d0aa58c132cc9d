"""Giving posts their link's card: which link, fetching its card once per URL (kept `CARD_TTL`, failures
`FAILURE_TTL`), attaching it to the post.

The fetch itself is the federation face's (its outbound address rule, redirects re-checked, size and time
limits): it installs `fetch` here at start-up, as it installs look-ups in `caravan.lookup`, so this domain app
never imports a face. Images go through `media.services.prepare_image`, the path uploads take (size and pixel
limits, re-encoded without metadata, thumbnail, blurhash).
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from caravan import events
from caravan.errors import DomainError
from caravan.media.services import PreparedImage, delete_files, prepare_image
from caravan.posts.models import Post
from caravan.previews.links import first_link
from caravan.previews.models import PostCard, PreviewCard
from caravan.previews.parsing import OEmbedFacts, plain, read_oembed, read_page

logger = logging.getLogger(__name__)

CARD_TTL = timedelta(days=7)
FAILURE_TTL = timedelta(hours=6)
MAX_OEMBED_BYTES = 256 * 1024
PAGE_TYPES = ("text/html", "application/xhtml+xml")
OEMBED_TYPES = ("application/json", "text/json", "application/json+oembed", "text/javascript", "text/plain")
IMAGE_TYPES = ("image/",)


class FetchFailed(Exception):
    """A fetch for a card failed (refused address, too large, too slow, wrong type, HTTP error); the message
    says which, in English, for the card's `error`."""


@dataclass
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


# fetch(url, max_bytes=, content_types=, accept=) -> Fetched, raising FetchFailed; installed by federation.
Fetcher = Callable[..., Fetched]
_fetch: Fetcher | None = None


def install_fetcher(fetcher: Fetcher | None) -> None:
    """Set how pages, oEmbed answers and images are fetched (None: cards cannot be fetched)."""
    global _fetch
    _fetch = fetcher


def link_of(post: Post) -> str:
    """The normalized URL whose card the post shows, or "": boosts, posts with media (as Mastodon) and posts
    without a link other than mentions and hashtags have none."""
    if post.reblog_of_id or post.has_media or post.imported:
        return ""
    return first_link(post.content)


def post_changed(post: Post, **_: object) -> None:
    """`post.created` / `post.updated`: queue the card fetch in the post's transaction when it has a link; an
    edit that removed the link removes the card."""
    if not settings.CARAVAN["PREVIEW_CARDS"]:
        return
    # Imported here at first use: tasks import this module for the work they do.
    from caravan.previews.tasks import fetch_post_card

    if link_of(post):
        fetch_post_card.enqueue(post.id)
    elif post.edited_at is not None:
        _unlink(post)


def _unlink(post: Post) -> None:
    if PostCard.objects.filter(post_id=post.id).delete()[0]:
        events.emit("preview_card.attached", post=post)


def attach_card(post_id: int) -> PreviewCard | None:
    """Give the post the card of its link (fetched, or the one kept for that URL); None when it has no link or
    the link has nothing to show. Announces `preview_card.attached` so cached statuses are dropped."""
    post = Post.objects.select_related("account").filter(pk=post_id).first()
    if post is None:
        return None
    url = link_of(post)
    card = card_for_url(url) if url else None
    if card is None or not card.shown:
        _unlink(post)
        return None
    try:
        with transaction.atomic():
            PostCard.objects.update_or_create(
                post_id=post.id,
                defaults={"card": card, "account_id": post.account_id, "created_at": post.created_at},
            )
            events.emit("preview_card.attached", post=post)
    except IntegrityError:  # the post was deleted meanwhile
        return None
    return card


def card_for_url(url: str) -> PreviewCard:
    """The card kept for this normalized URL while it is fresh, else fetched again now (a failure is kept as
    the card's `error`, and retried after FAILURE_TTL)."""
    now = timezone.now()
    kept = PreviewCard.objects.filter(url=url).first()
    if kept is not None and kept.fetched_at > now - (FAILURE_TTL if kept.error else CARD_TTL):
        return kept
    try:
        fields, image = read_card(url)
    except FetchFailed as failure:
        fields, image = {"error": plain(str(failure), 300) or "fetch failed"}, None
    return _store_card(url, fields, image, kept)


def _store_card(url: str, fields: dict, image: PreparedImage | None, kept: PreviewCard | None) -> PreviewCard:
    blank = {
        f.name: f.get_default() for f in PreviewCard._meta.concrete_fields if f.name not in ("id", "url")
    }
    values = {**blank, **fields, "fetched_at": timezone.now()}
    old_image = kept.image.name if kept is not None and kept.image else ""
    card = kept or PreviewCard(url=url)
    for name, value in values.items():
        setattr(card, name, value)
    if image is not None:
        card.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(image.thumbnail), save=False)
        card.blurhash = image.blurhash
        if not card.width:
            card.width, card.height = image.thumbnail_width, image.thumbnail_height
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:  # another worker stored this URL's card first: theirs is as good
        if card.image:
            delete_files([card.image.name])
        return PreviewCard.objects.get(url=url)
    if old_image and old_image != card.image.name:
        delete_files([old_image])
    return card


def read_card(url: str) -> tuple[dict, PreparedImage | None]:
    """Fetch the page (and its oEmbed answer and image) and say what the card holds. Network only, no
    database. Raises FetchFailed when the page itself cannot be read."""
    if _fetch is None:
        raise FetchFailed("no fetcher installed")
    page = _fetch(
        url,
        max_bytes=settings.CARAVAN["PREVIEW_MAX_PAGE_BYTES"],
        content_types=PAGE_TYPES,
        accept="text/html,application/xhtml+xml;q=0.9",
    )
    facts = read_page(page.body, page.content_type, page.url)
    oembed = OEmbedFacts()
    if facts.oembed_url:
        try:
            answer = _fetch(
                facts.oembed_url,
                max_bytes=MAX_OEMBED_BYTES,
                content_types=OEMBED_TYPES,
                accept="application/json",
            )
            oembed = read_oembed(answer.body)
        except FetchFailed as failure:
            logger.info("oEmbed of %s not read: %s", url, failure)
    kind = "link"
    if oembed.html:
        kind = oembed.type
    elif oembed.type == "photo" and oembed.embed_url:
        kind = "photo"
    fields = {
        "title": oembed.title or facts.title,
        "description": facts.description,
        "type": kind,
        "author_name": oembed.author_name or facts.author,
        "author_url": oembed.author_url,
        "provider_name": oembed.provider_name or facts.site_name,
        "provider_url": oembed.provider_url,
        "html": oembed.html,
        "embed_url": oembed.embed_url,
        "width": oembed.width if kind != "link" else 0,
        "height": oembed.height if kind != "link" else 0,
        "image_description": facts.image_alt,
        "language": facts.language,
        "published_at": facts.published_at,
    }
    image = _image(facts.image or oembed.thumbnail_url or (oembed.embed_url if kind == "photo" else ""))
    return fields, image


def _image(url: str) -> PreparedImage | None:
    """The card's picture re-encoded without metadata, or None (no picture, unreachable, not an image, too
    large or too many pixels: the card is kept without one)."""
    if not url or _fetch is None:
        return None
    try:
        fetched = _fetch(
            url, max_bytes=settings.CARAVAN["MAX_IMAGE_BYTES"], content_types=IMAGE_TYPES, accept="image/*"
        )
        return prepare_image(fetched.body)
    except (FetchFailed, DomainError) as failure:
        logger.info("card image %s not kept: %s", url, failure)
        return None
