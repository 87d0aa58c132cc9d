"""Home feeds are materialized (fan-out on write): one FeedEntry per (reader, post). Lists are kept here too."""

from django.db import models

from caravan.ids import new_id


class FeedEntry(models.Model):
    owner = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="+")
    author_id = models.BigIntegerField()  # the post's author (the booster for boosts), for unfollow clean-up

    class Meta:
        constraints = [models.UniqueConstraint("owner", "post", name="feed_entry_unique")]
        indexes = [models.Index(fields=["owner", "author_id"], name="feed_owner_author")]
        # the unique constraint's (owner, post) index serves "newest first" reads by owner


class TrimmedFeed(models.Model):
    """Where a trimmed home feed's stored part ends (decision 0043): the feed holds the newest
    CARAVAN_HOME_FEED_SIZE entries, from `kept_from` up; pages older than that are computed from the follows.

    Entries below `kept_from` (a follow's backfill of older posts) are never read: the computed pages cover
    them, so a page crossing the edge has neither a gap nor a duplicate. The edge only moves up."""

    owner = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    kept_from = models.BigIntegerField()  # the oldest post id whose entries are all stored


class FeedTrimSweep(models.Model):
    """How far the trim sweep (`timelines.services.trim_home_feeds`) has looked: feeds that got entries with a
    higher id may have grown past their size. One row; entry ids grow with insertion order."""

    scanned_through = models.BigIntegerField(default=0)  # every entry up to this id was looked at
    owner_after = models.BigIntegerField(default=0)  # in the window being looked at, owners done so far


class List(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="lists")
    title = models.CharField(max_length=200)
    replies_policy = models.CharField(max_length=10, default="list")  # followed | list | none
    exclusive = models.BooleanField(default=False)

    class Meta:
        ordering = ["title", "id"]


class ListMember(models.Model):
    list = models.ForeignKey(List, on_delete=models.CASCADE, related_name="members")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint("list", "account", name="list_member_unique")]


class ConversationState(models.Model):
    """A viewer's read mark on a direct conversation (a thread of direct posts), or that they removed it.

    The table kept the name it had when the client API owned this model."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    thread_root_id = models.BigIntegerField()
    last_read_id = models.BigIntegerField(default=0)
    hidden_until_id = models.BigIntegerField(default=0)

    class Meta:
        db_table = "api_conversationstate"
        constraints = [models.UniqueConstraint("account", "thread_root_id", name="conversation_state_unique")]

    def __str__(self) -> str:
        return f"Conversation {self.thread_root_id} of {self.account_id}"
