"""Posts and everything hanging off them. A boost is a Post whose `reblog_of` is the boosted post."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from caravan.ids import new_id


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    UNLISTED = "unlisted", _("Unlisted")
    PRIVATE = "private", _("Followers only")
    DIRECT = "direct", _("Mentioned people only")


class QuotePolicy(models.TextChoices):
    """Who may quote a post without asking (Mastodon 4.5's `quote_approval_policy`). MANUAL only describes
    remote posts whose server decides each request by hand."""

    PUBLIC = "public", _("Anyone")
    FOLLOWERS = "followers", _("Followers only")
    NOBODY = "nobody", _("Just me")
    MANUAL = "manual", _("Asked each time")


# The posts the federated timeline shows (before the authors' standing): public originals, not imported.
FEDERATED_TIMELINE = Q(visibility="public", reblog_of__isnull=True, imported=False)


class Post(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="posts")
    uri = models.CharField(max_length=2000, unique=True)
    url = models.CharField(max_length=2000, blank=True, default="")
    text = models.TextField(blank=True, default="")  # source as written (local posts)
    content = models.TextField(blank=True, default="")  # rendered or sanitized HTML
    spoiler_text = models.CharField(max_length=1000, blank=True, default="")
    sensitive = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    language = models.CharField(max_length=16, blank=True, default="")
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    in_reply_to_account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_reply_to_uri = models.CharField(max_length=2000, blank=True, default="")
    # The id of the thread's first post, so a whole thread is one indexed query.
    thread_root_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Indexed by post_boosts below, for boosts only (most posts are none).
    reblog_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reblogs", db_index=False
    )
    local = models.BooleanField(default=True)
    imported = models.BooleanField(default=False)  # quiet, backdated copy brought in by an import
    original_uri = models.CharField(max_length=2000, blank=True, default="", db_index=True)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    replies_count = models.PositiveIntegerField(default=0)
    reblogs_count = models.PositiveIntegerField(default=0)
    favourites_count = models.PositiveIntegerField(default=0)
    has_media = models.BooleanField(default=False)
    # Custom emoji a remote post uses: [{"shortcode": "blobcat", "url": "https://..."}]
    emojis = models.JSONField(default=list, blank=True)
    # Who may quote this post (FEP-044f `interactionPolicy.canQuote`); a remote post's as its server says.
    quote_policy = models.CharField(max_length=10, choices=QuotePolicy.choices, default=QuotePolicy.NOBODY)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-id"], name="post_account_id"),
            # The public timelines, newest first: the rows they show, in id order. An index on (visibility,
            # local, id) gave id order only for one value of `local`, and without statistics (a new server,
            # or a table just rebuilt) SQLite chose it and read every public post to sort them: 1.5 s a page.
            models.Index(fields=["-id"], name="post_federated_timeline", condition=FEDERATED_TIMELINE),
            models.Index(
                fields=["-id"], name="post_local_timeline", condition=FEDERATED_TIMELINE & Q(local=True)
            ),
            # Boosts only: over every post, mostly NULL, SQLite's statistics said "a million rows per value"
            # and deleting a post scanned the table for its boosts (0.27 s on the benchmark seed).
            models.Index(
                fields=["reblog_of", "account"], name="post_boosts", condition=Q(reblog_of__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.id} by {self.account_id}"

    @property
    def is_reblog(self) -> bool:
        return self.reblog_of_id is not None

    def attached(self, name: str) -> list:
        """The rows of one of the relations `posts.selectors.load_posts` attaches (media_attachments, mentions,
        post_tags), read from what it attached without making a related manager per post; else queried."""
        cache = self.__dict__.get("_prefetched_objects_cache")
        if hasattr(cache, "rows"):  # posts.selectors.AttachedRows (empty as a dict until a manager asks)
            found = cache.rows(name)
            if found is not None:
                return found
        elif (
            cache is not None and (cached := cache.get(name)) is not None and cached._result_cache is not None
        ):
            return cached._result_cache  # Django's own prefetch_related
        return list(getattr(self, name).all())

    @property
    def shown_mentions(self) -> list["Mention"]:
        """The mentions a reader sees (links, the API `mentions`, addressing); silent ones only keep access and
        delivery. Works from prefetched mentions without another query."""
        return [mention for mention in self.attached("mentions") if not mention.silent]

    @property
    def shown_sensitive(self) -> bool:
        """Whether readers see the post as sensitive: the author said so, or the moderators marked the author's
        media sensitive (`Account.sensitized_at`), which covers every post with media."""
        return self.sensitive or (self.has_media and self.account.sensitized_at is not None)

    @property
    def is_public(self) -> bool:
        return self.visibility in (Visibility.PUBLIC, Visibility.UNLISTED)


class QuoteState(models.TextChoices):
    PENDING = "pending"  # asked of the quoted author's server, no answer yet (or a legacy quote)
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REVOKED = "revoked"  # the quoted author took their post back from the quote


class Quote(models.Model):
    """One post quoting another (Mastodon 4.5, FEP-044f). `quoted_post` is null while the quoted post is not
    stored here (its address in `quoted_uri`) or once it is deleted. `approval_uri` is the quoted author's
    QuoteAuthorization stamp: served by us for our authors' posts, fetched and checked for remote ones.
    `activity_uri` is the QuoteRequest that asked. A `legacy` quote (`_misskey_quote`, `quoteUrl` without a
    stamp) is never accepted: it is shown as a link."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="quote")
    quoted_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    quoted_uri = models.CharField(max_length=2000, blank=True, default="")
    quoted_account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=QuoteState.choices, default=QuoteState.PENDING)
    approval_uri = models.CharField(max_length=2000, blank=True, default="", db_index=True)
    activity_uri = models.CharField(max_length=2000, blank=True, default="")
    legacy = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["quoted_post", "state", "-id"], name="quote_quoted_state")]


