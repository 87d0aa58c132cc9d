"""A campaign, its members (one membership per account, at one of three levels) and its daily history.

The counts a page shows live on the campaign row, six integers (three levels, verified or not), changed in the
same transaction as the membership that moves them; a `CampaignDay` keeps each day's last counts for the chart.
Nothing is counted per request (decision 0029).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from caravan.accounts.models import Account
from caravan.ids import new_id


class Level(models.TextChoices):
    WILL_MOVE = "will_move", _("will move when the target is met")
    MOVED = "moved", _("has moved")
    LEFT = "left", _("has left the old platform")


class Status(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    OPEN = "open", _("open")
    REJECTED = "rejected", _("rejected")


LEVELS = tuple(Level.values)
COUNT_FIELDS = tuple(f"{level}_{kind}" for kind in ("verified", "unverified") for level in LEVELS)


def count_field(level: str, verified: bool) -> str:
    return f"{level}_{'verified' if verified else 'unverified'}"


class Campaign(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    target = models.PositiveIntegerField()
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    target_met_at = models.DateTimeField(null=True, blank=True)
    # The campaign as an ActivityPub actor (a Group others follow to join, with its own keys): a local account
    # with no User, so it signs, is found by WebFinger and is delivered to like any local actor (decision 0029).
    actor = models.OneToOneField(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign"
    )
    will_move_verified = models.IntegerField(default=0)
    moved_verified = models.IntegerField(default=0)
    left_verified = models.IntegerField(default=0)
    will_move_unverified = models.IntegerField(default=0)
    moved_unverified = models.IntegerField(default=0)
    left_unverified = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return self.title

    @property
    def path(self) -> str:
        return f"/campaigns/{self.id}"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}

    @property
    def headline(self) -> int:
        """Verified members at every level: what the target is measured against."""
        return self.will_move_verified + self.moved_verified + self.left_verified

    @property
    def unverified(self) -> int:
        return self.will_move_unverified + self.moved_unverified + self.left_unverified


class Membership(models.Model):
    """One account's commitment to one campaign. `counted` is false while the account is suspended or deleted;
    an unverified membership becomes verified at `verifies_at` if its account is approved by then."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    verified = models.BooleanField(default=False)
    verifies_at = models.DateTimeField(null=True, blank=True)
    counted = models.BooleanField(default=True)
    remote = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "account"], name="one_membership_per_account")
        ]
        indexes = [
            models.Index(fields=["campaign", "verified", "verifies_at"], name="campaign_membership_due"),
            models.Index(fields=["account"], name="campaign_membership_account"),
        ]


class CampaignDay(models.Model):
    """The campaign's counts at the end of a day (or now, for today): the chart's series."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    will_move_verified = models.IntegerField(default=0)
    moved_verified = models.IntegerField(default=0)
    left_verified = models.IntegerField(default=0)
    will_move_unverified = models.IntegerField(default=0)
    moved_unverified = models.IntegerField(default=0)
    left_unverified = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="one_campaign_day")]


class Starter(models.Model):
    """An account on the campaign's starter list; shown only once it has accepted being listed."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="starters")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "account"], name="one_starter_entry")]


class RemoteCommitment(models.Model):
    """A local person's level in a campaign of another server (whose actor is `campaign_actor`): kept here so
    the person sees it, and reported to that server as a signed Join (a Leave when withdrawn)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    campaign_actor = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "campaign_actor"], name="one_remote_commitment")
        ]
