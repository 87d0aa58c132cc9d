"""Domain events: how a domain service tells the faces that something happened, without importing them.

A service calls `emit("post.created", post=post)` at the point of change, inside its transaction. Listeners are
registered by the faces at start-up (federation records its outbox rows in the same transaction; streaming
defers its pushes to `transaction.on_commit`). Every emit site is visible at the call site, by design.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_listeners: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def listen(name: str, listener: Callable[..., Any]) -> None:
    # Checked here, at start-up, rather than on every emit: a misspelt name would otherwise never fire.
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown domain event {name!r}; add it to caravan.events.EVENT_NAMES")
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def emit(name: str, **payload: Any) -> None:
    for listener in list(_listeners.get(name, ())):
        listener(**payload)


EVENT_NAMES = frozenset(
    {
        "account.created",
        "account.updated",
        "account.deleted",
        "account.moved",
        "account.moderated",  # a moderation action was taken or lifted (account=, action=)
        "account.signed_out",  # a person may no longer sign in: open connections end (account_id=)
        # a person revoked an app's tokens (account_id=, token_ids=, checksums=): its streams end at once
        "tokens.revoked",
        "report.created",  # a report was filed, locally or by a remote Flag (report=)
        "filters.changed",  # a person's filters changed; streaming tells their clients (account_id=)
        "post.created",
        "post.updated",
        "post.deleted",
        "reblog.created",
        "reblog.deleted",
        "favourite.created",
        "favourite.deleted",
        "poll.voted",
        "follow.requested",
        "follow.accepted",
        "follow.rejected",
        "follow.undone",
        "block.created",
        "block.deleted",
        "notification.created",
        # notifications were written, inside their transaction (notifications=): durable work follows them
        "notifications.recorded",
        "feed.inserted",
        "directory.withdrawn",  # a local X-id directory entry was withdrawn (entry=, inboxes= that received it)
        "campaign.remote_commitment",  # a local person joined, changed or left another server's campaign
        "pact.invited",  # a pact of this server counts people on other servers (pact=, members=)
        "pact.changed",  # a pact of this server changed its counts or state (pact=)
        "pact.commitment",  # one of ours committed to or withdrew from another server's pact (pact=, member=)
        "preview_card.attached",  # a post's link card was attached, changed or removed (post=)
        "quote.created",  # a post quoting another was stored (quote=); federation asks the quoted author's server
        "quote.revoked",  # a local author took their post back from a quote (quote=)
    }
)