class PostEdit(models.Model):
    """One earlier or current version of a post, kept for the edit history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="edits")
    text = models.TextField(blank=True, default="")
    content = models.TextField(blank=True, default="")
    spoiler_text = models.CharField(max_length=1000, blank=True, default="")
    sensitive = models.BooleanField(default=False)
    media_ids = models.JSONField(default=list, blank=True)
    poll_options = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class Mention(models.Model):
    """An account a post addresses. An edit that drops someone keeps their row as a silent mention (as Mastodon
    does): not shown or listed any more, but they keep reading the post and their server still receives its
    later edits and its deletion."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="mentioned_in")
    silent = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("post", "account", name="mention_unique")]
        indexes = [models.Index(fields=["account", "post"])]


class Tag(models.Model):
    name = models.CharField(max_length=200, unique=True)  # normalized: lower-cased, NFKC
    display_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)


class PostTag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="post_tags")

    class Meta:
        constraints = [models.UniqueConstraint("post", "tag", name="post_tag_unique")]
        indexes = [models.Index(fields=["tag", "-post"], name="post_tag_timeline")]


class FollowedTag(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="followed_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="followers")

    class Meta:
        constraints = [models.UniqueConstraint("account", "tag", name="followed_tag_unique")]


class FeaturedTag(models.Model):
    """A hashtag an account shows on its profile (Mastodon's featured tags, at most `FEATURED_TAGS_LIMIT`).
    Its post count and last use are read from the account's posts when shown (`posts/featured.py`)."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="featured_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "tag", name="featured_tag_unique")]


class Favourite(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="favourites")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="favourites")
    uri = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "post", name="favourite_unique")]
        indexes = [models.Index(fields=["account", "-id"])]


class Bookmark(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "post", name="bookmark_unique")]
        indexes = [models.Index(fields=["account", "-id"])]


class Pin(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="pins")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="pins")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("account", "post", name="pin_unique")]


class ThreadMute(models.Model):
    """A user silencing notifications from one thread."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    thread_root_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint("account", "thread_root_id", name="thread_mute_unique")]


class Poll(models.Model):
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="poll")
    options = models.JSONField()  # [{"title": str, "votes_count": int}]
    multiple = models.BooleanField(default=False)
    hide_totals = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    votes_count = models.PositiveIntegerField(default=0)
    voters_count = models.PositiveIntegerField(default=0)
    closed_notified = models.BooleanField(default=False)


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="poll_votes")
    choice = models.PositiveSmallIntegerField()
    uri = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint("poll", "account", "choice", name="poll_vote_unique")]


class ScheduledPost(models.Model):
    """A post its author asked to publish later (Mastodon's ScheduledStatus): the parameters the pipeline takes,
    kept until the worker publishes them at `scheduled_at` (`publishing.scheduling`). A post that could not be
    published then (its reply target gone, the author suspended) stays with `failed_code` so its author sees why;
    it is no longer a scheduled post for the API."""

    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="scheduled_posts")
    scheduled_at = models.DateTimeField()
    text = models.TextField(blank=True, default="")
    spoiler_text = models.CharField(max_length=1000, blank=True, default="")
    sensitive = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    language = models.CharField(max_length=16, blank=True, default="")
    in_reply_to = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    in_reply_to_id_given = models.BigIntegerField(null=True, blank=True)  # kept when the parent is deleted
    poll = models.JSONField(null=True, blank=True)  # {"options", "expires_in", "multiple", "hide_totals"}
    application_id = models.BigIntegerField(null=True, blank=True)
    idempotency = models.CharField(max_length=200, blank=True, default="")
    failed_code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["scheduled_at"], name="scheduled_post_due"),
            models.Index(fields=["account", "-id"], name="scheduled_post_account"),
        ]


class ScheduledMedia(models.Model):
    """An upload reserved for a scheduled post: it cannot go on another post and stays until it is published."""

    scheduled_post = models.ForeignKey(ScheduledPost, on_delete=models.CASCADE, related_name="media")
    media = models.OneToOneField(
        "media.MediaAttachment", on_delete=models.CASCADE, related_name="scheduled_for"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
