"""Pacts for apps, under /api/v1/caravan/pacts: make one, list mine and the ones I count for, read one, commit,
withdraw, follow everyone. A pact entity carries counts and the reader's own choice, never anyone else's."""

from django.http import HttpRequest

from caravan.api import entities
from caravan.api.http import api, paginated, params, parse_id
from caravan.pacts import selectors, services
from caravan.pacts.selectors import PactView
from caravan.pagination import Page


def pact_entity(view: PactView) -> dict:
    pact = view.pact
    return {
        "id": str(pact.id),
        "owner": entities.account(pact.owner),
        "people": pact.people,
        "threshold": pact.threshold,
        "members_count": pact.members_count,
        "committed_count": pact.committed_count,
        "state": pact.state,
        "deadline": entities.iso(pact.deadline),
        "created_at": entities.iso(pact.created_at),
        "closed_at": entities.iso(pact.closed_at),
        "remote": not pact.is_local,
        "viewer": {
            "role": "owner" if view.is_owner else "member",
            "committed": view.committed,
            "auto_follow": view.auto_follow,
            "would_make": view.would_make,
            "may_follow_everyone": view.may_follow_everyone,
        },
    }


@api(scope="read:follows")
def mine(request: HttpRequest):
    views = selectors.pacts_made_by(request.viewer, Page.from_params(params(request)))
    return paginated(request, [pact_entity(v) for v in views], [v.pact.id for v in views])


@api(scope="write:follows")
def create(request: HttpRequest):
    p = params(request)
    pact = services.create_pact(
        request.viewer,
        threshold=p.int("threshold"),
        deadline=services.parse_deadline((p.str("deadline") or "")[:40]),
        people=(p.str("people") or "matched")[:20],
        list_id=parse_id(p.str("list_id")) or None,
        auto_follow=bool(p.bool("auto_follow", False)),
    )
    return pact_entity(selectors.pact_for(request.viewer, pact.id))


@api(scope="read:follows")
def counting(request: HttpRequest):
    views = selectors.pacts_counting(request.viewer, Page.from_params(params(request)))
    return paginated(request, [pact_entity(v) for v in views], [v.pact.id for v in views])


@api(scope="read:follows")
def get(request: HttpRequest, pact_id: str):
    return pact_entity(selectors.pact_for(request.viewer, parse_id(pact_id)))


@api(scope="write:follows")
def commit(request: HttpRequest, pact_id: str):
    view = selectors.pact_for(request.viewer, parse_id(pact_id))
    services.commit(request.viewer, view.pact, auto_follow=params(request).bool("auto_follow"))
    return pact_entity(selectors.pact_for(request.viewer, view.pact.id))


@api(scope="write:follows")
def withdraw(request: HttpRequest, pact_id: str):
    view = selectors.pact_for(request.viewer, parse_id(pact_id))
    services.withdraw(request.viewer, view.pact)
    return pact_entity(selectors.pact_for(request.viewer, view.pact.id))


@api(scope="write:follows")
def follow_everyone(request: HttpRequest, pact_id: str):
    view = selectors.pact_for(request.viewer, parse_id(pact_id))
    followed = services.follow_everyone(request.viewer, view.pact)
    return pact_entity(selectors.pact_for(request.viewer, view.pact.id)) | {"followed": followed}
