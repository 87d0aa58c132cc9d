"""Operations of Mastodon's API for features Caravan does not have, answered exactly as a Mastodon server answers
with the feature switched off or with nothing stored (docs/mastodon-api/README.md lists them with the reason):

- announcements: none are ever published here, so every one is unknown (404 "Record not found").
- annual reports (Wrapstodon): none is generated; the list is empty, a year is 404, its state `ineligible`.
- collections (Mastodon 4.6, behind a feature flag that is off by default): 404 as the unrouted paths are.
- translation: no translation service is configured (Mastodon's NotConfiguredError answers 404).
- async refreshes: nothing here runs as one, so every id is unknown (404).
"""

from django.http import Http404, HttpRequest

from caravan.api.http import api


@api(scope="write:accounts")
def announcement_not_found(request: HttpRequest, *args, **kwargs):
    raise Http404


@api(scope="write:favourites")
def announcement_reaction_not_found(request: HttpRequest, *args, **kwargs):
    raise Http404


@api(scope="read:accounts")
def annual_reports(request: HttpRequest):
    return {"annual_reports": [], "accounts": [], "statuses": []}


@api(scope="read:accounts")
def annual_report(request: HttpRequest, year: str):
    raise Http404


@api(scope="read:accounts")
def annual_report_state(request: HttpRequest, year: str):
    return {"state": "ineligible"}


@api(scope="write:accounts")
def annual_report_not_found(request: HttpRequest, year: str):
    raise Http404


@api(scope="read:collections")
def collections_read(request: HttpRequest, *args, **kwargs):
    raise Http404


@api(scope="write:collections")
def collections_write(request: HttpRequest, *args, **kwargs):
    raise Http404


@api(scope="read:statuses")
def translate(request: HttpRequest, status_id: str):
    raise Http404


@api(scope="read:accounts")  # Mastodon documents `read`, which grants this
def async_refresh(request: HttpRequest, refresh_id: str):
    raise Http404
