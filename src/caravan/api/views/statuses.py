"""Statuses: posting (with media, polls, replies and Idempotency-Key), editing, deleting, threads, and the
viewer's actions on a status (boost, favourite, bookmark, mute, pin) and polls."""

from contextlib import nullcontext

from django.db import transaction
from django.http import Http404, HttpRequest

from caravan import error_codes, publishing
from caravan.api import entities
from caravan.api import services as api_services
from caravan.api.http import api, paginated, params, parse_id, parse_ids
from caravan.api.params import Params
from caravan.api.views.scheduled import scheduled_status
from caravan.errors import DomainError
from caravan.media.models import MediaAttachment
from caravan.media.services import update_media
from caravan.pagination import Page, paginate
from caravan.posts.models import Poll, Post, Quote, QuoteState
from caravan.posts.rendering import sanitize_html
from caravan.posts.selectors import (
    accounts_who_favourited,
    accounts_who_reblogged,
    edit_history,
    get_readable_post,
    load_posts,
    thread_context,
)
from caravan.posts.visibility import can_read, visible_posts
from caravan.publishing import PollSpec, quoting, scheduling


def _media(p: Params, viewer) -> list[MediaAttachment] | None:
    if "media_ids" not in p:
        return None
    ids = p.ids("media_ids")
    found = {m.id: m for m in MediaAttachment.objects.filter(pk__in=ids, account=viewer)}
    if len(found) != len(set(ids)):
        raise DomainError(error_codes.MEDIA_NOT_FOUND, field="media_ids")
    return [found[i] for i in ids]


def _poll(p: Params) -> PollSpec | None:
    poll = p.dict("poll")
    if not poll:
        return None
    return PollSpec(
        options=poll.strs("options"),
        expires_in=poll.seconds("expires_in") or 86400,
        multiple=bool(poll.bool("multiple", False)),
        hide_totals=bool(poll.bool("hide_totals", False)),
    )


@api(scope="write:statuses")
def create(request: HttpRequest):
    p = params(request)
    viewer = request.viewer
    key = request.headers.get("Idempotency-Key", "").strip()
    if key:
        existing = api_services.idempotent_post(viewer, key)
        if existing is not None:
            return entities.status(load_posts([existing.id])[0], viewer)
    scheduled_at = None
    if p.str("scheduled_at"):  # empty or null: now; a time already past publishes now, as Mastodon does
        scheduled_at = scheduling.parse_time(p.str("scheduled_at"))
        if scheduling.is_in_the_past(scheduled_at):
            scheduled_at = None
    in_reply_to = None
    if p.str("in_reply_to_id"):
        in_reply_to = get_readable_post(p.str("in_reply_to_id"), viewer)
    quoted = None
    if p.str("quoted_status_id"):
        try:
            quoted = get_readable_post(p.str("quoted_status_id"), viewer)
        except DomainError as error:
            raise DomainError(error_codes.QUOTE_TARGET_UNAVAILABLE, field="quoted_status_id") from error
    user = request.api_user
    if scheduled_at is not None:
        existing = scheduling.find_idempotent(viewer, key)
        if existing is None:
            existing = scheduling.schedule_post(
                viewer,
                scheduled_at,
                p.str("status") or "",
                spoiler_text=p.str("spoiler_text") or "",
                sensitive=bool(p.bool("sensitive", user.default_sensitive)),
                visibility=p.str("visibility") or user.default_visibility,
                language=p.str("language") or user.default_language,
                in_reply_to=in_reply_to,
                media=_media(p, viewer),
                poll=_poll(p),
                application_id=request.token.application_id if request.token else None,
                idempotency=key,
            )
        return scheduled_status(existing)
    # The post and its idempotency key commit together. Without a key, no transaction around the call: the
    # draft (its rendering, its mentions looked up) is made before store_posts takes the write lock.
    with transaction.atomic() if key else nullcontext():
        post = publishing.create_post(
            viewer,
            p.str("status") or "",
            spoiler_text=p.str("spoiler_text") or "",
            sensitive=bool(p.bool("sensitive", user.default_sensitive)),
            visibility=p.str("visibility") or user.default_visibility,
            language=p.str("language") or user.default_language,
            in_reply_to=in_reply_to,
            media=_media(p, viewer),
            poll=_poll(p),
            quote=quoted,
            quote_policy=p.str("quote_approval_policy") or None,
        )
        if key:
            api_services.remember_idempotent_post(viewer, key, post)
    return entities.status(load_posts([post.id])[0], viewer)


