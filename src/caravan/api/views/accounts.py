"""Accounts: your own profile, others' profiles and posts, and the follow/block/mute relationships between
them."""

from django.http import Http404, HttpRequest

from caravan import error_codes, profiles, relationships
from caravan.accounts import services as accounts
from caravan.accounts.models import Account
from caravan.accounts.services import find_account
from caravan.api import entities
from caravan.api.http import account_or_404, api, offset_paginated, paginated, params, parse_ids
from caravan.errors import DomainError
from caravan.pagination import Page, paginate
from caravan.search.selectors import search_accounts
from caravan.social import services as social
from caravan.social.models import Block, Follow
from caravan.timelines.models import List
from caravan.timelines.selectors import account_timeline


def own_account(request: HttpRequest) -> Account:
    """The signed-in account, read afresh with what its entity shows."""
    return Account.objects.select_related("user", "moved_to").get(pk=request.viewer.id)


@api(scope=("read:accounts", "profile"))  # `profile`: apps that only sign people in
def verify_credentials(request: HttpRequest):
    return entities.credential_account(own_account(request))


def change_profile(account: Account, p) -> None:
    """The profile changes a request names (`update_credentials`, `PATCH /api/v1/profile`), made through
    `profiles.update_profile`: what a request leaves out stays as it was."""
    fields = None
    if "fields_attributes" in p:
        fields = [
            {"name": f.str("name", ""), "value": f.str("value", "")} for f in p.dicts("fields_attributes")
        ]
    profiles.update_profile(
        account,
        display_name=p.str("display_name") if "display_name" in p else None,
        note=p.str("note", "") if "note" in p else None,
        fields=fields,
        locked=p.bool("locked"),
        bot=p.bool("bot"),
        discoverable=p.bool("discoverable"),
        avatar=p.files.get("avatar"),
        header=p.files.get("header"),
    )


@api(scope="write:accounts")
def update_credentials(request: HttpRequest):
    p = params(request)
    account = own_account(request)
    change_profile(account, p)
    source = p.dict("source")
    if source:
        accounts.update_preferences(
            account.user,
            default_visibility=source.str("privacy"),
            default_sensitive=source.bool("sensitive"),
            default_language=source.str("language") if "language" in source else None,
        )
    return entities.credential_account(own_account(request))


@api(auth="optional", scope="read:accounts")
def lookup(request: HttpRequest):
    acct = (params(request).str("acct") or "").strip().lstrip("@")
    username, _, domain = acct.partition("@")
    account = find_account(username, domain) if username else None
    if account is None or account.suspended_at is not None:
        raise Http404
    return entities.account(account)


@api(auth="optional", scope="read:accounts")
def get_account(request: HttpRequest, account_id: str):
    return entities.account(account_or_404(account_id))


@api(auth="user", scope="read:accounts")
def get_accounts(request: HttpRequest):
    ids = parse_ids(params(request).list("id"))[:40]
    found = {a.id: a for a in Account.objects.filter(pk__in=ids, suspended_at__isnull=True)}
    return [entities.account(found[i]) for i in ids if i in found]


@api(auth="optional", scope="read:statuses")
def statuses(request: HttpRequest, account_id: str):
    p = params(request)
    account = account_or_404(account_id)
    posts = account_timeline(
        account,
        request.viewer,
        Page.from_params(p),
        exclude_replies=bool(p.bool("exclude_replies", False)),
        exclude_reblogs=bool(p.bool("exclude_reblogs", False)),
        only_media=bool(p.bool("only_media", False)),
        pinned=bool(p.bool("pinned", False)),
        tagged=p.str("tagged") or "",
    )
    data = entities.statuses(posts, request.viewer, "account")
    return paginated(request, data, [post.id for post in posts])


