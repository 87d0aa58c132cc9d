"""Writing and acting on posts: compose (text, content warning, images with descriptions, poll, reply), the
thread view, edit with history, delete, boost, favourite, bookmark and poll votes.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST

from caravan import error_codes, publishing
from caravan.accounts.models import User
from caravan.errors import DomainError
from caravan.ids import parse_int64
from caravan.media import services as media_services
from caravan.negotiation import wants_activity_json
from caravan.posts.models import Post, Quote, ScheduledPost
from caravan.posts.selectors import edit_history, get_readable_post, thread_context
from caravan.posts.visibility import PUBLIC_VISIBILITIES
from caravan.publishing import quoting, scheduling
from caravan.web.cards import post_cards, post_path
from caravan.web.confirm import ask_first
from caravan.web.forms import ComposeForm, EditForm
from caravan.web.shortcuts import back, handles_domain_errors, member_view

# A reply may be as private as the post it answers, never more public.
_NARROWEST = {"public": 0, "unlisted": 1, "private": 2, "direct": 3}


def compose_form(
    user: User, reply_to: Post | None = None, data=None, files=None, quote: Post | None = None
) -> ComposeForm:
    visibility = user.default_visibility or "public"
    initial = {
        "visibility": visibility,
        "language": user.default_language,
        "sensitive": user.default_sensitive,
        "poll_expires_in": 86400,
        "quote_policy": "public",
    }
    if quote is not None:
        initial["quote"] = quote.id
    if reply_to is not None:
        if _NARROWEST.get(reply_to.visibility, 0) > _NARROWEST.get(visibility, 0):
            initial["visibility"] = reply_to.visibility
        initial["in_reply_to"] = reply_to.id
        initial["spoiler_text"] = reply_to.spoiler_text
        mentions = [reply_to.account] + [m.account for m in reply_to.shown_mentions]
        handles = []
        for account in mentions:
            if account.id != user.account_id and f"@{account.acct}" not in handles:
                handles.append(f"@{account.acct}")
        initial["text"] = " ".join(handles) + (" " if handles else "")
    return ComposeForm(data, files, initial=initial)


def _publish(user: User, form: ComposeForm) -> Post | ScheduledPost:
    """Store the images, then the post (or the scheduled post, when a time ahead is given), as one change: any
    error leaves no rows and no files behind."""
    data = form.cleaned_data
    author = user.account
    scheduled_at = None
    if data.get("scheduled_at"):
        scheduled_at = scheduling.parse_time(data["scheduled_at"])
        if scheduling.is_in_the_past(scheduled_at):
            scheduled_at = None  # as the API: a time already past publishes now
    reply_to = None
    if data.get("in_reply_to"):
        reply_to = get_readable_post(data["in_reply_to"], author)
    quote = _quoted(data.get("quote"), author)
    poll = None
    options = form.poll_options()
    if options:
        poll = publishing.PollSpec(
            options=options,
            expires_in=data.get("poll_expires_in") or 86400,
            multiple=data.get("poll_multiple", False),
        )
    stored = []
    try:
        with transaction.atomic():
            for upload, description in form.uploads():
                stored.append(media_services.upload_image(author, upload, description=description))
            if scheduled_at is not None:
                return scheduling.schedule_post(
                    author,
                    scheduled_at,
                    data.get("text") or "",
                    spoiler_text=data.get("spoiler_text") or "",
                    sensitive=data.get("sensitive", False),
                    visibility=data.get("visibility") or "public",
                    language=data.get("language") or "",
                    in_reply_to=reply_to,
                    media=stored,
                    poll=poll,
                )
            return publishing.create_post(
                author,
                data.get("text") or "",
                spoiler_text=data.get("spoiler_text") or "",
                sensitive=data.get("sensitive", False),
                visibility=data.get("visibility") or "public",
                language=data.get("language") or "",
                in_reply_to=reply_to,
                media=stored,
                poll=poll,
                quote=quote,
                quote_policy=data.get("quote_policy") or None,
            )
    except Exception:
        media_services.delete_files(
            [name for m in stored for name in (m.file.name, m.thumbnail.name) if name]
        )
        raise


def _quoted(quote_id, viewer) -> Post | None:
    """The post being quoted, if the viewer may read it (the pipeline checks the author's consent)."""
    if not quote_id:
        return None
    try:
        return get_readable_post(quote_id, viewer)
    except DomainError:
        raise DomainError(error_codes.QUOTE_TARGET_UNAVAILABLE, field="quoted_status_id") from None


def _compose_page(request, form, reply_to, quote, status=200) -> HttpResponse:
    viewer = request.user.account
    return render(
        request,
        "caravan/compose.html",
        {
            "compose": form,
            "reply_to": post_cards([reply_to], viewer)[0] if reply_to else None,
            "quoting": post_cards([quote], viewer, with_quotes=False)[0] if quote else None,
        },
        status=status,
    )


@member_view
@require_http_methods(["GET", "POST"])
@handles_domain_errors
def compose(request: HttpRequest) -> HttpResponse:
    """GET shows the form (optionally replying or quoting); POST publishes and opens the post, or shows
    errors."""
    viewer = request.user.account
    reply_to = None
    reply_id = request.POST.get("in_reply_to") or request.GET.get("in_reply_to")
    if reply_id:
        reply_to = get_readable_post(reply_id, viewer)
    quote = _quoted(parse_int64(request.POST.get("quote") or request.GET.get("quote") or ""), viewer)
    if request.method == "GET":
        return _compose_page(request, compose_form(request.user, reply_to, quote=quote), reply_to, quote)
    form = compose_form(request.user, reply_to, request.POST, request.FILES, quote=quote)
    status = 400
    if form.is_valid():
        try:
            post = _publish(request.user, form)
        except DomainError as error:
            form.add_domain_error(error)
            status = error.status
        else:
            if isinstance(post, ScheduledPost):
                return redirect(f"/scheduled#scheduled-{post.id}")
            return redirect(post_path(post))
    return _compose_page(request, form, reply_to, quote, status)


def _post_for_path(request: HttpRequest, acct: str, post_id: int) -> Post:
    """The post at /@acct/<id>, if the viewer may read it; 404 otherwise, never saying whether it exists."""
    viewer = request.user.account if request.user.is_authenticated else None
    try:
        post = get_readable_post(post_id, viewer)
    except DomainError:
        raise Http404 from None
    if post.account.acct.lower() != acct.lower():
        raise Http404
    return post


@handles_domain_errors
def thread(request: HttpRequest, acct: str, post_id: int) -> HttpResponse:
    post = _post_for_path(request, acct, post_id)
    if wants_activity_json(request.headers.get("Accept", "")):
        return redirect(post.uri)
    if post.reblog_of_id:
        return redirect(post_path(post.reblog_of))
    viewer = request.user.account if request.user.is_authenticated else None
    ancestors, descendants = thread_context(post, viewer)
    # The viewer's "thread" filters warn about or leave out the posts around; the one opened is always shown.
    cards = {card.id: card for card in post_cards(ancestors + [post] + descendants, viewer, context="thread")}
    focus = cards.get(post.id) or post_cards([post], viewer)[0]
    return render(
        request,
        "caravan/thread.html",
        {
            "ancestors": [cards[p.id] for p in ancestors if p.id in cards],
            "focused": focus,
            "descendants": [cards[p.id] for p in descendants if p.id in cards],
            "compose": compose_form(request.user, post) if viewer else None,
            "oembed_url": (
                f"{settings.BASE_URL}/api/oembed?{urlencode({'url': post.url})}"
                if post.local and post.visibility in PUBLIC_VISIBILITIES
                else None
            ),
        },
    )


# The embed page runs no script at all, whatever a post holds (a second guard behind the sanitizer).
EMBED_POLICY = "default-src 'none'; img-src * data:; style-src 'self'; base-uri 'none'; form-action 'none'"


@xframe_options_exempt
def embed(request: HttpRequest, acct: str, post_id: int) -> HttpResponse:
    """`/@user/<id>/embed`: one public or unlisted post of this server as a small page other sites may frame
    (oEmbed's iframe). Anything else is 404, signed in or not: an embed never shows a private post."""
    post = get_readable_post_or_none(post_id)
    if (
        post is None
        or not post.local
        or post.reblog_of_id
        or post.visibility not in PUBLIC_VISIBILITIES
        or post.account.username.lower() != acct.lower()
    ):
        raise Http404
    response = render(request, "caravan/embed.html", {"card": post_cards([post], None)[0]})
    response["Content-Security-Policy"] = EMBED_POLICY
    return response


def get_readable_post_or_none(post_id: int) -> Post | None:
    """The post if an anonymous reader may read it."""
    try:
        return get_readable_post(post_id, None)
    except DomainError:
        return None


@handles_domain_errors
def history(request: HttpRequest, acct: str, post_id: int) -> HttpResponse:
    post = _post_for_path(request, acct, post_id)
    viewer = request.user.account if request.user.is_authenticated else None
    versions = list(reversed(edit_history(post)))
    return render(
        request, "caravan/history.html", {"card": post_cards([post], viewer)[0], "versions": versions}
    )


@member_view
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, acct: str, post_id: int) -> HttpResponse:
    post = _post_for_path(request, acct, post_id)
    if post.account_id != request.user.account_id or post.reblog_of_id:
        raise Http404
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    for item in post.media_attachments.all():
                        description = request.POST.get(f"description_{item.id}")
                        if description is not None and description != item.description:
                            media_services.update_media(item, description=description)
                    publishing.edit_post(
                        post,
                        request.user.account,
                        data["text"],
                        spoiler_text=data["spoiler_text"],
                        sensitive=data["sensitive"],
                        language=data["language"],
                    )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status
            else:
                return redirect(post_path(post))
    else:
        form = EditForm(
            initial={
                "text": post.text,
                "spoiler_text": post.spoiler_text,
                "sensitive": post.sensitive,
                "language": post.language,
            }
        )
    return render(request, "caravan/edit.html", {"form": form, "post": post}, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """GET asks first (the post shown, one button); POST deletes. Only the author's own posts."""
    viewer = request.user.account
    post = get_readable_post(post_id, viewer)
    if post.account_id != viewer.id or post.reblog_of_id:
        raise Http404
    if request.method == "POST":
        return act(request, post_id, "delete")
    return ask_first(
        request,
        title=_("Delete this post?"),
        question=_(
            "The post, its images and its poll are deleted here and on the servers it reached. Boosts and "
            "replies lose it. This cannot be undone."
        ),
        button=_("Delete the post"),
        cancel=post_path(post),
        card=post_cards([post], viewer, with_quotes=False)[0],
    )


@member_view
@require_POST
def act(request: HttpRequest, post_id: int, action: str) -> HttpResponse:
    """The buttons under a post. Each is a small form, so they work without JavaScript."""
    viewer = request.user.account
    post = get_readable_post(post_id, viewer)
    if action == "favourite":
        publishing.favourite(viewer, post)
    elif action == "unfavourite":
        publishing.unfavourite(viewer, post)
    elif action == "reblog":
        publishing.reblog(viewer, post)
    elif action == "unreblog":
        publishing.unreblog(viewer, post)
    elif action == "bookmark":
        publishing.bookmark(viewer, post)
    elif action == "unbookmark":
        publishing.unbookmark(viewer, post)
    elif action == "pin":
        publishing.pin(viewer, post)
    elif action == "unpin":
        publishing.unpin(viewer, post)
    elif action == "delete":
        deleted_path = post_path(post)  # read first: deleting clears the instance's id
        publishing.delete_post(post, viewer)
        return (
            back(request, viewer.profile_path)
            if request.POST.get("next") != deleted_path
            else redirect(viewer.profile_path)
        )
    elif action == "revoke_quote":  # the quoted author takes their post back from this quote
        quote = Quote.objects.select_related("post", "quoted_post__account").filter(post=post).first()
        if quote is None:
            raise Http404
        quoting.revoke(quote, viewer)
    elif action == "vote":
        poll = getattr(post.reblog_of or post, "poll", None)
        if poll is None:
            raise Http404
        choices = [parse_int64(c) for c in request.POST.getlist("choice")]
        if None in choices:
            raise DomainError(error_codes.VOTE_UNKNOWN_OPTION, field="choices")
        publishing.vote(viewer, poll, choices)
    else:
        raise Http404
    return back(request, post_path(post.reblog_of or post))