@api(auth="optional", scope="read:statuses")
def get(request: HttpRequest, status_id: str):
    return entities.status(get_readable_post(status_id, request.viewer), request.viewer, "thread")


@api(auth="optional", scope="read:statuses")
def get_many(request: HttpRequest):
    ids = parse_ids(params(request).list("id"))[:40]
    found = [post for post in load_posts(ids) if can_read(post, request.viewer)]
    return entities.statuses(found, request.viewer)


@api(scope="write:statuses")
def edit(request: HttpRequest, status_id: str):
    p = params(request)
    post = get_readable_post(status_id, request.viewer)
    media = _media(p, request.viewer)
    for item in p.dicts("media_attributes"):
        media_id = item.id("id")
        if media_id:
            found = MediaAttachment.objects.filter(pk=media_id, account=request.viewer).first()
            if found is not None:
                update_media(found, description=item.str("description"), focus=item.str("focus"))
    publishing.edit_post(
        post,
        request.viewer,
        p.str("status") if "status" in p else None,
        spoiler_text=p.str("spoiler_text", "") if "spoiler_text" in p else None,
        sensitive=p.bool("sensitive"),
        language=p.str("language"),
        media=media,
        poll=_poll(p),
    )
    return entities.status(load_posts([post.id])[0], request.viewer)


