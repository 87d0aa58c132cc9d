"""Quote posts (Mastodon 4.5, FEP-044f): who may quote a post, deciding a request, revoking, the quote policy.

A quote is written through the one post pipeline (`drafts.local(..., quote=)`, `drafts.remote(..., quote=)`,
`store.store_posts` writes the `Quote` row). This module holds the rule the pipeline and the inbox both ask
(`decide`), and the changes made after a quote exists: the quoted author revoking it, a remote server's answer
(`set_state`), and the author changing who may quote a post (`set_policy`).
"""

from django.db import transaction
from django.utils import timezone

from caravan import error_codes, events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.notifications.services import notify_many
from caravan.posts.models import Post, QuotePolicy, QuoteState, Visibility
from caravan.posts.models import Quote as QuoteRow
from caravan.posts.visibility import PUBLIC_VISIBILITIES, can_read
from caravan.social.models import Follow

ACCEPT, REJECT, ASK = "accept", "reject", "ask"
POLICIES_PEOPLE_CHOOSE = (QuotePolicy.PUBLIC, QuotePolicy.FOLLOWERS, QuotePolicy.NOBODY)


def default_policy(visibility: str, asked: str | None = None) -> str:
    """The policy a new local post gets: what its author asked, else anyone; followers-only and direct posts are
    never quotable by others (Mastodon), whatever was asked."""
    if visibility not in PUBLIC_VISIBILITIES:
        return QuotePolicy.NOBODY
    if asked in (None, ""):
        return QuotePolicy.PUBLIC
    return check_policy(asked)


def check_policy(policy: str) -> str:
    if policy not in POLICIES_PEOPLE_CHOOSE:
        raise DomainError(error_codes.QUOTE_POLICY_INVALID, field="quote_approval_policy")
    return policy


def decide(quoted: Post, quoter: Account) -> str:
    """What the quoted post's policy says of `quoter` quoting it: ACCEPT, REJECT, or ASK (a remote post whose
    server decides by hand). Readability and visibility are `check_quotable`'s; this is the author's consent."""
    if quoted.account_id == quoter.id:
        return ACCEPT  # FEP-044f: one may always quote oneself
    if quoted.visibility not in PUBLIC_VISIBILITIES:
        return REJECT
    policy = quoted.quote_policy
    if policy == QuotePolicy.PUBLIC:
        return ACCEPT
    if policy == QuotePolicy.FOLLOWERS:
        if Follow.objects.filter(account=quoter, target_account_id=quoted.account_id).exists():
            return ACCEPT
        return REJECT if quoted.account.is_local else ASK
    if policy == QuotePolicy.MANUAL and not quoted.account.is_local:
        return ASK
    return REJECT


def check_quotable(quoted: Post, quoter: Account) -> tuple[Post, str]:
    """(the post to quote, its quote state) for `quoter` quoting `quoted` now, or DomainError: the post must be
    readable by the quoter, public or unlisted unless it is their own, and its author must consent (our authors
    automatically; a remote author's server is asked, so the quote starts pending)."""
    if quoted.reblog_of_id:
        quoted = quoted.reblog_of
    if not can_read(quoted, quoter):
        raise DomainError(error_codes.QUOTE_TARGET_UNAVAILABLE, field="quoted_status_id")
    if quoted.account_id != quoter.id and quoted.visibility == Visibility.DIRECT:
        raise DomainError(error_codes.QUOTE_PRIVATE_POST, field="quoted_status_id")
    if quoted.account_id != quoter.id and quoted.visibility == Visibility.PRIVATE:
        raise DomainError(error_codes.QUOTE_PRIVATE_POST, field="quoted_status_id")
    decision = decide(quoted, quoter)
    if decision == REJECT:
        raise DomainError(error_codes.QUOTE_NOT_ALLOWED, field="quoted_status_id")
    if decision == ACCEPT and (quoted.account.is_local or quoted.account_id == quoter.id):
        return quoted, QuoteState.ACCEPTED
    return quoted, QuoteState.PENDING  # a remote author's server answers our QuoteRequest


