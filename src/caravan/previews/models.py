"""One preview card per normalized URL, and which post shows which card."""

from django.db import models


class PreviewCard(models.Model):
    """What a page says about itself (OpenGraph, oEmbed, else its title), as Mastodon's PreviewCard. All text is
    plain text from elsewhere: escape and isolate it where shown. A failed fetch is kept too (`error`), so the
    same broken link is not fetched again before the cache time runs out."""

    LINK, PHOTO, VIDEO, RICH = "link", "photo", "video", "rich"
    TYPES = [(t, t) for t in (LINK, PHOTO, VIDEO, RICH)]

    url = models.CharField(max_length=2000, unique=True)  # normalized (previews.links.normalize_url)
    title = models.CharField(max_length=300, blank=True, default="")
    description = models.CharField(max_length=1000, blank=True, default="")
    type = models.CharField(max_length=8, choices=TYPES, default=LINK)
    author_name = models.CharField(max_length=200, blank=True, default="")
    author_url = models.CharField(max_length=2000, blank=True, default="")
    provider_name = models.CharField(max_length=200, blank=True, default="")
    provider_url = models.CharField(max_length=2000, blank=True, default="")
    html = models.TextField(blank=True, default="")  # only an iframe Caravan wrote itself, or nothing
    embed_url = models.CharField(max_length=2000, blank=True, default="")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    image = models.ImageField(upload_to="cards/", blank=True, default="")  # re-encoded, without metadata
    image_description = models.CharField(max_length=1500, blank=True, default="")
    blurhash = models.CharField(max_length=100, blank=True, default="")
    language = models.CharField(max_length=16, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField()
    error = models.CharField(max_length=300, blank=True, default="")  # why the last fetch failed, if it did

    def __str__(self) -> str:
        return self.url

    @property
    def shown(self) -> bool:
        """Whether a post may show this card: it was read and has something to show."""
        return not self.error and bool(self.title or self.html)


class PostCard(models.Model):
    """The card a post shows (its first link's), with the post's author and date copied so the trend counts
    need no scan of posts (who may read the post is still asked of the post itself)."""

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, primary_key=True, related_name="+")
    card = models.ForeignKey(PreviewCard, on_delete=models.CASCADE, related_name="post_links")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()  # the post's

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="postcard_recent"),
            models.Index(fields=["card", "post"], name="postcard_card_post"),
        ]
