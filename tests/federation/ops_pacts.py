"""Driver commands for pacts (see driver._plugged_ops): match people, make a pact, commit, read counts."""

from driver import _remote, _user

from caravan.accounts.models import Account
from caravan.moving.models import FollowCandidate
from caravan.pacts import services
from caravan.pacts.models import Pact, PactMember
from caravan.social.models import Follow


def _person(handle: str) -> Account:
    return _remote(handle) if "@" in handle.lstrip("@") else _user(handle)


def _shown(pact: Pact) -> dict:
    return {
        "id": pact.id,
        "uri": pact.uri,
        "threshold": pact.threshold,
        "members": pact.members_count,
        "committed": pact.committed_count,
        "state": pact.state,
    }


def match(args: dict) -> dict:
    """`username`'s archive import found `handles` (local usernames or remote user@host)."""
    owner = _user(args["username"])
    for handle in args["handles"]:
        target = _person(handle)
        FollowCandidate.objects.get_or_create(
            account=owner, found_handle=target.acct, defaults={"old_handle": "x:" + handle, "target": target}
        )
    return {}


def create(args: dict) -> dict:
    pact = services.create_pact(
        _user(args["username"]), threshold=args["threshold"], auto_follow=args.get("auto_follow", False)
    )
    return _shown(pact)


def counting(args: dict) -> list[dict]:
    rows = PactMember.objects.filter(account=_user(args["username"]), named_only=False).select_related("pact")
    return [_shown(row.pact) | {"mine": row.committed} for row in rows]


def commit(args: dict) -> dict:
    pact = Pact.objects.get(pk=args["id"])
    services.commit(_user(args["username"]), pact, auto_follow=args.get("auto_follow", False))
    return _shown(Pact.objects.get(pk=pact.pk))


def withdraw(args: dict) -> dict:
    pact = Pact.objects.get(pk=args["id"])
    services.withdraw(_user(args["username"]), pact)
    return _shown(Pact.objects.get(pk=pact.pk))


def state(args: dict) -> dict:
    return _shown(Pact.objects.get(pk=args["id"]))


def following(args: dict) -> list[str]:
    return sorted(
        Follow.objects.filter(account=_user(args["username"])).values_list("target_account__uri", flat=True)
    )


OPS = {
    "pact_match": match,
    "pact_create": create,
    "pacts_counting": counting,
    "pact_commit": commit,
    "pact_withdraw": withdraw,
    "pact_state": state,
    "pact_following": following,
}