def notify_quoted(quotes: list[QuoteRow]) -> None:
    """Tell local quoted authors their post was quoted (accepted quotes only)."""
    notify_many(
        [
            (quote.quoted_post.account, "quote", quote.post.account, quote.post)
            for quote in quotes
            if quote.state == QuoteState.ACCEPTED
            and quote.quoted_post_id
            and quote.quoted_post.account.is_local
        ]
    )


def set_state(quote: QuoteRow, state: str, *, approval_uri: str = "") -> QuoteRow:
    """Record a decision on a quote (the quoted author's server answered, a stamp was checked or deleted), and
    tell the quoting post's readers: the post counts as changed."""
    with transaction.atomic():
        was = quote.state
        quote.state = state
        if approval_uri:
            quote.approval_uri = approval_uri[:2000]
        quote.save(update_fields=["state", "approval_uri"])
        if state == QuoteState.ACCEPTED and was != QuoteState.ACCEPTED:
            notify_quoted([quote])
        _changed(quote.post)
    return quote


def revoke(quote: QuoteRow, actor: Account) -> QuoteRow:
    """The quoted author takes their post back from a quote: the quote shows as revoked everywhere, and the
    quoting post's server is told (federation deletes the authorization stamp)."""
    if quote.quoted_post_id is None or quote.quoted_post.account_id != actor.id:
        raise DomainError(error_codes.QUOTE_NOT_YOURS)
    if quote.state == QuoteState.REVOKED:
        return quote
    with transaction.atomic():
        set_state(quote, QuoteState.REVOKED)
        if actor.is_local:
            events.emit("quote.revoked", quote=quote)
    return quote


def set_policy(post: Post, actor: Account, policy: str) -> Post:
    """Change who may quote `post` (Mastodon's PUT /api/v1/statuses/:id/interaction_policy). Quotes made
    already stay (revoke those); the change reaches other servers as an Update of the post."""
    if post.account_id != actor.id:
        raise DomainError(error_codes.ONLY_AUTHOR_CAN_EDIT)
    # As Mastodon: a followers-only or direct post stays quotable by its author alone, whatever was asked.
    policy = default_policy(post.visibility, check_policy(policy))
    with transaction.atomic():
        post.quote_policy = policy
        Post.objects.filter(pk=post.pk).update(quote_policy=policy)
        _changed(post)
    return post


def record_remote_policy(post: Post, policy: str) -> None:
    """A remote post's quote policy as its server now states it (an Update): stored as said, nothing sent."""
    if policy != post.quote_policy:
        post.quote_policy = policy
        Post.objects.filter(pk=post.pk).update(quote_policy=policy)


def link_quote(quote: QuoteRow, *, quoted: Post | None = None, activity_uri: str = "") -> None:
    """What a quote learns after it was stored: the quoted post once it is stored here (kept if it already has
    one), the id of the QuoteRequest that asked for it."""
    changed = {}
    if quoted is not None and quote.quoted_post_id is None:
        quote.quoted_post, quote.quoted_account = quoted, quoted.account
        changed.update(quoted_post=quoted, quoted_account=quoted.account)
    if activity_uri:
        quote.activity_uri = changed["activity_uri"] = activity_uri
    if changed:
        QuoteRow.objects.filter(pk=quote.pk).update(**changed)


def _changed(post: Post) -> None:
    """The post changed without an edit (its quote's state, its policy): a new `updated_at` makes its Update a
    new activity for other servers, and `post.updated` reaches every face."""
    post.updated_at = timezone.now()
    Post.objects.filter(pk=post.pk).update(updated_at=post.updated_at)
    events.emit("post.updated", post=post)


def quotes_of(post: Post) -> "list[QuoteRow]":
    """The accepted quotes of `post`, newest first (who to tell of an edit)."""
    return list(
        QuoteRow.objects.filter(quoted_post=post, state=QuoteState.ACCEPTED).select_related(
            "post", "post__account"
        )
    )


def quote_in(quoting: Post, quoted: Post) -> QuoteRow:
    """The quote of `quoted` by `quoting`, or RECORD_NOT_FOUND."""
    found = (
        QuoteRow.objects.filter(post=quoting, quoted_post=quoted)
        .select_related("post", "post__account", "quoted_post", "quoted_post__account")
        .first()
    )
    if found is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return found
