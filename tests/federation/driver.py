"""The federation tests' driver: run as `python tests/federation/driver.py` beside a real `caravan serve` (same
environment), it reads one JSON command per line on stdin and answers one JSON line on stdout, acting as a local
user through the same domain services the web UI and the API call (posting, following, boosting...), and reading
back what arrived.

It exists so the tests can drive several real servers without depending on the web or API faces. It lives with
the tests, not in the installed package: it has a fixed password and trusts whoever writes to its stdin.
"""

import os
import sys
import traceback

import django
import orjson

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
django.setup()

from caravan.accounts.models import Account, User  # noqa: E402 - needs django.setup()
from caravan.errors import DomainError  # noqa: E402

TEST_PASSWORD = "correct horse battery"  # noqa: S105 - throwaway users on throwaway test servers


def _user(username: str) -> Account:
    return Account.objects.get(domain="", username__iexact=username)


def _remote(handle: str) -> Account:
    from caravan.accounts.services import find_account
    from caravan.federation.actors import webfinger

    username, domain = handle.lstrip("@").split("@", 1)
    account = find_account(username, domain) or webfinger(username, domain)
    if account is None:
        raise LookupError(f"cannot find {handle}")
    return account


def _post(uri: str):
    from caravan.posts.models import Post

    post = Post.objects.select_related("account").filter(uri=uri).first()
    if post is None:
        raise LookupError(f"no post {uri}")
    return post


def _describe(post) -> dict:
    poll = getattr(post, "poll", None) if hasattr(post, "poll") else None
    return {
        "id": post.id,
        "uri": post.uri,
        "content": post.content,
        "visibility": post.visibility,
        "spoiler_text": post.spoiler_text,
        "author": post.account.acct,
        "reblog_of": post.reblog_of.uri if post.reblog_of_id else None,
        "in_reply_to": post.in_reply_to.uri if post.in_reply_to_id else None,
        "favourites_count": post.favourites_count,
        "reblogs_count": post.reblogs_count,
        "replies_count": post.replies_count,
        "edited": post.edited_at is not None,
        "poll": [o["votes_count"] for o in poll.options] if poll else None,
        "mentions": [m.account.acct for m in post.shown_mentions],
        "silent_mentions": [m.account.acct for m in post.mentions.all() if m.silent],
    }


