"""Importing a Mastodon account archive (zip, or tar.gz from older servers) as quiet, backdated posts.

The outbox is streamed: Create(Note) and Create(Question) become posts with their dates, content warnings,
visibility, images (alt text, focal point) and closed polls; Announces are reported. Likes and bookmarks are
re-applied quietly where their posts are known here; the profile (name, bio, avatar, header) optionally.
"""

import io
import json
import logging
import re
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from caravan import error_codes, publishing
from caravan.errors import DomainError
from caravan.ids import id_from_time
from caravan.media.services import store_prepared_image
from caravan.moving.archive import Archive, ArchiveError, prepare_images
from caravan.moving.models import ImportedItem
from caravan.moving.progress import JobProgress, why
from caravan.moving.ytd import iter_array
from caravan.posts.models import Post, Visibility
from caravan.posts.rendering import html_to_text
from caravan.profiles import update_profile

logger = logging.getLogger(__name__)

SOURCE = "mastodon:note"
BATCH = 200
PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
ORDER = [Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE, Visibility.DIRECT]
MAX_SMALL_JSON = 64 * 1024 * 1024


def visibility_of(note: dict) -> str:
    """Public in `to` = public, in `cc` = unlisted, followers = private, else direct."""
    to, cc = _as_list(note.get("to")), _as_list(note.get("cc"))
    if PUBLIC & set(to):
        return Visibility.PUBLIC
    if PUBLIC & set(cc):
        return Visibility.UNLISTED
    if any(str(a).endswith("/followers") for a in to + cc):
        return Visibility.PRIVATE
    return Visibility.DIRECT


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def stricter(a: str, b: str) -> str:
    return ORDER[max(ORDER.index(a), ORDER.index(b))]


