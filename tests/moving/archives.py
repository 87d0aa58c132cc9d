"""Synthetic archives for the moving tests and benchmarks, built to the shapes described in notes/formats.md.

Nothing here is real user data: every tweet, toot and image is generated, with each known quirk reproducible.
"""

import io
import json
import tarfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image

TWITTER_EPOCH_MS = 1288834974657
OWN_ID = "1000001"
OWN_NAME = "mover"


def jpeg_bytes(color=(200, 30, 30), size=(16, 12), exif_gps: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"  # Make
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def snowflake(moment: datetime, seq: int = 0) -> str:
    ms = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) | seq)


def twitter_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def tweet(
    moment: datetime,
    text: str,
    *,
    tweet_id: str | None = None,
    reply_to: str | None = None,
    reply_user_id: str = OWN_ID,
    reply_screen: str = OWN_NAME,
    urls: list[tuple[str, str]] = (),
    mentions: list[tuple[str, str, str]] = (),  # (screen_name, id, name)
    media: list[dict] = (),
    edit_ids: list[str] | None = None,
    lang: str = "en",
    sensitive: bool = False,
) -> dict:
    """A tweet entry as X writes it: every number a string, `full_text` HTML-escaped by the caller."""
    tweet_id = tweet_id or snowflake(moment)
    body = {
        "edit_info": {
            "initial": {
                "editTweetIds": edit_ids or [tweet_id],
                "editableUntil": "2023-01-01T00:00:00.000Z",
                "editsRemaining": "5",
                "isEditEligible": True,
            }
        },
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {
            "hashtags": [],
            "symbols": [],
            "user_mentions": [
                {"name": name, "screen_name": screen, "indices": ["0", "5"], "id_str": uid, "id": uid}
                for screen, uid, name in mentions
            ],
            "urls": [
                {
                    "url": short,
                    "expanded_url": long,
                    "display_url": long.split("//")[-1][:20],
                    "indices": ["0", "23"],
                }
                for short, long in urls
            ],
        },
        "display_text_range": ["0", str(len(text))],
        "favorite_count": "3",
        "id_str": tweet_id,
        "truncated": False,
        "retweet_count": "0",
        "id": tweet_id,
        "possibly_sensitive": sensitive,
        "created_at": twitter_date(moment),
        "favorited": False,
        "full_text": text,
        "lang": lang,
    }
    if reply_to:
        body.update(
            {
                "in_reply_to_status_id_str": reply_to,
                "in_reply_to_status_id": reply_to,
                "in_reply_to_user_id_str": reply_user_id,
                "in_reply_to_user_id": reply_user_id,
                "in_reply_to_screen_name": reply_screen,
            }
        )
    if media:
        body["entities"]["media"] = [media[0]]
        body["extended_entities"] = {"media": list(media)}
    return body


def photo(tweet_id: str, n: int, short: str) -> dict:
    return {
        "id_str": f"9{tweet_id[-6:]}{n}",
        "id": f"9{tweet_id[-6:]}{n}",
        "type": "photo",
        "url": short,
        "media_url_https": f"https://pbs.twimg.com/media/Pic{tweet_id[-6:]}{n}.jpg",
        "expanded_url": f"https://x.com/{OWN_NAME}/status/{tweet_id}/photo/{n}",
        "display_url": "pic.x.com/abc",
        "indices": ["10", "33"],
    }


def video(tweet_id: str, short: str) -> dict:
    return {
        "id_str": f"8{tweet_id[-6:]}",
        "type": "video",
        "url": short,
        "media_url_https": f"https://pbs.twimg.com/ext_tw_video_thumb/{tweet_id}/pu/img/thumb.jpg",
        "video_info": {
            "variants": [
                {
                    "bitrate": "832000",
                    "content_type": "video/mp4",
                    "url": f"https://video.twimg.com/ext_tw_video/{tweet_id}/pu/vid/clip.mp4",
                }
            ]
        },
    }


def ytd(data_type: str, part: int, entries) -> bytes:
    return f"window.YTD.{data_type}.part{part} = ".encode() + json.dumps(entries, indent=1).encode()


