"""Filters v2 (keywords and statuses that are warned about or hidden), and the v1 list apps still ask for."""

from django.http import Http404, HttpRequest

from caravan import error_codes
from caravan.api import entities
from caravan.api.http import api, params, parse_id
from caravan.api.params import Params
from caravan.errors import DomainError
from caravan.filters import services as filter_services
from caravan.filters.models import Filter, FilterKeyword, FilterStatus
from caravan.posts.selectors import get_readable_post


def _own(request: HttpRequest, filter_id: str) -> Filter:
    found = Filter.objects.filter(pk=parse_id(filter_id), account=request.viewer).first()
    if found is None:
        raise Http404
    return found


def _keywords(p: Params) -> list[dict]:
    """keywords_attributes[] as plain typed values; only the fields a client gave are set."""
    out = []
    for item in p.dicts("keywords_attributes"):
        values = {
            "id": item.id("id"),
            "keyword": item.str("keyword"),
            "whole_word": item.bool("whole_word"),
            "_destroy": item.bool("_destroy"),
        }
        out.append({k: v for k, v in values.items() if v is not None})
    return out


@api(scope="read:filters")
def index(request: HttpRequest):
    return [
        entities.filter_entity(f)
        for f in Filter.objects.filter(account=request.viewer)
        .prefetch_related("keywords", "statuses")
        .order_by("id")
    ]


@api(scope="write:filters")
def create(request: HttpRequest):
    p = params(request)
    created = filter_services.create_filter(
        request.viewer,
        title=p.str("title") or "",
        context=p.strs("context"),
        filter_action=p.str("filter_action") or "warn",
        expires_in=p.seconds("expires_in"),
        keywords=_keywords(p),
    )
    return entities.filter_entity(created)


@api(scope="read:filters")
def get(request: HttpRequest, filter_id: str):
    return entities.filter_entity(_own(request, filter_id))


@api(scope="write:filters")
def update(request: HttpRequest, filter_id: str):
    p = params(request)
    f = filter_services.update_filter(
        _own(request, filter_id),
        title=p.str("title"),
        context=p.strs("context") if "context" in p else None,
        filter_action=p.str("filter_action"),
        expires_in=p.seconds("expires_in"),
        keywords=_keywords(p),
    )
    return entities.filter_entity(f)


@api(scope="write:filters")
def delete(request: HttpRequest, filter_id: str):
    filter_services.remove_filter(_own(request, filter_id))
    return {}


@api(scope="read:filters")
def keywords(request: HttpRequest, filter_id: str):
    return [entities.filter_keyword(k) for k in _own(request, filter_id).keywords.all()]


@api(scope="write:filters")
def add_keyword(request: HttpRequest, filter_id: str):
    p = params(request)
    k = filter_services.add_filter_keyword(
        _own(request, filter_id), p.str("keyword") or "", bool(p.bool("whole_word", True))
    )
    return entities.filter_keyword(k)


def _own_keyword(request: HttpRequest, keyword_id: str) -> FilterKeyword:
    found = FilterKeyword.objects.filter(pk=parse_id(keyword_id), filter__account=request.viewer).first()
    if found is None:
        raise Http404
    return found


@api(scope="read:filters")
def get_keyword(request: HttpRequest, keyword_id: str):
    return entities.filter_keyword(_own_keyword(request, keyword_id))


@api(scope="write:filters")
def update_keyword(request: HttpRequest, keyword_id: str):
    p = params(request)
    k = filter_services.update_filter_keyword(
        _own_keyword(request, keyword_id), p.str("keyword"), p.bool("whole_word")
    )
    return entities.filter_keyword(k)


@api(scope="write:filters")
def delete_keyword(request: HttpRequest, keyword_id: str):
    filter_services.remove_filter_keyword(_own_keyword(request, keyword_id))
    return {}


@api(scope="read:filters")
def statuses(request: HttpRequest, filter_id: str):
    return [entities.filter_status(s) for s in _own(request, filter_id).statuses.all()]


@api(scope="write:filters")
def add_status(request: HttpRequest, filter_id: str):
    post = get_readable_post(params(request).str("status_id") or "", request.viewer)
    return entities.filter_status(
        filter_services.add_filter_status(_own(request, filter_id), post, request.viewer)
    )


def _own_status(request: HttpRequest, status_filter_id: str) -> FilterStatus:
    found = FilterStatus.objects.filter(pk=parse_id(status_filter_id), filter__account=request.viewer).first()
    if found is None:
        raise Http404
    return found


@api(scope="read:filters")
def get_status(request: HttpRequest, status_filter_id: str):
    return entities.filter_status(_own_status(request, status_filter_id))


@api(scope="write:filters")
def delete_status(request: HttpRequest, status_filter_id: str):
    filter_services.remove_filter_status(_own_status(request, status_filter_id))
    return {}


@api(scope="read:filters")
def v1_index(request: HttpRequest):
    """v1 filters: each v2 keyword shown as a v1 filter, as Mastodon does."""
    return [
        entities.v1_filter(f, k)
        for f in Filter.objects.filter(account=request.viewer).prefetch_related("keywords").order_by("id")
        for k in f.keywords.all()
    ]


def _own_v1(request: HttpRequest, filter_id: str) -> FilterKeyword:
    found = (
        FilterKeyword.objects.filter(pk=parse_id(filter_id), filter__account=request.viewer)
        .select_related("filter")
        .first()
    )
    if found is None:
        raise Http404
    return found


@api(scope="write:filters")
def v1_create(request: HttpRequest):
    """A v1 filter becomes a v2 filter titled by its phrase, holding that one keyword; `irreversible` is the
    v2 `hide` action, as in Mastodon's compatibility layer. `whole_word` defaults to true, as Mastodon's does."""
    p = params(request)
    phrase = (p.str("phrase") or "").strip()
    if not phrase:
        raise DomainError(error_codes.FILTER_KEYWORD_EMPTY, field="phrase")
    created = filter_services.create_filter(
        request.viewer,
        title=phrase,
        context=p.strs("context"),
        filter_action="hide" if p.bool("irreversible", False) else "warn",
        expires_in=p.seconds("expires_in"),
        keywords=[{"keyword": phrase, "whole_word": bool(p.bool("whole_word", True))}],
    )
    return entities.v1_filter(created, created.keywords.get())


@api(scope="read:filters")
def v1_get(request: HttpRequest, filter_id: str):
    keyword = _own_v1(request, filter_id)
    return entities.v1_filter(keyword.filter, keyword)


@api(scope="write:filters")
def v1_update(request: HttpRequest, filter_id: str):
    p = params(request)
    keyword = filter_services.update_v1_filter(
        _own_v1(request, filter_id),
        phrase=p.str("phrase"),
        whole_word=p.bool("whole_word"),
        context=p.strs("context") if "context" in p else None,
        irreversible=p.bool("irreversible"),
        expires_in=p.seconds("expires_in"),
    )
    return entities.v1_filter(keyword.filter, keyword)


@api(scope="write:filters")
def v1_delete(request: HttpRequest, filter_id: str):
    """Deletes the keyword (Mastodon's v1 destroy); its v2 filter stays, as on Mastodon."""
    filter_services.remove_filter_keyword(_own_v1(request, filter_id))
    return {}
