"""Driver commands for the X-id directory: import an X archive shaped like X's, choose to be listed, read and
follow the matches (each through the same domain services the pages call)."""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _user(username: str):
    from caravan.accounts.models import User

    return User.objects.select_related("account").get(account__username__iexact=username, account__domain="")


def x_import(args: dict) -> dict:
    from caravan.moving import services as moving
    from tests.moving.archives import XArchive, later, tweet

    archive = XArchive()
    archive.add(tweet(later(0), "hello from the old place"))
    archive.data(
        "account",
        [{"account": {"username": args["x_handle"], "accountId": args["x_id"], "accountDisplayName": "x"}}],
    )
    archive.data("following", [{"following": {"accountId": i}} for i in args.get("following", [])])
    folder = Path(tempfile.mkdtemp(prefix="x-archive-"))
    user = _user(args["username"])
    job = moving.start_import(user, "x_archive", archive.write_zip(folder / "x.zip"), {}, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return {"status": job.status, "report": [r.get("code") for r in job.report]}


def directory_choose(args: dict) -> dict:
    from caravan.directory import services as directory

    listing = directory.choose(
        _user(args["username"]).account,
        listed=args.get("listed"),
        show_on_profile=args.get("show_on_profile"),
    )
    return {"listed": listing.listed, "disputed": listing.disputed, "servers_told": listing.servers_told}


def candidates(args: dict) -> list[dict]:
    from caravan.moving.models import FollowCandidate

    rows = FollowCandidate.objects.filter(account=_user(args["username"]).account).select_related("target")
    return [
        {
            "id": c.pk,
            "target": c.target.uri,
            "directory": c.directory_entry_id is not None,
            "followed": c.followed,
        }
        for c in rows
    ]


def follow_candidates(args: dict) -> int:
    from caravan.moving import services as moving
    from caravan.moving.models import FollowCandidate

    user = _user(args["username"])
    ids = list(FollowCandidate.objects.filter(account=user.account).values_list("pk", flat=True))
    return moving.follow_candidates(user, ids)


def following_uris(args: dict) -> list[str]:
    from caravan.social.models import Follow, FollowRequest

    account = _user(args["username"]).account
    follows = Follow.objects.filter(account=account).values_list("target_account__uri", flat=True)
    requests = FollowRequest.objects.filter(account=account).values_list("target_account__uri", flat=True)
    return sorted({*follows, *requests})


OPS = {
    "x_import": x_import,
    "directory_choose": directory_choose,
    "candidates": candidates,
    "follow_candidates": follow_candidates,
    "following_uris": following_uris,
}