def parse_date(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class MastodonArchiveImport:
    def __init__(self, progress: JobProgress, archive: Archive) -> None:
        self.progress, self.archive, self.account = progress, archive, progress.account
        options = progress.job.options
        self.visibility_cap = options.get("visibility", Visibility.PUBLIC)
        self.apply_profile = bool(options.get("profile", False))
        outboxes = [n for n in archive.names() if PurePosixPath(n).name == "outbox.json"]
        if not outboxes:
            raise ArchiveError(error_codes.MASTODON_ARCHIVE_NOT_RECOGNISED)
        self.outbox = min(outboxes, key=len)
        self.root = self.outbox[: -len("outbox.json")]
        # Attachment urls come with varying prefixes: find files by what follows "media_attachments/".
        self.media = {}
        for name in archive.names():
            marker = name.find("media_attachments/")
            if marker >= 0:
                self.media[name[marker:]] = name

    def run(self) -> None:
        progress = self.progress
        known = dict(
            ImportedItem.objects.filter(account=self.account, source=SOURCE).values_list(
                "source_id", "object_id"
            )
        )
        self.uri_to_post = {uri: post_id for uri, post_id in known.items() if post_id}
        self.links: dict[str, str] = {}  # child uri -> parent uri, for self-replies
        batch: list[tuple[str, publishing.ImportedPost, list]] = []
        seen, start, already = 0, int(progress.job.cursor.get("seen", 0)), 0
        progress.job.total = max(progress.job.total, self._declared_total())
        with self.archive.open_member(self.outbox) as stream:
            for item in iter_array(stream, "outbox.json", after='"orderedItems":'):
                seen += 1
                if seen <= start:
                    continue
                progress.job.total = max(progress.job.total, seen)
                if not isinstance(item, dict):
                    progress.problem(f"item {seen}", error_codes.NOT_AN_ACTIVITY)
                    continue
                if item.get("type") == "Announce":
                    target = item.get("object")
                    progress.problem(
                        str(target if isinstance(target, str) else item.get("id")),
                        error_codes.BOOST_NOT_IMPORTED,
                    )
                    continue
                note = item.get("object") if item.get("type") == "Create" else None
                if not isinstance(note, dict) or note.get("type") not in ("Note", "Question", "Article"):
                    progress.problem(
                        str(item.get("id", seen)),
                        error_codes.ACTIVITY_SKIPPED,
                        type=str(item.get("type", "Unknown")),
                    )
                    continue
                uri = str(note.get("id") or "")
                if not uri:
                    progress.problem(f"item {seen}", error_codes.POST_WITHOUT_ID, failed=True)
                    continue
                if uri in known:
                    already += 1
                    continue
                try:
                    batch.append(self.convert(uri, note))
                except (DomainError, TypeError, ValueError, AttributeError, KeyError) as error:
                    progress.problem(uri, error_codes.ITEM_UNREADABLE, failed=True, error=why(error))
                    continue
                if len(batch) >= BATCH:
                    self.flush(batch, seen)
                    batch = []
        progress.job.total = seen  # the real count, now that it is known
        if already:
            progress.job.skipped += already
            progress.note("archive", error_codes.POSTS_ALREADY_IMPORTED, count=already)
        self.flush(batch, seen)
        self.rethread()
        self.apply_collection("likes.json", publishing.favourite)
        self.apply_collection("bookmarks.json", publishing.bookmark)
        if self.apply_profile:
            self.import_profile()

    def _declared_total(self) -> int:
        """The outbox's own `totalItems` (it may differ from the real count), for the progress bar."""
        with self.archive.open_member(self.outbox) as stream:
            head = stream.read(4096).decode("utf-8", errors="replace")
        match = re.search(r'"totalItems"\s*:\s*(\d+)', head)
        return int(match.group(1)) if match else 0

    def convert(self, uri: str, note: dict) -> tuple[str, publishing.ImportedPost, list]:
        published = parse_date(note.get("published"))
        if published is None:
            raise DomainError(error_codes.ITEM_WITHOUT_DATE)
        parent_uri = note.get("inReplyTo") or ""
        if isinstance(parent_uri, dict):
            parent_uri = parent_uri.get("id", "")
        poll = None
        if note.get("type") == "Question":
            choices = note.get("oneOf") or note.get("anyOf") or []
            ended = parse_date(note.get("closed") or note.get("endTime")) or published
            poll = publishing.PollSpec(
                options=[str(c.get("name", ""))[:200] for c in choices],
                votes=[int((c.get("replies") or {}).get("totalItems") or 0) for c in choices],
                multiple=bool(note.get("anyOf")),
                expires_at=min(ended, timezone.now()),  # brought in closed, with its results
            )
        content = note.get("content") or next(iter((note.get("contentMap") or {}).values()), "") or ""
        tags = [
            str(t.get("name", "")).lstrip("#")
            for t in _as_list(note.get("tag"))
            if isinstance(t, dict) and t.get("type") == "Hashtag" and t.get("name")
        ]
        # Custom emoji (`Emoji` tags) keep their images; the pipeline keeps only plain shortcodes and http(s) URLs.
        emojis = [
            {"shortcode": str(t.get("name") or ""), "url": (t.get("icon") or {}).get("url")}
            for t in _as_list(note.get("tag"))
            if isinstance(t, dict) and t.get("type") == "Emoji" and isinstance(t.get("icon"), dict)
        ]
        spec = publishing.ImportedPost(
            created_at=published,
            html=str(content),
            tags=tags,
            emojis=emojis,
            spoiler_text=str(note.get("summary") or "")[:1000],
            sensitive=bool(note.get("sensitive")),
            visibility=stricter(visibility_of(note), self.visibility_cap),
            language=next(iter(note.get("contentMap") or {}), ""),
            id=id_from_time(published),
            poll=poll,
            original_uri=uri,
        )
        if parent_uri and parent_uri in self.uri_to_post:
            spec.in_reply_to_id = self.uri_to_post[parent_uri]
        if parent_uri:
            self.links[uri] = parent_uri
        if not spec.in_reply_to_id and parent_uri and not parent_uri.startswith(self._actor_prefix()):
            spec.html += f'<p>\u21aa <a href="{_escape(parent_uri)}">{_escape(parent_uri)}</a></p>'
        self.uri_to_post[uri] = spec.id
        return uri, spec, [a for a in _as_list(note.get("attachment")) if isinstance(a, dict)]

    def _actor_prefix(self) -> str:
        if not hasattr(self, "_prefix"):
            actor = self._read_json("actor.json") or {}
            self._prefix = str(actor.get("id") or "\x00")
        return self._prefix

    def flush(self, batch: list, seen: int) -> None:
        progress = self.progress
        # Images are prepared (in parallel) before the transaction, so the database is not held meanwhile.
        wanted = []  # (spec, member name, alt text, focus)
        for uri, spec, attachments in batch:
            for attachment in [] if spec.poll is not None else attachments[:4]:
                found = self.locate(uri, attachment)
                if found is not None:
                    wanted.append((spec, uri, *found))
        prepared = prepare_images(
            self.archive,
            [(name, alt) for _, _, name, alt, _ in wanted],
            focus=[focus for *_, focus in wanted],
        )
        with transaction.atomic():
            for (spec, uri, name, _, _), result in zip(wanted, prepared, strict=True):
                if isinstance(result, DomainError):
                    progress.note(
                        uri, error_codes.ATTACHMENT_SKIPPED, name=PurePosixPath(name).name, reason=result
                    )
                else:
                    spec.media.append(store_prepared_image(self.account, result))
            publishing.import_posts_quietly(self.account, [spec for _, spec, _ in batch])
            progress.record(SOURCE, [(uri, spec.id) for uri, spec, _ in batch])
            progress.job.done += len(batch)
            progress.commit(seen=seen)

    def locate(self, uri: str, attachment: dict) -> tuple[str, str, str | None] | None:
        """(member name, alt text, focus) of an image attachment in the archive, or None (reported)."""
        url = attachment.get("url")
        if isinstance(url, list):
            url = next((u.get("href") for u in url if isinstance(u, dict)), "")
        url = str(url or "")
        marker = url.find("media_attachments/")
        name = self.media.get(url[marker:]) if marker >= 0 else None
        if name is None:
            self.progress.note(
                uri, error_codes.ATTACHMENT_NOT_IN_ARCHIVE, name=PurePosixPath(url).name or "?"
            )
            return None
        mime = str(attachment.get("mediaType") or "")
        if mime and not mime.startswith("image/"):
            self.progress.media_left_out(uri, mime.split("/")[0])
            return None
        focus = attachment.get("focalPoint")
        focus_text = None
        if isinstance(focus, list) and len(focus) == 2:
            try:
                focus_text = f"{max(-1.0, min(1.0, float(focus[0])))},{max(-1.0, min(1.0, float(focus[1])))}"
            except (TypeError, ValueError):
                focus_text = None
        return name, str(attachment.get("name") or "")[:1500], focus_text

    def rethread(self) -> None:
        links = {}
        for child, parent in self.links.items():
            if child in self.uri_to_post and parent in self.uri_to_post:
                links[self.uri_to_post[child]] = self.uri_to_post[parent]
        publishing.link_imported_replies(self.account, links)

    def _read_json(self, name: str):
        member = self.root + name
        if not self.archive.has(member):
            return None
        try:
            return json.loads(self.archive.read_bytes(member, limit=MAX_SMALL_JSON))
        except (ArchiveError, ValueError, RecursionError) as error:
            self.progress.note(name, error_codes.ITEM_UNREADABLE, error=why(error))
            return None

    def apply_collection(self, name: str, apply) -> None:
        """likes.json / bookmarks.json: status URIs, applied where the post is known here (quietly)."""
        collection = self._read_json(name)
        if not isinstance(collection, dict):
            return
        uris = [u for u in _as_list(collection.get("orderedItems")) if isinstance(u, str)]
        found = resolved = 0
        for start in range(0, len(uris), 500):
            chunk = uris[start : start + 500]
            by_uri = {p.uri: p for p in Post.objects.filter(uri__in=chunk)}
            by_uri.update(
                {p.original_uri: p for p in Post.objects.filter(account=self.account, original_uri__in=chunk)}
            )
            with transaction.atomic():
                for uri in chunk:
                    post = by_uri.get(uri)
                    if post is None:
                        continue
                    found += 1
                    try:
                        if apply is publishing.favourite:
                            apply(self.account, post, quiet=True)
                        else:
                            apply(self.account, post)
                        resolved += 1
                    except DomainError:
                        continue
        if len(uris) > resolved:
            kind = (
                error_codes.LIKES_PARTLY_APPLIED
                if name == "likes.json"
                else error_codes.BOOKMARKS_PARTLY_APPLIED
            )
            self.progress.note(name, kind, applied=resolved, total=len(uris))

    def import_profile(self) -> None:
        actor = self._read_json("actor.json")
        if not isinstance(actor, dict):
            return
        images = {}
        for field, key in (("avatar", "icon"), ("header", "image")):
            ref = actor.get(key)
            url = ref.get("url") if isinstance(ref, dict) else None
            if isinstance(url, str):
                member = self.root + url.lstrip("/")
                if self.archive.has(member):
                    images[field] = io.BytesIO(self.archive.read_bytes(member, limit=16 * 1024 * 1024))
        # Profile fields are the actor's PropertyValue attachments, their values HTML (links, as Mastodon writes).
        attachments = actor.get("attachment") if isinstance(actor.get("attachment"), list) else []
        fields = [
            {
                "name": str(item.get("name") or "")[:255],
                "value": html_to_text(str(item.get("value") or ""))[:255],
            }
            for item in attachments
            if isinstance(item, dict) and item.get("type") == "PropertyValue"
        ][: settings.CARAVAN["MAX_PROFILE_FIELDS"]]
        try:
            update_profile(
                self.account,
                display_name=str(actor.get("name") or "")[:30] or None,
                note=html_to_text(str(actor.get("summary") or ""))[:500] or None,
                fields=fields or None,
                **images,
            )
        except DomainError as error:
            self.progress.note("actor.json", error_codes.PROFILE_NOT_APPLIED, reason=error)


def _escape(value: str) -> str:
    import html

    return html.escape(value, quote=True)


def import_mastodon_archive(progress: JobProgress) -> None:
    with Archive.open(progress.job.source_path) as archive:
        for problem in archive.problems:
            progress.note(problem["item"], problem["reason"])
        MastodonArchiveImport(progress, archive).run()