def run(op: str, args: dict):  # noqa: C901 - one branch per command, on purpose
    from caravan import leaving, profiles, publishing, relationships, signup
    from caravan.posts.models import Post
    from caravan.social.models import Follow, FollowRequest

    if op == "create_user":
        user = signup.register_user(username=args["username"], password=TEST_PASSWORD, agreement=True)
        if args.get("locked"):
            profiles.update_profile(user.account, locked=True)
        return {"uri": user.account.uri}
    if op == "post":
        author = _user(args["username"])
        reply = _post(args["in_reply_to"]) if args.get("in_reply_to") else None
        poll = publishing.PollSpec(options=args["poll"], expires_in=3600) if args.get("poll") else None
        post = publishing.create_post(
            author,
            args.get("text", ""),
            visibility=args.get("visibility", "public"),
            in_reply_to=reply,
            poll=poll,
            spoiler_text=args.get("spoiler_text", ""),
        )
        return _describe(post)
    if op == "follow":
        result = relationships.follow(_user(args["username"]), _remote(args["handle"]))
        return {"kind": type(result).__name__}
    if op == "follow_accepted":
        # Benchmarks: follow a remote actor and record its Accept as if it had arrived.
        target = _remote(args["handle"]) if "handle" in args else Account.objects.get(uri=args["uri"])
        relationships.follow(_user(args["username"]), target)
        relationships.accept_follow_request(target, _user(args["username"]))
        return {}
    if op == "unfollow":
        relationships.unfollow(_user(args["username"]), _remote(args["handle"]))
        return {}
    if op == "accept":
        relationships.accept_follow_request(_user(args["username"]), _remote(args["handle"]))
        return {}
    if op == "block":
        relationships.block(_user(args["username"]), _remote(args["handle"]))
        return {}
    if op == "boost":
        return _describe(publishing.reblog(_user(args["username"]), _post(args["uri"])))
    if op == "favourite":
        publishing.favourite(_user(args["username"]), _post(args["uri"]))
        return {}
    if op == "vote":
        post = _post(args["uri"])
        publishing.vote(_user(args["username"]), post.poll, args["choices"])
        return {}
    if op == "edit":
        return _describe(publishing.edit_post(_post(args["uri"]), _user(args["username"]), args["text"]))
    if op == "delete":
        publishing.delete_post(_post(args["uri"]), _user(args["username"]))
        return {}
    if op == "add_alias":
        from caravan.moving.services import add_alias

        add_alias(_user(args["username"]), args["uri"])
        return {}
    if op == "move":
        from caravan.moving.services import move_out

        move_out(_user(args["username"]), _remote(args["handle"]))
        return {}
    if op == "delete_account":
        user = User.objects.get(username__iexact=args["username"])
        leaving.delete_account(user, args.get("password", TEST_PASSWORD))
        return {}
    if op == "posts_by":
        found = Post.objects.filter(account__uri=args["uri"]).order_by("id")
        return list(found.values_list("uri", flat=True))
    if op == "moved_to":
        account = Account.objects.filter(uri=args["uri"]).select_related("moved_to").first()
        return account.moved_to.uri if account and account.moved_to else None
    if op == "search":
        # What a signed-in user's search finds for a handle or a link (fetched remotely when unknown).
        from caravan.search.selectors import find_exact

        found_accounts, found_posts = find_exact(args["q"], _user(args["username"]), remote=True)
        return {"accounts": [a.acct for a in found_accounts], "posts": [p.uri for p in found_posts]}
    if op == "get_post":
        post = (
            Post.objects.select_related("account", "reblog_of", "in_reply_to").filter(uri=args["uri"]).first()
        )
        return _describe(post) if post else None
    if op == "boosts_of":
        return [
            p.account.acct for p in Post.objects.filter(reblog_of__uri=args["uri"]).select_related("account")
        ]
    if op == "relationship":
        me, other = _user(args["username"]), Account.objects.filter(uri=args["uri"]).first()
        if other is None:
            return {"following": False, "requested": False, "followed_by": False, "known": False}
        return {
            "known": True,
            "following": Follow.objects.filter(account=me, target_account=other).exists(),
            "requested": FollowRequest.objects.filter(account=me, target_account=other).exists(),
            "followed_by": Follow.objects.filter(account=other, target_account=me).exists(),
            "requested_by": FollowRequest.objects.filter(account=other, target_account=me).exists(),
        }
    if op == "blocked_by":
        from caravan.social.models import Block

        other = Account.objects.filter(uri=args["uri"]).first()
        return (
            bool(other)
            and Block.objects.filter(account=other, target_account=_user(args["username"])).exists()
        )
    if op == "notifications":
        from caravan.notifications.models import Notification

        return [n.type for n in Notification.objects.filter(recipient=_user(args["username"])).order_by("id")]
    if op == "inbox_queue":
        from caravan.federation.models import InboxItem

        return {
            "queued": InboxItem.objects.filter(state=InboxItem.QUEUED).count(),
            "set_aside": InboxItem.objects.filter(state=InboxItem.SET_ASIDE).count(),
        }
    if op == "domain_policy":
        from caravan.accounts.services import set_role
        from caravan.moderation.domains import set_domain_policy

        staff = User.objects.filter(role="moderator").first() or set_role(
            signup.register_user(username="staff", password=TEST_PASSWORD, agreement=True), "moderator"
        )
        policy = set_domain_policy(staff, args["domain"], **args.get("flags", {}))
        return {"domain": policy.domain}
    if op == "public_authors":
        from caravan.pagination import Page
        from caravan.timelines.selectors import public_timeline

        return [p.account.uri for p in public_timeline(None, Page(limit=40))]
    if op == "deliveries_to":
        from caravan.federation.models import Delivery

        return list(Delivery.objects.filter(domain=args["domain"]).values_list("state", flat=True))
    if op == "report":
        from caravan.moderation.services import create_report

        report = create_report(
            _user(args["username"]),
            _remote(args["handle"]),
            post_ids=[_post(uri).id for uri in args.get("post_uris", [])],
            comment=args.get("comment", ""),
            forward=args.get("forward", False),
        )
        return {"id": report.id}
    if op == "reports":
        from caravan.moderation.models import Report

        return [
            {
                "reporter": r.reporter.uri,
                "target": r.target_account.uri,
                "posts": list(
                    Post.objects.filter(pk__in=r.post_ids).order_by("id").values_list("uri", flat=True)
                ),
                "comment": r.comment,
                "uri": r.uri,
            }
            for r in Report.objects.select_related("reporter", "target_account").order_by("id")
        ]
    if op == "moderate":
        # A moderator (made on first use) acts on an account under a rule; "lift" lifts the latest action.
        from caravan.accounts.services import set_role
        from caravan.instance.models import Rule
        from caravan.instance.services import add_rule
        from caravan.moderation.models import ModerationAction
        from caravan.moderation.services import lift_action, take_action

        staff = User.objects.filter(role="moderator").first() or set_role(
            signup.register_user(username="staff", password=TEST_PASSWORD, agreement=True), "moderator"
        )
        target = Account.objects.get(uri=args["uri"])
        if args["kind"] == "lift":
            action = ModerationAction.objects.filter(target_account=target).latest("id")
            lift_action(staff, action, "lifted on appeal")
            return {}
        rule = Rule.objects.first() or add_rule("No spam")
        take_action(staff, target, args["kind"], rule_ids=[rule.id], reason="broke the rule")
        return {}
    if op == "home":
        from caravan.pagination import Page
        from caravan.timelines.selectors import home_timeline

        return [p.uri for p in home_timeline(_user(args["username"]), Page(limit=40))]
    if op == "users":
        return list(User.objects.values_list("username", flat=True))
    for ops in _plugged_ops():
        if op in ops:
            return ops[op](args)
    raise LookupError(f"unknown op {op}")


def _plugged_ops() -> list[dict]:
    """More commands, one module per feature beside this file: `ops_<feature>.py` with `OPS = {name: fn(args)}`
    (each may use this module's `_user`, `_remote`, `_post` and `TEST_PASSWORD`)."""
    import importlib
    from pathlib import Path

    folder = Path(__file__).resolve().parent
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return [importlib.import_module(path.stem).OPS for path in sorted(folder.glob("ops_*.py"))]


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = orjson.loads(line)
            answer = {"ok": True, "result": run(command["op"], command.get("args", {}))}
        except DomainError as error:
            answer = {"ok": False, "error": error.message}
        except Exception as error:  # the test wants to see it, not a dead driver
            answer = {
                "ok": False,
                "error": f"{type(error).__name__}: {error}",
                "trace": traceback.format_exc(),
            }
        sys.stdout.write(orjson.dumps(answer).decode() + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
