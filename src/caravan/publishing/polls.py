"""Polls: voting, results from other servers, and closing a local poll (its voters are told)."""

from django.db import transaction
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.notifications.services import notify_many
from caravan.posts.models import Poll, PollVote
from caravan.posts.visibility import can_read


def vote(account: Account, poll: Poll, choices: list[int], *, uri: str = "") -> Poll:
    """Vote once in a poll (several choices only in a multiple-choice poll)."""
    post = poll.post
    if not can_read(post, account):
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    if post.account_id == account.id:
        raise DomainError(error_codes.VOTE_IN_OWN_POLL)
    choices = sorted(set(choices))
    if not choices:
        raise DomainError(error_codes.VOTE_WITHOUT_CHOICE, field="choices")
    if any(c < 0 or c >= len(poll.options) for c in choices):
        raise DomainError(error_codes.VOTE_UNKNOWN_OPTION, field="choices")
    if len(choices) > 1 and not poll.multiple:
        raise DomainError(error_codes.VOTE_ONE_CHOICE, field="choices")
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.expires_at and poll.expires_at <= timezone.now():
            raise DomainError(error_codes.POLL_ENDED)
        earlier = set(PollVote.objects.filter(poll=poll, account=account).values_list("choice", flat=True))
        # A remote voter's choices in a multiple-choice poll arrive one activity each: later ones add up.
        adding = bool(earlier) and poll.multiple and not account.is_local and not earlier & set(choices)
        if earlier and not adding:
            raise DomainError(error_codes.ALREADY_VOTED)
        PollVote.objects.bulk_create(
            [PollVote(poll=poll, account=account, choice=c, uri=uri) for c in choices]
        )
        options = poll.options
        for c in choices:
            options[c]["votes_count"] = int(options[c].get("votes_count") or 0) + 1
        poll.options = options
        poll.votes_count += len(choices)
        poll.voters_count += 0 if adding else 1
        poll.save(update_fields=["options", "votes_count", "voters_count"])
        events.emit("poll.voted", poll=poll, account=account, choices=choices)
    return poll


def set_poll_results(poll: Poll, counts: list[int], voters_count: int | None = None) -> Poll:
    """A remote author's Update(Question) carries the tallies; store them as given."""
    options = poll.options
    for option, count in zip(options, counts, strict=False):
        option["votes_count"] = max(0, int(count))
    poll.options = options
    poll.votes_count = sum(o["votes_count"] for o in options)
    if voters_count is not None:
        poll.voters_count = max(0, int(voters_count))
    poll.save(update_fields=["options", "votes_count", "voters_count"])
    return poll


def close_poll_and_notify(poll_id: int) -> None:
    """When a local poll ends, tell its voters and its author (the `poll` notification)."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().select_related("post__account").filter(pk=poll_id).first()
        if poll is None or poll.closed_notified:
            return
        if poll.expires_at and poll.expires_at > timezone.now():
            return
        poll.closed_notified = True
        poll.save(update_fields=["closed_notified"])
        author = poll.post.account
        voter_ids = set(PollVote.objects.filter(poll=poll).values_list("account_id", flat=True))
        voters = Account.objects.filter(pk__in=voter_ids, domain="")
        # The author is told too (allow_self); authors cannot vote in their own polls.
        notify_many([(account, "poll", author, poll.post) for account in [*voters, author]], allow_self=True)
        events.emit("post.updated", post=poll.post)
