"""Driver commands for campaigns (see driver.py `_plugged_ops`): start a campaign, read its counts and members,
and report a local person's level to another server's campaign."""

from driver import _remote, _user


def start_campaign(args: dict) -> dict:
    from caravan.campaigns import services

    campaign = services.start_campaign(
        _user(args["username"]), title=args.get("title", "Move together"), target=args.get("target", 10)
    )
    return {"id": str(campaign.id), "actor": campaign.actor.username, "uri": campaign.actor.uri}


def campaign_state(args: dict) -> dict:
    from caravan.campaigns import services
    from caravan.campaigns.models import Campaign, Membership

    campaign = Campaign.objects.get(pk=int(args["id"]))
    members = Membership.objects.filter(campaign=campaign).select_related("account").order_by("joined_at")
    return {
        "counts": campaign.counts(),
        "recount": services.recount(campaign),
        "headline": campaign.headline,
        "members": [
            {"acct": m.account.acct, "level": m.level, "remote": m.remote, "verified": m.verified}
            for m in members
        ],
    }


def commit_remote(args: dict) -> dict:
    from caravan.campaigns import services

    commitment = services.commit_to_remote(_user(args["username"]), _remote(args["handle"]), args["level"])
    return {"level": commitment.level}


def withdraw_remote(args: dict) -> dict:
    from caravan.campaigns import services

    services.withdraw_from_remote(_user(args["username"]), _remote(args["handle"]))
    return {}


def follow_state(args: dict) -> str:
    from caravan.social.models import Follow, FollowRequest

    target = _remote(args["handle"])
    account = _user(args["username"])
    if Follow.objects.filter(account=account, target_account=target).exists():
        return "following"
    if FollowRequest.objects.filter(account=account, target_account=target).exists():
        return "requested"
    return "none"


def find_remote_campaign(args: dict) -> str | None:
    from caravan.campaigns import services

    actor = services.find_remote_campaign(args["query"])
    return actor.uri if actor else None


OPS = {
    "find_remote_campaign": find_remote_campaign,
    "start_campaign": start_campaign,
    "campaign_state": campaign_state,
    "commit_remote": commit_remote,
    "withdraw_remote": withdraw_remote,
    "campaign_follow_state": follow_state,
}
