"""Lists: creating, renaming and deleting them, and choosing who is in them."""

from django.http import Http404, HttpRequest

from caravan.accounts.models import Account
from caravan.api import entities
from caravan.api.http import api, params, parse_id, parse_ids
from caravan.timelines import services as feeds
from caravan.timelines.models import List


def _own(request: HttpRequest, list_id: str) -> List:
    found = List.objects.filter(pk=parse_id(list_id), owner=request.viewer).first()
    if found is None:
        raise Http404
    return found


@api(scope="read:lists")
def index(request: HttpRequest):
    return [entities.list_entity(lst) for lst in List.objects.filter(owner=request.viewer)]


@api(scope="write:lists")
def create(request: HttpRequest):
    p = params(request)
    created = feeds.create_list(
        request.viewer,
        p.str("title") or "",
        replies_policy=p.str("replies_policy") or "list",
        exclusive=bool(p.bool("exclusive", False)),
    )
    return entities.list_entity(created)


@api(scope="read:lists")
def get(request: HttpRequest, list_id: str):
    return entities.list_entity(_own(request, list_id))


@api(scope="write:lists")
def update(request: HttpRequest, list_id: str):
    p = params(request)
    lst = feeds.update_list(
        _own(request, list_id),
        title=p.str("title"),
        replies_policy=p.str("replies_policy"),
        exclusive=p.bool("exclusive"),
    )
    return entities.list_entity(lst)


@api(scope="write:lists")
def delete(request: HttpRequest, list_id: str):
    feeds.delete_list(_own(request, list_id))
    return {}


def _accounts(request: HttpRequest) -> list[Account]:
    ids = parse_ids(params(request).list("account_ids"))
    return list(Account.objects.filter(pk__in=ids))


@api(scope="read:lists")
def members(request: HttpRequest, list_id: str):
    lst = _own(request, list_id)
    return [entities.account(m.account) for m in lst.members.select_related("account")[:500]]


@api(scope="write:lists")
def add_members(request: HttpRequest, list_id: str):
    feeds.add_to_list(_own(request, list_id), _accounts(request))
    return {}


@api(scope="write:lists")
def remove_members(request: HttpRequest, list_id: str):
    feeds.remove_from_list(_own(request, list_id), _accounts(request))
    return {}