def _follow_list(request: HttpRequest, account: Account, followers: bool):
    page = Page.from_params(params(request), default_limit=40)
    if followers:
        rows = paginate(Follow.objects.filter(target_account=account).select_related("account"), page)
        people = [row.account for row in rows]
    else:
        rows = paginate(Follow.objects.filter(account=account).select_related("target_account"), page)
        people = [row.target_account for row in rows]
    viewer = request.viewer
    if viewer is not None:
        blocked = set(Block.objects.filter(account=viewer).values_list("target_account_id", flat=True))
        people = [a for a in people if a.id not in blocked]
    return paginated(request, [entities.account(a) for a in people], [row.id for row in rows])


@api(auth="optional", scope="read:accounts")
def followers(request: HttpRequest, account_id: str):
    return _follow_list(request, account_or_404(account_id), followers=True)


@api(auth="optional", scope="read:accounts")
def following(request: HttpRequest, account_id: str):
    return _follow_list(request, account_or_404(account_id), followers=False)


def _relationship(viewer: Account, target: Account) -> dict:
    return entities.relationships(viewer, [Account.objects.get(pk=target.id)])[0]


@api(scope="write:follows")
def follow(request: HttpRequest, account_id: str):
    p = params(request)
    target = account_or_404(account_id)
    languages = p.strs("languages") or None
    relationships.follow(
        request.viewer,
        target,
        show_reblogs=bool(p.bool("reblogs", True)),
        notify_on_post=bool(p.bool("notify", False)),
        languages=languages,
    )
    return _relationship(request.viewer, target)


@api(scope="write:follows")
def unfollow(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    relationships.unfollow(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:follows")
def remove_from_followers(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    relationships.remove_follower(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:blocks")
def block(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    relationships.block(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:blocks")
def unblock(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    social.unblock(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:mutes")
def mute(request: HttpRequest, account_id: str):
    p = params(request)
    target = account_or_404(account_id)
    social.mute(
        request.viewer,
        target,
        hide_notifications=bool(p.bool("notifications", True)),
        duration=p.seconds("duration") or 0,
    )
    return _relationship(request.viewer, target)


@api(scope="write:mutes")
def unmute(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    social.unmute(request.viewer, target)
    return _relationship(request.viewer, target)


@api(scope="write:accounts")
def note(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    social.set_note(request.viewer, target, params(request).str("comment") or "")
    return _relationship(request.viewer, target)


@api(scope="read:follows")
def get_relationships(request: HttpRequest):
    ids = parse_ids(params(request).list("id"))[:100]
    found = {a.id: a for a in Account.objects.filter(pk__in=ids)}
    return entities.relationships(request.viewer, [found[i] for i in ids if i in found])


@api(scope="read:follows")
def familiar_followers(request: HttpRequest):
    ids = parse_ids(params(request).list("id"))[:40]
    out = []
    for target_id in ids:
        known = Account.objects.filter(
            followers_set__account=request.viewer, following_set__target_account_id=target_id
        ).distinct()[:10]
        out.append({"id": str(target_id), "accounts": [entities.account(a) for a in known]})
    return out


@api(auth="optional", scope="read:accounts")
def search(request: HttpRequest):
    p = params(request)
    query = p.str("q") or ""
    limit = max(1, min(p.int("limit", 40) or 40, 80))
    offset = p.int("offset", 0, minimum=0) or 0
    if not query.strip():
        raise DomainError(error_codes.QUERY_REQUIRED, field="q")
    found = search_accounts(
        query,
        limit=limit,
        offset=offset,
        viewer=request.viewer,
        following_only=bool(p.bool("following", False)) and request.viewer is not None,
    )
    return offset_paginated(request, [entities.account(a) for a in found], offset, limit)


@api(scope="read:lists")
def lists_of(request: HttpRequest, account_id: str):
    target = account_or_404(account_id)
    return [
        entities.list_entity(lst)
        for lst in List.objects.filter(owner=request.viewer, members__account=target)
    ]


@api(auth="optional", scope="read:accounts")
def empty_list(request: HttpRequest, account_id: str | None = None):
    return []
