"""Driver commands for quote posts: post with a quote policy, quote a post (stored here or fetched from its
server), revoke a quote, read a quote's state as a local reader sees it, and send a hand-made (hostile) Create
signed by a local user."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _account(username: str):
    from caravan.accounts.models import Account

    return Account.objects.get(domain="", username__iexact=username)


def _post_here(uri: str):
    from caravan.federation.applying import post_for

    post = post_for(uri, None)
    if post is None:
        raise LookupError(f"no post {uri}")
    return post


def quote_post(args: dict) -> dict:
    """Post `text` by `username`, quoting `quoted` (an address) if given, with `quote_policy` if given."""
    from caravan import publishing
    from caravan.errors import DomainError

    quoted = _post_here(args["quoted"]) if args.get("quoted") else None
    try:
        post = publishing.create_post(
            _account(args["username"]),
            args["text"],
            visibility=args.get("visibility", "public"),
            quote=quoted,
            quote_policy=args.get("quote_policy"),
        )
    except DomainError as error:
        return {"error": error.kind.code}
    return {"uri": post.uri, "id": post.id}


def quote_state(args: dict) -> dict | None:
    """The quote of the post at `uri` as `viewer` (a local username, or anonymous) sees it, and as stored."""
    from caravan.posts.models import Post, Quote
    from caravan.posts.selectors import quote_views

    post = Post.objects.filter(uri=args["uri"]).first()
    if post is None:
        return None
    viewer = _account(args["viewer"]) if args.get("viewer") else None
    view = quote_views(viewer, [post.id]).get(post.id)
    row = Quote.objects.filter(post=post).first()
    return {
        "state": view.state if view else None,
        "shown": view.quoted.uri if view and view.quoted else None,
        "stored": row.state if row else None,
        "approval_uri": row.approval_uri if row else "",
        "policy": post.quote_policy,
    }


def revoke_quote(args: dict) -> dict:
    from caravan.posts.models import Quote
    from caravan.publishing import quoting

    quote = Quote.objects.select_related("post", "quoted_post__account").get(post__uri=args["quoting"])
    quoting.revoke(quote, _account(args["username"]))
    return {"state": quote.state}


def send_raw(args: dict) -> dict:
    """Deliver `activity` signed by local `username` to `inbox` (the hostile-stamp tests' sender)."""
    from django.db import transaction

    from caravan.federation import delivery

    with transaction.atomic():
        delivery.record(_account(args["username"]), args["activity"], {args["inbox"]})
    return {}


OPS = {
    "quote_post": quote_post,
    "quote_state": quote_state,
    "revoke_quote": revoke_quote,
    "send_raw": send_raw,
}