class XArchive:
    """Collects tweets and files, then writes a zip or a folder like X's "Download your archive"."""

    def __init__(self, *, legacy_names: bool = False, manifest: bool = True, wrapped: bool = True) -> None:
        self.tweets: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.legacy_names, self.manifest, self.wrapped = legacy_names, manifest, wrapped
        self.extra_types: dict[str, list] = {}
        self.parts = 1

    @property
    def media_dir(self) -> str:
        return "data/tweet_media" if self.legacy_names else "data/tweets_media"

    def add(self, entry: dict, *, media_files: dict[str, bytes] | None = None) -> dict:
        self.tweets.append(entry)
        for name, data in (media_files or {}).items():
            self.files[f"{self.media_dir}/{entry['id_str']}-{name}"] = data
        return entry

    def data(self, data_type: str, entries: list) -> None:
        self.extra_types[data_type] = entries

    def contents(self) -> dict[str, bytes]:
        type_name = "tweet" if self.legacy_names else "tweets"
        file_base = "tweet" if self.legacy_names else "tweets"
        wrap = (lambda t: {"tweet": t}) if self.wrapped else (lambda t: t)
        out = {"Your archive.html": b"<html>archive</html>", "assets/js/app.js": b"// viewer"}
        manifest_types = {}
        chunks = [self.tweets[i :: self.parts] for i in range(self.parts)]
        names = []
        for n, chunk in enumerate(chunks):
            name = f"data/{file_base}.js" if n == 0 else f"data/{file_base}-part{n}.js"
            out[name] = ytd(type_name, n, [wrap(t) for t in chunk])
            names.append(
                {"fileName": name, "globalName": f"YTD.{type_name}.part{n}", "count": str(len(chunk))}
            )
        manifest_types[type_name] = {"mediaDirectory": self.media_dir, "files": names}
        account = [
            {
                "account": {
                    "username": OWN_NAME,
                    "accountId": OWN_ID,
                    "accountDisplayName": "Mover",
                    "createdAt": "2012-01-01T10:00:00.000Z",
                    "email": "x@example.invalid",
                }
            }
        ]
        for data_type, entries in {"account": account, **self.extra_types}.items():
            name = f"data/{data_type.replace('_', '-')}.js"
            out[name] = ytd(data_type, 0, entries)
            manifest_types[data_type] = {
                "files": [
                    {"fileName": name, "globalName": f"YTD.{data_type}.part0", "count": str(len(entries))}
                ]
            }
        if self.manifest:
            manifest = {"userInfo": {"accountId": OWN_ID, "userName": OWN_NAME}, "dataTypes": manifest_types}
            out["data/manifest.js"] = b"window.__THAR_CONFIG = " + json.dumps(manifest).encode()
        out.update(self.files)
        return out

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.contents().items():
                archive.writestr(name, data)
        return path

    def write_folder(self, path: Path) -> Path:
        for name, data in self.contents().items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return path


def base_time() -> datetime:
    return datetime(2023, 8, 12, 16, 10, 37, tzinfo=UTC)


def later(minutes: int) -> datetime:
    return base_time() + timedelta(minutes=minutes)


# Mastodon archives


PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


class MastodonArchive:
    def __init__(self, actor_uri: str = "https://old.example/users/mover") -> None:
        self.actor_uri = actor_uri
        self.items: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.likes: list[str] = []
        self.bookmarks: list[str] = []
        self.actor_extra: dict = {}

    def note(
        self,
        n: int,
        content: str,
        *,
        published: str,
        to=None,
        cc=None,
        summary=None,
        in_reply_to=None,
        attachment=(),
        kind="Note",
        extra=None,
    ) -> dict:
        uri = f"{self.actor_uri}/statuses/{n}"
        obj = {
            "id": uri,
            "type": kind,
            "url": f"https://old.example/@mover/{n}",
            "published": published,
            "attributedTo": self.actor_uri,
            "inReplyTo": in_reply_to,
            "summary": summary,
            "sensitive": bool(summary),
            "content": content,
            "contentMap": {"en": content},
            "to": [PUBLIC] if to is None else to,
            "cc": [f"{self.actor_uri}/followers"] if cc is None else cc,
            "tag": [],
            "attachment": list(attachment),
            **(extra or {}),
        }
        self.items.append(
            {
                "id": f"{uri}/activity",
                "type": "Create",
                "actor": self.actor_uri,
                "published": published,
                "to": obj["to"],
                "cc": obj["cc"],
                "object": obj,
            }
        )
        return obj

    def announce(self, n: int, target: str, published: str) -> None:
        self.items.append(
            {
                "id": f"{self.actor_uri}/statuses/{n}/activity",
                "type": "Announce",
                "actor": self.actor_uri,
                "published": published,
                "to": [PUBLIC],
                "object": target,
            }
        )

    def contents(self) -> dict[str, bytes]:
        outbox = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "outbox.json",
            "type": "OrderedCollection",
            "totalItems": len(self.items) + 7,
            "orderedItems": self.items,
        }
        actor = {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": self.actor_uri,
            "type": "Person",
            "preferredUsername": "mover",
            "name": "Mover Person",
            "summary": "<p>Moving house</p>",
            "icon": {"type": "Image", "mediaType": "image/jpeg", "url": "avatar.jpg"},
            "image": {"type": "Image", "mediaType": "image/jpeg", "url": "header.jpg"},
            "alsoKnownAs": [],
            **self.actor_extra,
        }
        out = {
            "actor.json": json.dumps(actor).encode(),
            "outbox.json": json.dumps(outbox).encode(),
            "likes.json": json.dumps({"type": "OrderedCollection", "orderedItems": self.likes}).encode(),
            "bookmarks.json": json.dumps(
                {"type": "OrderedCollection", "orderedItems": self.bookmarks}
            ).encode(),
            "avatar.jpg": jpeg_bytes((0, 0, 200)),
            "header.jpg": jpeg_bytes((0, 200, 0), size=(30, 10)),
        }
        out.update(self.files)
        return out

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.contents().items():
                archive.writestr(name, data)
        return path

    def write_tar(self, path: Path) -> Path:
        with tarfile.open(path, "w:gz") as archive:
            for name, data in self.contents().items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return path
