"""Asking before a destructive action: the action's URL answers GET with a page that says what will happen and
holds the one POST button that does it, so it works without JavaScript. With JavaScript, `confirm.js` opens
the same page's question in an in-page dialog instead of leaving the page.

A destructive button elsewhere is a link to that GET, marked `data-confirm-dialog`.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caravan.web.shortcuts import safe_next


def ask_first(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    button: str,
    cancel: str,
    hidden: dict[str, str] | None = None,
    card=None,
) -> HttpResponse:
    """The confirm page for the action at `request.path`: `question` says what will happen, `button` does it
    (a POST to the same path with `hidden` fields), `cancel` goes back (or to `next`, when it is safe)."""
    back_to = safe_next(request, cancel)
    return render(
        request,
        "caravan/confirm.html",
        {
            "title": title,
            "question": question,
            "button": button,
            "action": request.path,
            "hidden": sorted((hidden or {}).items()),
            "next": back_to,
            "cancel": back_to,
            "card": card,
        },
    )
