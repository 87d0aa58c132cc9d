"""Quote posts between servers (FEP-044f, as Mastodon 4.5 speaks it).

Outgoing: a local post quoting a remote one sends a `QuoteRequest` to the quoted author's server; a local author
answers others' requests with `Accept` (whose `result` is a QuoteAuthorization stamp served at its own URL) or
`Reject`; revoking deletes the stamp. Incoming: a quote is accepted only when its stamp, fetched from the quoted
author's server, names both posts and that author (`quote_spec`); a `Delete` of the stamp revokes it. The quoted
post's `interactionPolicy.canQuote` becomes its `quote_policy`. Legacy quotes (`_misskey_quote`, `quoteUrl`,
`quoteUri` without `quote`) are kept as links, never accepted.
"""

import logging
from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from caravan import events
from caravan.accounts.models import Account
from caravan.federation import actors, delivery, documents
from caravan.federation.actors import as_list, is_local_uri, origin
from caravan.federation.network import FetchError
from caravan.federation.reading import PUBLIC_IDS, InboxError, id_of, local_post
from caravan.posts.models import Post, Quote, QuotePolicy, QuoteState
from caravan.publishing import drafts, quoting
from caravan.untrusted import http_url

logger = logging.getLogger(__name__)

QUOTE_KEYS = ("quote", "quoteUri", "_misskey_quote", "quoteUrl")


def quoted_uri_of(obj: dict) -> tuple[str, bool]:
    """(the address a Note quotes, whether it is a legacy quote) or ("", False)."""
    for key in QUOTE_KEYS:
        uri = http_url(id_of(obj.get(key)))
        if uri:
            return uri, key != "quote" and not obj.get("quoteAuthorization")
    return "", False


def policy_of(obj: dict, author: Account) -> str:
    """A remote Note's `interactionPolicy.canQuote` as a quote policy; without one, nobody (no consent known)."""
    policy = obj.get("interactionPolicy")
    can_quote = policy.get("canQuote") if isinstance(policy, dict) else None
    if not isinstance(can_quote, dict):
        return QuotePolicy.NOBODY
    automatic = {id_of(item) for item in as_list(can_quote.get("automaticApproval"))}
    manual = {id_of(item) for item in as_list(can_quote.get("manualApproval"))}
    followers = {author.followers_url} - {""}
    if automatic & PUBLIC_IDS:
        return QuotePolicy.PUBLIC
    if automatic & followers:
        return QuotePolicy.FOLLOWERS
    if manual & (PUBLIC_IDS | followers):
        return QuotePolicy.MANUAL
    return QuotePolicy.NOBODY


def _stamp_matches(
    stamp: dict, stamp_uri: str, quoting_uri: str, quoted_uri: str, quoted_author: str
) -> bool:
    """FEP-044f: the stamp is a QuoteAuthorization by the quoted author, on the quoted author's server, naming
    the quoting post and the quoted post."""
    kinds = as_list(stamp.get("type"))
    return (
        "QuoteAuthorization" in kinds
        and id_of(stamp) == stamp_uri
        and id_of(stamp.get("attributedTo")) == quoted_author
        and origin(stamp_uri) == origin(quoted_author)
        and id_of(stamp.get("interactingObject")) == quoting_uri
        and id_of(stamp.get("interactionTarget")) == quoted_uri
    )


def check_stamp(stamp_uri: str, quoting_uri: str, quoted: Post) -> bool:
    """Whether `stamp_uri` authorizes `quoting_uri` quoting `quoted`: our own stamps are looked up, others are
    fetched from their server (never trusting an embedded copy)."""
    if not stamp_uri or origin(stamp_uri) != origin(quoted.account.uri):
        return False
    if is_local_uri(stamp_uri):
        return Quote.objects.filter(
            pk=_local_stamp_id(stamp_uri),
            quoted_post=quoted,
            post__uri=quoting_uri,
            state=QuoteState.ACCEPTED,
        ).exists()
    try:
        stamp = actors.fetch_json(stamp_uri)
    except FetchError as error:
        logger.info("could not fetch the quote stamp %s: %s", stamp_uri, error)
        return False
    return _stamp_matches(stamp, stamp_uri, quoting_uri, quoted.uri, quoted.account.uri)


def _local_stamp_id(stamp_uri: str) -> int:
    tail = stamp_uri.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() and len(tail) < 19 else 0


