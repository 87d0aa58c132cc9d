"""Exporting a person's own posts as a Mastodon-style archive (actor.json, outbox.json, likes.json,
bookmarks.json and media_attachments/), which this server's Mastodon importer and others can read back.

It holds the person's own posts (all of them: they are theirs) and never another person's followers-only or
direct post: boosts, likes and bookmarks of such posts are left out.
"""

import json
import zipfile
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage

from caravan.accounts.models import Account
from caravan.posts.models import Bookmark, Favourite, Post, Visibility
from caravan.posts.rendering import sanitize_html
from caravan.posts.visibility import PUBLIC_VISIBILITIES, can_read

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = "https://www.w3.org/ns/activitystreams"
CHUNK = 500


def _addressing(post: Post, account: Account) -> tuple[list[str], list[str]]:
    followers = account.followers_url or f"{account.uri}/followers"
    mentioned = [m.account.uri for m in post.shown_mentions]
    if post.visibility == Visibility.PUBLIC:
        return [PUBLIC], [followers, *mentioned]
    if post.visibility == Visibility.UNLISTED:
        return [followers], [PUBLIC, *mentioned]
    if post.visibility == Visibility.PRIVATE:
        return [followers], mentioned
    return mentioned, []


def _media_path(item) -> str:
    return f"media_attachments/files/{item.id}/original/{PurePosixPath(item.file.name).name}"


def _note(post: Post, account: Account) -> dict:
    to, cc = _addressing(post, account)
    content = sanitize_html(post.content)
    note = {
        "id": post.uri,
        "type": "Note",
        "url": post.url,
        "published": post.created_at.isoformat(),
        "attributedTo": account.uri,
        "inReplyTo": post.in_reply_to.uri if post.in_reply_to_id else None,
        "summary": post.spoiler_text or None,
        "sensitive": post.sensitive,
        "content": content,
        "contentMap": {post.language: content} if post.language else {},
        "to": to,
        "cc": cc,
        "tag": [{"type": "Hashtag", "name": f"#{pt.tag.display_name}"} for pt in post.post_tags.all()]
        + [{"type": "Mention", "href": m.account.uri, "name": m.account.handle} for m in post.shown_mentions],
        "attachment": [
            {
                "type": "Document",
                "mediaType": item.mime_type,
                "url": _media_path(item),
                "name": item.description or None,
                "blurhash": item.blurhash,
                "focalPoint": [item.focus_x, item.focus_y],
                "width": item.width,
                "height": item.height,
            }
            for item in post.media_attachments.all()
            if item.file
        ],
    }
    poll = getattr(post, "poll", None)
    if poll is not None:
        note["type"] = "Question"
        key = "anyOf" if poll.multiple else "oneOf"
        note[key] = [
            {
                "type": "Note",
                "name": o["title"],
                "replies": {"type": "Collection", "totalItems": o.get("votes_count", 0)},
            }
            for o in poll.options
        ]
        if poll.expires_at:
            note["endTime"] = poll.expires_at.isoformat()
    return note


def _readable_uri(post: Post, account: Account) -> bool:
    """Whether another post may be named in the archive: the person may read it (the visibility rule), and it
    is their own or public, since an archive is made to be shared."""
    mine_or_public = post.account_id == account.id or post.visibility in PUBLIC_VISIBILITIES
    return mine_or_public and can_read(post, account)


def export_archive(account: Account, target: Path) -> Path:
    """Write `account`'s archive as a zip at `target`, streaming the outbox; returns `target`."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        actor = {
            "@context": [CONTEXT],
            "id": account.uri,
            "type": "Person",
            "preferredUsername": account.username,
            "name": account.display_name,
            "summary": sanitize_html(account.note_html),
            "url": account.url,
            "alsoKnownAs": list(account.also_known_as or []),
            "outbox": "outbox.json",
            "likes": "likes.json",
            "bookmarks": "bookmarks.json",
        }
        for field, key in (("avatar", "icon"), ("header", "image")):
            image = getattr(account, field)
            if image and default_storage.exists(image.name):
                name = f"{field}{PurePosixPath(image.name).suffix}"
                with default_storage.open(image.name) as source:
                    archive.writestr(name, source.read())
                actor[key] = {"type": "Image", "url": name}
        archive.writestr("actor.json", json.dumps(actor, ensure_ascii=False, indent=1))
        posts = (
            Post.objects.filter(account=account)
            .order_by("id")
            .select_related("in_reply_to", "reblog_of__account", "poll")
            .prefetch_related("media_attachments", "post_tags__tag", "mentions__account")
        )
        media = []
        with archive.open("outbox.json", "w") as out:
            out.write(
                json.dumps(
                    {
                        "@context": CONTEXT,
                        "id": "outbox.json",
                        "type": "OrderedCollection",
                        "totalItems": Post.objects.filter(account=account).count(),
                    }
                )[:-1].encode()
            )
            out.write(b', "orderedItems": [\n')
            first = True
            for post in posts.iterator(chunk_size=CHUNK):
                if post.reblog_of_id:
                    if not _readable_uri(post.reblog_of, account):
                        continue
                    item = {
                        "id": post.uri,
                        "type": "Announce",
                        "actor": account.uri,
                        "published": post.created_at.isoformat(),
                        "to": [PUBLIC],
                        "object": post.reblog_of.uri,
                    }
                else:
                    note = _note(post, account)
                    item = {
                        "id": f"{post.uri}/activity",
                        "type": "Create",
                        "actor": account.uri,
                        "published": note["published"],
                        "to": note["to"],
                        "cc": note["cc"],
                        "object": note,
                    }
                    media.extend(m for m in post.media_attachments.all() if m.file)
                out.write((("" if first else ",\n") + json.dumps(item, ensure_ascii=False)).encode())
                first = False
            out.write(b"\n]}")
        for item in media:
            if default_storage.exists(item.file.name):
                with default_storage.open(item.file.name) as source:
                    archive.writestr(_media_path(item), source.read())
        for name, model in (("likes.json", Favourite), ("bookmarks.json", Bookmark)):
            rows = model.objects.filter(account=account).select_related("post__account").order_by("id")
            uris = [
                row.post.uri for row in rows.iterator(chunk_size=CHUNK) if _readable_uri(row.post, account)
            ]
            archive.writestr(
                name,
                json.dumps(
                    {"@context": CONTEXT, "id": name, "type": "OrderedCollection", "orderedItems": uris}
                ),
            )
    return target