@api(scope="write:statuses")
def delete(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    data = entities.status(post, request.viewer)
    data["text"] = post.text
    publishing.delete_post(post, request.viewer)
    return data


@api(auth="optional", scope="read:statuses")
def context(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    ancestors, descendants = thread_context(post, request.viewer)
    renderer = entities.StatusRenderer(request.viewer, ancestors + descendants, "thread")
    return {"ancestors": renderer.render_all(ancestors), "descendants": renderer.render_all(descendants)}


@api(scope="read:statuses")
def history(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    account = entities.account(post.account)
    media = {m.id: m for m in MediaAttachment.objects.filter(post=post)}
    out = []
    for version in edit_history(post) or []:
        out.append(
            {
                "content": sanitize_html(version.content),
                "spoiler_text": version.spoiler_text,
                "sensitive": version.sensitive,
                "created_at": entities.iso(version.created_at),
                "account": account,
                "poll": {"options": [{"title": t} for t in version.poll_options]}
                if version.poll_options
                else None,
                "media_attachments": [
                    entities.media_attachment(media[i]) for i in version.media_ids if i in media
                ],
                "emojis": [],
            }
        )
    if not out:
        data = entities.status(post, None)
        out.append(
            {
                key: data[key]
                for key in (
                    "content",
                    "spoiler_text",
                    "sensitive",
                    "created_at",
                    "account",
                    "poll",
                    "media_attachments",
                    "emojis",
                )
            }
        )
    return out


@api(scope="read:statuses")
def source(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    if post.account_id != request.viewer.id:
        raise Http404
    return {"id": str(post.id), "text": post.text, "spoiler_text": post.spoiler_text}


def _action(request: HttpRequest, status_id: str, do) -> dict:
    post = get_readable_post(status_id, request.viewer)
    do(request.viewer, post)
    return entities.status(load_posts([post.id])[0], request.viewer)


@api(scope="write:statuses")
def reblog(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    boost = publishing.reblog(request.viewer, post, visibility=params(request).str("visibility") or "public")
    return entities.status(load_posts([boost.id])[0], request.viewer)


@api(scope="write:statuses")
def unreblog(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.unreblog)


@api(scope="write:favourites")
def favourite(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.favourite)


@api(scope="write:favourites")
def unfavourite(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.unfavourite)


@api(scope="write:bookmarks")
def bookmark(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.bookmark)


@api(scope="write:bookmarks")
def unbookmark(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.unbookmark)


@api(scope="write:mutes")
def mute(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.mute_thread)


@api(scope="write:mutes")
def unmute(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.unmute_thread)


@api(scope="write:accounts")
def pin(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.pin)


@api(scope="write:accounts")
def unpin(request: HttpRequest, status_id: str):
    return _action(request, status_id, publishing.unpin)


@api(auth="optional", scope="read:statuses")
def reblogged_by(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    return [entities.account(a) for a in accounts_who_reblogged(post)]


@api(auth="optional", scope="read:statuses")
def favourited_by(request: HttpRequest, status_id: str):
    post = get_readable_post(status_id, request.viewer)
    return [entities.account(a) for a in accounts_who_favourited(post)]


def _readable_poll(poll_id: str, viewer) -> Poll:
    poll = Poll.objects.select_related("post").filter(pk=parse_id(poll_id)).first()
    if poll is None:
        raise Http404
    if not visible_posts(viewer, Post.objects.filter(pk=poll.post_id)).exists():
        raise Http404
    return poll


def _poll_entity(poll: Poll, viewer) -> dict:
    post = load_posts([poll.post_id])[0]
    return entities.StatusRenderer(viewer, [post]).render(post)["poll"]


@api(auth="optional", scope="read:statuses")
def get_poll(request: HttpRequest, poll_id: str):
    return _poll_entity(_readable_poll(poll_id, request.viewer), request.viewer)


@api(scope="write:statuses")
def vote(request: HttpRequest, poll_id: str):
    poll = _readable_poll(poll_id, request.viewer)
    choices = params(request).ints("choices", minimum=0)
    publishing.vote(request.viewer, poll, choices)
    return _poll_entity(poll, request.viewer)


@api(scope="write:statuses")
def interaction_policy(request: HttpRequest, status_id: str):
    """Mastodon 4.5: change who may quote one's post (`quote_approval_policy`)."""
    post = get_readable_post(status_id, request.viewer)
    quoting.set_policy(post, request.viewer, params(request).str("quote_approval_policy") or "")
    return entities.status(load_posts([post.id])[0], request.viewer)


@api(scope="read:statuses")
def quotes(request: HttpRequest, status_id: str):
    """The accepted quotes of one's own post that the viewer may read, newest first, paged by the quote's id
    (Mastodon 4.5: only the quoted post's author may list them)."""
    post = get_readable_post(status_id, request.viewer)
    if post.account_id != request.viewer.id:
        raise DomainError(error_codes.QUOTE_NOT_YOURS)
    readable = visible_posts(request.viewer)
    rows = paginate(
        Quote.objects.filter(quoted_post=post, state=QuoteState.ACCEPTED)
        .filter(post__in=readable)
        .order_by("-id"),
        Page.from_params(params(request), max_limit=40),
    )
    found = {p.id: p for p in load_posts([row.post_id for row in rows])}
    data = entities.statuses([found[row.post_id] for row in rows if row.post_id in found], request.viewer)
    return paginated(request, data, [row.id for row in rows])


@api(scope="write:statuses")
def revoke_quote(request: HttpRequest, status_id: str, quoting_status_id: str):
    """Mastodon 4.5: the quoted author takes their post back from a quote; answers the quoting status."""
    post = get_readable_post(status_id, request.viewer)
    quoting_id = parse_id(quoting_status_id)
    if not quoting_id:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    quote = (
        Quote.objects.filter(post_id=quoting_id, quoted_post=post)
        .select_related("post", "post__account", "quoted_post", "quoted_post__account")
        .first()
    )
    if quote is None:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    quoting.revoke(quote, request.viewer)
    quoting_posts = [p for p in load_posts([quoting_id]) if can_read(p, request.viewer)]
    if not quoting_posts:
        raise DomainError(error_codes.RECORD_NOT_FOUND)
    return entities.status(quoting_posts[0], request.viewer)