def quote_spec(
    obj: dict, author: Account, find_post: Callable[[str], Post | None]
) -> drafts.QuoteSpec | None:
    """What a remote Note quotes, and in what state: accepted only with a stamp that checks out (or a quote of
    the author's own post), rejected when the stamp is hostile, pending while no stamp has come, a legacy
    link otherwise. `find_post` finds or fetches the quoted post."""
    quoted_uri, legacy = quoted_uri_of(obj)
    if not quoted_uri:
        return None
    quoted = find_post(quoted_uri)
    if quoted is not None and quoted.reblog_of_id:
        quoted = None
    if quoted is None:
        return drafts.QuoteSpec(None, QuoteState.PENDING, quoted_uri=quoted_uri, legacy=legacy)
    if legacy:
        return drafts.QuoteSpec(quoted, QuoteState.PENDING, legacy=True)
    if quoted.account_id == author.id:
        return drafts.QuoteSpec(quoted, QuoteState.ACCEPTED)
    stamp_uri = http_url(id_of(obj.get("quoteAuthorization")))
    if not stamp_uri:
        return drafts.QuoteSpec(quoted, QuoteState.PENDING)
    if check_stamp(stamp_uri, id_of(obj), quoted):
        return drafts.QuoteSpec(quoted, QuoteState.ACCEPTED, approval_uri=stamp_uri)
    logger.info("refused the quote stamp %s on %s", stamp_uri, id_of(obj))
    return drafts.QuoteSpec(quoted, QuoteState.REJECTED, approval_uri=stamp_uri)


def apply_update(post: Post, obj: dict, find_post: Callable[[str], Post | None]) -> None:
    """A remote post was updated: its quote policy, and its quote's state (a stamp that came or went)."""
    quoting.record_remote_policy(post, policy_of(obj, post.account))
    quote = Quote.objects.filter(post=post).select_related("post", "quoted_post").first()
    if quote is None:
        return
    spec = quote_spec(obj, post.account, find_post)
    if spec is None or (spec.state == QuoteState.PENDING and quote.state == QuoteState.ACCEPTED):
        quoting.set_state(quote, QuoteState.REVOKED)  # the author's server no longer shows a stamp
    elif spec.state == QuoteState.ACCEPTED and quote.state != QuoteState.ACCEPTED:
        quoting.link_quote(quote, quoted=spec.quoted)
        quoting.set_state(quote, QuoteState.ACCEPTED, approval_uri=spec.approval_uri)


# Incoming activities -----------------------------------------------------------------------------------------


def handle_quote_request(
    activity: dict, signer: Account, store_instrument: Callable[[dict | str], Post | None]
) -> str:
    """Someone elsewhere asks to quote a local post: the author's policy answers, Accept with a stamp or
    Reject. The quoting post comes as `instrument` (stored from its own origin)."""
    quoted = local_post(id_of(activity.get("object")))
    if quoted is None or not quoted.local or quoted.reblog_of_id:
        raise InboxError("no such local post", 404)
    instrument = activity.get("instrument")
    instrument_uri = id_of(instrument)
    if not instrument_uri or origin(instrument_uri) != origin(signer.uri):
        raise InboxError("the quoting post is not on the requester's server", 403)
    quoting_post = local_post(instrument_uri) or store_instrument(instrument)
    if quoting_post is None or quoting_post.account_id != signer.id:
        raise InboxError("the quoting post could not be read", 422)
    quote = Quote.objects.filter(post=quoting_post).select_related("post", "quoted_post__account").first()
    if quote is None or (quote.quoted_post_id and quote.quoted_post_id != quoted.id):
        raise InboxError("the post does not quote this post", 422)
    quoting.link_quote(quote, quoted=quoted, activity_uri=id_of(activity)[:2000])
    decision = (
        quoting.decide(quoted, signer) if quoted.is_public or quoted.account_id == signer.id else "reject"
    )
    if quote.state == QuoteState.REVOKED:
        decision = quoting.REJECT  # the author took it back; asking again changes nothing
    accepted = decision == quoting.ACCEPT and quoting_post.visibility != "direct"
    if accepted:
        quoting.set_state(quote, QuoteState.ACCEPTED, approval_uri=documents.stamp_uri(quote))
    elif quote.state != QuoteState.REVOKED:
        quoting.set_state(quote, QuoteState.REJECTED)
    inbox = signer.inbox_url or signer.shared_inbox_url
    delivery.record(quoted.account, documents.quote_answer(quote, activity, accepted), {inbox})
    return "quote accepted" if accepted else "quote rejected"


