"""Driver commands for scheduled posts: schedule one (through the same service the API and the compose form
call), see whether it is still waiting and what it became, and read the texts of a home feed."""

import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _account(username: str):
    from caravan.accounts.models import Account

    return Account.objects.get(domain="", username__iexact=username)


def schedule(args: dict) -> dict:
    from django.utils import timezone

    from caravan.publishing import PollSpec, scheduling

    poll = PollSpec(options=args["poll"], expires_in=3600) if args.get("poll") else None
    scheduled = scheduling.schedule_post(
        _account(args["username"]),
        timezone.now() + timedelta(seconds=args["seconds"]),
        args["text"],
        visibility=args.get("visibility", "public"),
        poll=poll,
    )
    return {"id": str(scheduled.id), "scheduled_at": scheduled.scheduled_at.timestamp()}


def scheduled_state(args: dict) -> dict:
    from caravan.posts.models import Post, ScheduledPost

    waiting = ScheduledPost.objects.filter(pk=int(args["id"]), failed_code="").exists()
    post = Post.objects.filter(account=_account(args["username"]), text=args["text"]).first()
    return {
        "waiting": waiting,
        "published": None
        if post is None
        else {"uri": post.uri, "created_at": post.created_at.timestamp(), "poll": hasattr(post, "poll")},
    }


def home_contents(args: dict) -> list[str]:
    from caravan.pagination import Page
    from caravan.timelines.selectors import home_timeline

    return [p.content for p in home_timeline(_account(args["username"]), Page(limit=40))]


OPS = {"schedule": schedule, "scheduled_state": scheduled_state, "home_contents": home_contents}
