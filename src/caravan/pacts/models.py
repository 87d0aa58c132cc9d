"""A pact ("I will move when N of my people have committed") and the people it counts.

A pact lives on its owner's server. A server whose people count for a pact elsewhere keeps a copy of it (`uri`
set, owner remote) with the counts that server reports and only its own members' rows; only counts cross
servers. The counts are kept (changed with each commitment), never recounted from the rows.
"""

from django.db import models

from caravan.ids import new_id

MAX_MEMBERS = 500  # people one pact may count
MAX_OPEN_PACTS = 5  # open pacts one owner may have at once
MAX_DAYS = 366  # the latest deadline, from now
MAX_CHANGES = 20  # commitments and withdrawals one person may make in one pact (each one tells other servers)


class PactState(models.TextChoices):
    OPEN = "open"
    MET = "met"  # enough people committed: they follow each other
    ENDED = "ended"  # the deadline passed first


class PactPeople(models.TextChoices):
    MATCHED = "matched"  # the people the owner's archive import found (moving.FollowCandidate with a target)
    LIST = "list"  # the members of one of the owner's lists


class Pact(models.Model):
    id = models.BigIntegerField(primary_key=True, default=new_id, editable=False)
    owner = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    # Empty for a pact of this server; a copy of another server's pact keeps that pact's id there.
    uri = models.CharField(max_length=2000, blank=True, default="")
    people = models.CharField(max_length=10, choices=PactPeople.choices, default=PactPeople.MATCHED)
    threshold = models.PositiveIntegerField()
    deadline = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=PactState.choices, default=PactState.OPEN)
    members_count = models.PositiveIntegerField(default=0)
    committed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # when it was met or ended
    owner_auto_follow = models.BooleanField(default=False)  # the owner follows everyone as soon as it is met
    owner_followed_at = models.DateTimeField(null=True, blank=True)
    # A copy: when the pact's server wrote the counts it holds (news arriving out of order older than this is
    # ignored). A pact of this server: when its counts or state last changed.
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-id"], name="pact_owner"),
            models.Index(fields=["state", "deadline"], name="pact_deadline"),
            models.Index(fields=["uri"], name="pact_uri"),
        ]

    @property
    def is_local(self) -> bool:
        return not self.uri

    @property
    def is_open(self) -> bool:
        return self.state == PactState.OPEN


class PactMember(models.Model):
    """One person a pact counts, and their own choice, which no one else reads. On a copy of a remote pact,
    the rows are this server's members, and, once the pact is met, the people its server named to follow."""

    pact = models.ForeignKey(Pact, on_delete=models.CASCADE, related_name="members")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    committed = models.BooleanField(default=False)
    auto_follow = models.BooleanField(default=False)  # follow everyone without a click once the pact is met
    committed_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveSmallIntegerField(default=0)  # how often the choice changed, up to MAX_CHANGES
    followed_all_at = models.DateTimeField(null=True, blank=True)
    # A participant named by a remote pact's server once it was met (not one of the people it counts here).
    named_only = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("pact", "account", name="pact_member_unique")]
        indexes = [models.Index(fields=["account", "-pact"], name="pact_member_account")]