def _our_quote(activity: dict, signer: Account) -> Quote | None:
    """The local quote an Accept or Reject of a QuoteRequest answers (its author's server only)."""
    obj = activity.get("object")
    request_id = id_of(obj)
    if not request_id:
        return None
    quote = (
        Quote.objects.filter(activity_uri=request_id, post__account__domain="")
        .select_related("post", "post__account", "quoted_post", "quoted_post__account")
        .first()
    )
    if quote is None or quote.quoted_post_id is None or quote.quoted_post.account_id != signer.id:
        return None
    return quote


def is_quote_answer(activity: dict) -> bool:
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") == "QuoteRequest":
        return True
    request_id = id_of(obj)
    return bool(request_id) and Quote.objects.filter(activity_uri=request_id).exists()


def handle_accept(activity: dict, signer: Account) -> str:
    quote = _our_quote(activity, signer)
    if quote is None:
        return "ignored"
    stamp_uri = http_url(id_of(activity.get("result")))
    if not check_stamp(stamp_uri, quote.post.uri, quote.quoted_post):
        raise InboxError("the quote authorization does not check out", 422)
    quoting.set_state(quote, QuoteState.ACCEPTED, approval_uri=stamp_uri)
    return "quote accepted"


def handle_reject(activity: dict, signer: Account) -> str:
    quote = _our_quote(activity, signer)
    if quote is None:
        return "ignored"
    quoting.set_state(quote, QuoteState.REJECTED)
    return "quote rejected"


def handle_stamp_delete(object_id: str, signer: Account) -> str | None:
    """A quoted author's server deleted its stamp: the quote is revoked. None when no quote has that stamp."""
    quotes = list(
        Quote.objects.filter(approval_uri=object_id, quoted_account=signer).select_related(
            "post", "post__account", "quoted_post"
        )
    )
    if not quotes:
        return None
    for quote in quotes:
        quoting.set_state(quote, QuoteState.REVOKED)
    return "quote revoked"


# Outgoing ----------------------------------------------------------------------------------------------------


def on_quote_created(quote: Quote, **_) -> None:
    """A local post quoting a remote post asks the quoted author's server (FEP-044f QuoteRequest)."""
    post, quoted = quote.post, quote.quoted_post
    if not post.local or post.imported or quoted is None or quoted.local or quote.state != QuoteState.PENDING:
        return
    quoting.link_quote(quote, activity_uri=f"{post.uri}/quote_request")
    author = quoted.account
    delivery.record(
        post.account, documents.quote_request_activity(quote), {author.inbox_url or author.shared_inbox_url}
    )


def on_quote_revoked(quote: Quote, **_) -> None:
    """A local author revoked a remote post's quote: the stamp is deleted, told to the quoting author's server
    and to the quoted author's followers (who may have seen the quote)."""
    if quote.post.local:
        return  # the quoting post's Update (post.updated) already carries the change
    inboxes = {quote.post.account.inbox_url or quote.post.account.shared_inbox_url}
    inboxes |= delivery.follower_inboxes(quote.quoted_post.account)
    delivery.record(quote.quoted_post.account, documents.stamp_delete_activity(quote), inboxes)


def connect() -> None:
    events.listen("quote.created", on_quote_created)
    events.listen("quote.revoked", on_quote_revoked)


# The stamp ---------------------------------------------------------------------------------------------------


@require_GET
def authorization(request: HttpRequest, username: str, quote_id: int) -> HttpResponse:
    """A local author's QuoteAuthorization, served while the quote stands (404 once revoked: FEP-044f readers
    check it again and drop the quote)."""
    quote = (
        Quote.objects.select_related("post", "quoted_post__account")
        .filter(
            pk=quote_id,
            state=QuoteState.ACCEPTED,
            quoted_post__account__domain="",
            quoted_post__account__username__iexact=username,
        )
        .first()
    )
    if quote is None:
        return HttpResponse("not found", status=404, content_type="text/plain")
    return HttpResponse(
        orjson.dumps(documents.quote_authorization(quote)), content_type="application/activity+json"
    )
