"""Importing an X / Twitter archive ("Download your archive", zipped or unpacked) as quiet, backdated posts.

Two streaming passes over the tweet files: the first builds a small index (dates, replies, edit groups,
who was mentioned), the second stores posts in batches through `publishing.import_posts_quietly`. Deleted
tweets and direct messages are never read as posts. Self-replies are re-threaded at the end, whatever the
file order.
"""

import html
import io
import logging
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

from django.db import transaction

from caravan import error_codes
from caravan.directory import services as directory
from caravan.errors import DomainError
from caravan.ids import id_from_time
from caravan.media.services import store_prepared_image
from caravan.moving.archive import Archive, ArchiveError, submit_images
from caravan.moving.models import ImportedItem
from caravan.moving.people import find_candidates, find_in_directory
from caravan.moving.progress import JobProgress, why
from caravan.moving.ytd import iter_array, read_value
from caravan.profiles import update_profile
from caravan.publishing import ExternalProfile, ImportedPost, import_posts_quietly, link_imported_replies

logger = logging.getLogger(__name__)

SOURCE = "x:tweet"
BATCH = 500
TWITTER_EPOCH_MS = 1288834974657
TCO_RE = re.compile(r"https?://t\.co/\w+")
NO_LANGUAGE = {"und", "zxx", "qme", "qht", "qct", "art"}
MAX_DATA_FILE = 512 * 1024**2


def snowflake_time(tweet_id: int) -> datetime:
    return datetime.fromtimestamp(((tweet_id >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def parse_created_at(value: str | None, tweet_id: int) -> datetime:
    """`Sat Aug 12 16:10:37 +0000 2023` in tweets; ISO 8601 elsewhere; the snowflake id as a last resort."""
    parts = value.split() if value else ()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in MONTHS:
        # The common case, without strptime (it is a tenth of an import's parsing time).
        try:
            hour, minute, second = (int(x) for x in parts[3].split(":"))
            return datetime(int(parts[5]), MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC)
        except ValueError:
            pass
    if value:
        for parse in (
            lambda v: datetime.strptime(v, "%a %b %d %H:%M:%S %z %Y"),
            lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
        ):
            try:
                moment = parse(value.strip())
                return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            except ValueError:
                continue
    return snowflake_time(tweet_id) if tweet_id > 1 << 22 else datetime.fromtimestamp(0, tz=UTC)


def as_int(value) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


@dataclass
class Layout:
    """Where an archive keeps things: found through data/manifest.js, or by looking when it has none."""

    prefix: str  # "" or "twitter-2023-01-01-abc/" when the folder was zipped again
    files: dict[str, list[str]] = field(default_factory=dict)  # data type -> member names
    media: dict[str, str] = field(default_factory=dict)  # data type -> media folder (with trailing "/")


def find_layout(archive: Archive) -> Layout:
    names = archive.names()
    if any("/js/tweets/" in f"/{n}" and n.endswith(".js") for n in names) or any(
        n.endswith("data/js/tweet_index.js") for n in names
    ):
        raise ArchiveError(error_codes.X_ARCHIVE_GRAILBIRD)
    prefix = None
    for marker in ("data/manifest.js", "data/tweets.js", "data/tweet.js", "data/account.js"):
        for name in names:
            if name == marker or name.endswith("/" + marker):
                prefix = name[: -len(marker)]
                break
        if prefix is not None:
            break
    if prefix is None:
        raise ArchiveError(error_codes.X_ARCHIVE_NOT_RECOGNISED)
    layout = Layout(prefix)
    manifest_name = prefix + "data/manifest.js"
    if archive.has(manifest_name):
        try:
            with archive.open_member(manifest_name) as stream:
                manifest = read_value(stream, "manifest.js")
            for data_type, info in (manifest.get("dataTypes") or {}).items():
                files = [prefix + str(f.get("fileName", "")).lstrip("./") for f in info.get("files") or []]
                layout.files[data_type] = [f for f in files if archive.has(f)]
                if info.get("mediaDirectory"):
                    layout.media[data_type] = prefix + str(info["mediaDirectory"]).strip("./") + "/"
        except (ArchiveError, AttributeError, TypeError):
            layout.files = {}  # an unreadable manifest: look for the files instead
    for data_type in (
        "tweets",
        "tweet",
        "note_tweet",
        "account",
        "profile",
        "following",
        "follower",
        "block",
        "mute",
        "like",
        "deleted_tweets",
    ):
        if layout.files.get(data_type):
            continue
        base = data_type.replace("_", "-")
        pattern = re.compile(rf"^{re.escape(prefix)}data/{re.escape(base)}(-part\d+)?\.js$")
        found = sorted(n for n in names if pattern.match(n))
        if found:
            layout.files[data_type] = found
    for data_type, folder in (("tweets", "tweets_media"), ("tweet", "tweet_media")):
        if data_type not in layout.media:
            layout.media[data_type] = f"{prefix}data/{folder}/"
    return layout


def tweet_files(layout: Layout) -> list[tuple[str, str]]:
    """(member name, media folder) for every tweet file, old names and new."""
    result = []
    for data_type in ("tweets", "tweet"):
        for name in layout.files.get(data_type, []):
            result.append((name, layout.media[data_type]))
    return result


def iter_entries(archive: Archive, names: list[str], key: str) -> Iterator[dict]:
    """Every entry of these YTD files, unwrapped from {"<key>": {...}} (before 2020 they are not wrapped)."""
    for name in names:
        if archive.members[name].size > MAX_DATA_FILE:
            raise ArchiveError(error_codes.X_FILE_TOO_LARGE, name=name)
        with archive.open_member(name) as stream:
            for entry in iter_array(stream, PurePosixPath(name).name):
                if isinstance(entry, dict):
                    inner = entry.get(key)
                    yield inner if isinstance(inner, dict) else entry


def iter_tweets(archive: Archive, layout: Layout) -> Iterator[tuple[dict, str]]:
    for name, media_folder in tweet_files(layout):
        for tweet in iter_entries(archive, [name], "tweet"):
            yield tweet, media_folder


def read_small(archive: Archive, layout: Layout, data_type: str, key: str) -> list[dict]:
    entries = []
    for entry in iter_entries(archive, layout.files.get(data_type, []), key):
        entries.append(entry)
    return entries


class TweetTable:
    """Every tweet id with its date and reply-to id, in sorted arrays: ~30 bytes a tweet instead of the ~330 a
    dict of tuples costs, so the first pass stays small whatever the archive's size."""

    def __init__(self) -> None:
        self.ids, self.times, self.parents = array("q"), array("d"), array("q")
        self.post_ids = array("q")
        self.imported = bytearray()
        self.frozen = False

    def add(self, tweet_id: int, timestamp: float, parent: int) -> None:
        self.ids.append(tweet_id)
        self.times.append(timestamp)
        self.parents.append(parent)

    def freeze(self) -> None:
        order = sorted(range(len(self.ids)), key=self.ids.__getitem__)
        ids, times, parents = array("q"), array("d"), array("q")
        for position in order:
            if ids and ids[-1] == self.ids[position]:
                continue  # listed twice
            ids.append(self.ids[position])
            times.append(self.times[position])
            parents.append(self.parents[position])
        del order
        self.ids, self.times, self.parents = ids, times, parents
        self.post_ids = array("q", bytes(8 * len(ids)))
        self.imported = bytearray(len(ids))
        self.frozen = True

    def find(self, tweet_id: int) -> int:
        position = bisect_left(self.ids, tweet_id)
        return position if position < len(self.ids) and self.ids[position] == tweet_id else -1

    def __contains__(self, tweet_id: int) -> bool:
        return self.find(tweet_id) >= 0

    def __len__(self) -> int:
        return len(self.ids)

    def time(self, tweet_id: int) -> float:
        return self.times[self.find(tweet_id)]

    def parent(self, tweet_id: int) -> int:
        position = self.find(tweet_id)
        return self.parents[position] if position >= 0 else 0

    def post_id(self, tweet_id: int) -> int | None:
        position = self.find(tweet_id)
        return self.post_ids[position] if position >= 0 else None

    def __iter__(self):
        return iter(self.ids)


@dataclass
class Index:
    """What the first pass learns; small per tweet, so 100,000 tweets fit in a few tens of MB."""

    own_id: str = ""
    own_username: str = ""
    tweets: TweetTable = field(default_factory=TweetTable)
    keep_instead: dict[int, int] = field(default_factory=dict)  # superseded edit version -> kept version
    deleted: set[int] = field(default_factory=set)
    notes: dict[int, list[tuple[str, str, list]]] = field(default_factory=dict)  # second -> (key, text, urls)
    mentioned: dict[str, tuple[str, str]] = field(default_factory=dict)  # user id -> (screen name, name)
    total: int = 0


def _prefix_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:40]


def _edit_ids(tweet: dict) -> list[int]:
    info = tweet.get("edit_info") or {}
    initial = info.get("initial") or (info.get("edit") or {}).get("editControlInitial") or {}
    return [as_int(i) for i in initial.get("editTweetIds") or [] if as_int(i)]


def build_index(archive: Archive, layout: Layout) -> Index:
    index = Index()
    for account in read_small(archive, layout, "account", "account"):
        index.own_id, index.own_username = str(account.get("accountId", "")), str(account.get("username", ""))
    for deleted in iter_entries(archive, layout.files.get("deleted_tweets", []), "tweet"):
        index.deleted.add(as_int(deleted.get("id_str") or deleted.get("id")))
    groups: list[list[int]] = []
    for tweet, _ in iter_tweets(archive, layout):
        tweet_id = as_int(tweet.get("id_str") or tweet.get("id"))
        if not tweet_id or tweet_id in index.deleted:
            continue
        index.total += 1
        moment = parse_created_at(tweet.get("created_at"), tweet_id)
        index.tweets.add(tweet_id, moment.timestamp(), as_int(tweet.get("in_reply_to_status_id_str")))
        ids = _edit_ids(tweet)
        if len(ids) > 1 and tweet_id == ids[0]:
            groups.append(ids)
        for mention in (tweet.get("entities") or {}).get("user_mentions") or []:
            user_id = str(mention.get("id_str") or mention.get("id") or "")
            if user_id and user_id != index.own_id:
                index.mentioned[user_id] = (str(mention.get("screen_name", "")), str(mention.get("name", "")))
    index.tweets.freeze()
    index.total = len(index.tweets)
    for ids in groups:
        present = [i for i in ids if i in index.tweets]
        if len(present) > 1:
            kept = max(present)  # versions are created in order, so the newest id is the last edit
            for version in present:
                if version != kept:
                    index.keep_instead[version] = kept
            # The post keeps the date it was first published, with the last version's words.
            first = min(present)
            index.tweets.times[index.tweets.find(kept)] = index.tweets.time(first)
    index.total -= len(index.keep_instead)
    for note in iter_entries(archive, layout.files.get("note_tweet", []), "noteTweet"):
        core = note.get("core") or {}
        text = str(core.get("text") or "")
        moment = parse_created_at(note.get("createdAt"), 0)
        second = int(moment.timestamp())
        index.notes.setdefault(second, []).append(
            (_prefix_key(html.unescape(text)), text, core.get("urls") or [])
        )
    return index


def _media_by_tweet(archive: Archive, folders: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for folder in folders:
        for name in archive.find(under=folder):
            base = name[len(folder) :]
            if "/" in base or "-" not in base:
                continue
            found.setdefault(base.split("-", 1)[0], []).append(name)
    return found


@dataclass
class Pending:
    tweet_id: int
    spec: ImportedPost
    media: list[tuple[str, str, str]]  # (member name, alt text, media id) of photos to upload


class XArchiveImport:
    """One run of an X archive import for a job; resumable (ImportedItem rows make re-runs add nothing)."""

    def __init__(self, progress: JobProgress, archive: Archive) -> None:
        self.progress = progress
        self.account = progress.account
        self.archive = archive
        options = progress.job.options
        self.visibility = options.get("visibility", "public")
        self.retweets = options.get("retweets", "skip")  # "skip" or "link"
        self.waiting = None  # the batch whose images are being prepared while the one before it is stored
        self.layout = find_layout(archive)
        if not tweet_files(self.layout):
            raise ArchiveError(error_codes.X_ARCHIVE_WITHOUT_TWEETS)

    def run(self) -> None:
        job = self.progress.job
        index = build_index(self.archive, self.layout)
        self.index = index
        job.total = index.total
        self.progress.commit_now()
        table = index.tweets
        # Post ids are made now from each tweet's date, so a reply can point at a parent stored later.
        for position, timestamp in enumerate(table.times):
            table.post_ids[position] = id_from_time(datetime.fromtimestamp(timestamp, tz=UTC))
        done_before = ImportedItem.objects.filter(account=self.account, source=SOURCE).values_list(
            "source_id", "object_id"
        )
        for source_id, object_id in done_before.iterator(chunk_size=5000):
            position = table.find(as_int(source_id))
            if position >= 0:
                table.imported[position] = 1
                if object_id:
                    table.post_ids[position] = object_id
        self.media_files = _media_by_tweet(self.archive, {m for _, m in tweet_files(self.layout)})
        batch: list[Pending] = []
        seen = already = 0
        start = int(job.cursor.get("seen", 0))
        for tweet, media_folder in iter_tweets(self.archive, self.layout):
            seen += 1
            if seen <= start:
                continue
            tweet_id = as_int(tweet.get("id_str") or tweet.get("id"))
            if not tweet_id or tweet_id in index.deleted:
                continue
            position = table.find(tweet_id)
            if position < 0 or table.imported[position]:
                already += position >= 0
                continue
            if tweet_id in index.keep_instead:
                continue  # an earlier version of an edited tweet: the last version is imported instead
            try:
                pending = self.convert(tweet_id, tweet, media_folder)
            except (DomainError, KeyError, TypeError, ValueError, AttributeError) as error:
                self.progress.problem(
                    f"tweet {tweet_id}", error_codes.ITEM_UNREADABLE, failed=True, error=why(error)
                )
                continue
            if pending is None:
                continue
            batch.append(pending)
            table.imported[position] = 1  # the same tweet listed twice (in two parts) is stored once
            if len(batch) >= BATCH:
                self.flush(batch, seen)
                batch = []
        if already:
            job.skipped += already
            self.progress.note("archive", error_codes.TWEETS_ALREADY_IMPORTED, count=already)
        self.flush(batch, seen)
        self.flush([], seen)  # stores the last batch
        self.report_likes()
        self.rethread()
        self.find_people()
        if self.progress.job.options.get("profile"):
            self.import_profile()

    def convert(self, tweet_id: int, tweet: dict, media_folder: str) -> Pending | None:
        index = self.index
        raw_text = str(tweet.get("full_text") or tweet.get("text") or "")
        entities = tweet.get("entities") or {}
        moment = parse_created_at(tweet.get("created_at"), tweet_id)
        first_seen = index.tweets.time(tweet_id)
        if first_seen < moment.timestamp():
            moment = datetime.fromtimestamp(first_seen, tz=UTC)  # an edit: the date it was first published
        is_retweet = raw_text.startswith("RT @") or bool(tweet.get("retweeted_status"))
        if is_retweet and self.retweets != "link":
            self.progress.problem(f"tweet {tweet_id}", error_codes.RETWEET_SKIPPED)
            return None
        text = raw_text
        for url in entities.get("urls") or []:
            short, expanded = url.get("url"), url.get("expanded_url")
            if short and expanded:
                text = text.replace(short, expanded)
        media_items = (tweet.get("extended_entities") or {}).get("media") or entities.get("media") or []
        for item in media_items:
            if item.get("url"):
                text = text.replace(item["url"], "")
        text = html.unescape(text).strip()
        note = self._note_for(moment, text)
        if note is not None:
            note_text, note_urls = note
            for url in note_urls:
                short = url.get("shortUrl") or url.get("url")
                expanded = url.get("expandedUrl") or url.get("expanded_url")
                if short and expanded:
                    note_text = note_text.replace(short, expanded)
            text = html.unescape(note_text).strip()
        parent = as_int(tweet.get("in_reply_to_status_id_str"))
        parent = index.keep_instead.get(parent, parent)
        reply_to_self = bool(parent) and (
            parent in index.tweets or str(tweet.get("in_reply_to_user_id_str", "")) == index.own_id
        )
        in_reply_to_id = thread_root = None
        if parent and reply_to_self and parent in index.tweets and parent not in index.deleted:
            in_reply_to_id = index.tweets.post_id(parent)
            root, hops = parent, 0
            while index.tweets.parent(root) in index.tweets and hops < 10_000:
                root = index.keep_instead.get(index.tweets.parent(root), index.tweets.parent(root))
                hops += 1
            thread_root = index.tweets.post_id(root)
        elif parent:
            screen_name = tweet.get("in_reply_to_screen_name") or "i"
            text = f"{text}\n\n\u21aa https://x.com/{screen_name}/status/{parent}"
        if is_retweet:
            text = f"{text}\n\nhttps://x.com/{index.own_username or 'i'}/status/{tweet_id}"
        photos: list[tuple[str, str, str]] = []
        candidates = self.media_files.get(str(tweet_id), [])
        for item in media_items[:4]:
            kind = item.get("type", "photo")
            if kind != "photo":
                self.progress.media_left_out(f"tweet {tweet_id}", kind)
                continue
            basename = PurePosixPath(str(item.get("media_url_https") or item.get("media_url") or "")).name
            wanted = f"{media_folder}{tweet_id}-{basename}"
            name = (
                wanted
                if self.archive.has(wanted)
                else next((c for c in candidates if basename and c.endswith(basename)), None)
            )
            if name is None:
                self.progress.note(
                    f"tweet {tweet_id}", error_codes.IMAGE_NOT_IN_ARCHIVE, name=basename or "?"
                )
                continue
            photos.append((name, str(item.get("ext_alt_text") or "")[:1500], str(item.get("id_str", ""))))
        if len(media_items) > 4:
            self.progress.note(f"tweet {tweet_id}", error_codes.TOO_MANY_MEDIA)
        language = str(tweet.get("lang") or "")
        spec = ImportedPost(
            created_at=moment,
            text=text,
            sensitive=str(tweet.get("possibly_sensitive", "false")).lower() == "true",
            visibility=self.visibility,
            language="" if language in NO_LANGUAGE else language,
            id=index.tweets.post_id(tweet_id),
            in_reply_to_id=in_reply_to_id,
            thread_root_id=thread_root,
            original_uri=f"https://x.com/{index.own_username or 'i'}/status/{tweet_id}",
        )
        return Pending(tweet_id, spec, photos)

    def _note_for(self, moment: datetime, text: str) -> tuple[str, list] | None:
        if not self.index.notes:
            return None
        # The truncated tweet ends with "…" and a link to the long post: compare what comes before.
        key = _prefix_key(TCO_RE.sub("", text).rstrip().rstrip("\u2026").rstrip())
        second = int(moment.timestamp())
        for candidate_second in (second, second - 1, second + 1):
            for note_key, note_text, urls in self.index.notes.get(candidate_second, []):
                if key and (
                    note_key.startswith(key[: len(note_key)]) and key.startswith(note_key[: len(key)])
                ):
                    return note_text, urls
        return None

    def flush(self, batch: list[Pending], seen: int) -> None:
        """Start preparing this batch's images, then store the previous batch while they are made: image work
        on the pool overlaps the database work here. `seen` is where a resumed run starts after this batch."""
        jobs = [(pending, name, alt, media_id) for pending in batch for name, alt, media_id in pending.media]
        futures = submit_images(self.archive, [(name, alt) for _, name, alt, _ in jobs])
        if self.waiting is not None:
            self.store(*self.waiting)
        self.waiting = (batch, seen, jobs, futures) if batch else None
        if not batch:
            self.progress.commit_now(seen=seen)

    def store(self, batch: list[Pending], seen: int, jobs: list, futures: list) -> None:
        progress = self.progress
        with transaction.atomic():
            for (pending, name, _, media_id), future in zip(jobs, futures, strict=True):
                result = future.result()
                if isinstance(result, DomainError):
                    progress.note(
                        f"tweet {pending.tweet_id}",
                        error_codes.IMAGE_SKIPPED,
                        name=media_id or name,
                        reason=result,
                    )
                else:
                    pending.spec.media.append(store_prepared_image(self.account, result))
            specs = [pending.spec for pending in batch]
            import_posts_quietly(self.account, specs, mention_resolver=x_mention)
            progress.record(SOURCE, [(str(p.tweet_id), p.spec.id) for p in batch])
            progress.job.done += len(batch)
            progress.commit(seen=seen)

    def import_profile(self) -> None:
        """Display name, bio (with its website) and the avatar and header images from profile_media/."""
        accounts = read_small(self.archive, self.layout, "account", "account")
        profiles = read_small(self.archive, self.layout, "profile", "profile")
        name = str((accounts[0] if accounts else {}).get("accountDisplayName") or "")[:30]
        profile = profiles[0] if profiles else {}
        description = profile.get("description") or {}
        bio = " ".join(str(description.get(k) or "") for k in ("bio", "website")).strip()
        images = {}
        folder = f"{self.layout.prefix}data/profile_media/"
        for kind, key in (("avatar", "avatarMediaUrl"), ("header", "headerMediaUrl")):
            basename = PurePosixPath(str(profile.get(key) or "")).name
            found = [n for n in self.archive.find(under=folder) if basename and n.endswith(basename)]
            if found:
                images[kind] = io.BytesIO(self.archive.read_bytes(found[0], limit=16 * 1024 * 1024))
        try:
            update_profile(
                self.account, display_name=name or None, note=html.unescape(bio)[:500] or None, **images
            )
        except DomainError as error:
            self.progress.note("profile", error_codes.PROFILE_NOT_APPLIED, reason=error)

    def find_people(self) -> None:
        """The people followed on X, named by the handles recovered from @mentions, scanned for fediverse
        addresses in their display names (where people wrote them during the 2022 move)."""
        followed = [
            str(entry.get("accountId", ""))
            for entry in iter_entries(self.archive, self.layout.files.get("following", []), "following")
        ]
        ids = [i for i in followed if i in self.index.mentioned] if followed else list(self.index.mentioned)
        people = []
        for user_id in ids:
            screen_name, name = self.index.mentioned[user_id]
            people.append((f"@{screen_name}", f"the X name of @{screen_name}", f"{name} {screen_name}"))
        found = find_candidates(self.progress, people)
        if followed:
            self.progress.note(
                "following",
                error_codes.X_FOLLOWED_ACCOUNTS_FOUND,
                followed=len(followed),
                named=len(ids),
                found=found,
            )
        # The archive's own X identity, kept private until its owner chooses to be found by it; the
        # followed ids are matched against the people who did.
        directory.record_claim(self.account, self.index.own_id, self.index.own_username)
        if followed:
            names = {user_id: screen_name for user_id, (screen_name, _) in self.index.mentioned.items()}
            matched = find_in_directory(self.progress, followed, names)
            self.progress.note("following", error_codes.DIRECTORY_MATCHES_FOUND, found=matched)

    def report_likes(self) -> None:
        """Likes cannot come along (the liked tweets stay on X), so the report says how many were left behind."""
        count = sum(1 for _ in iter_entries(self.archive, self.layout.files.get("like", []), "like"))
        if count:
            self.progress.note("like.js", error_codes.X_LIKES_NOT_IMPORTED, count=count)

    def rethread(self) -> None:
        """Join self-replies whose parent was stored after them (tweet files are not in date order)."""
        index = self.index
        links = {}
        table = index.tweets
        for position, tweet_id in enumerate(table.ids):
            parent = table.parents[position]
            parent = index.keep_instead.get(parent, parent)
            if parent and parent in table and tweet_id not in index.keep_instead:
                links[table.post_ids[position]] = table.post_id(parent)
        link_imported_replies(self.account, links)


def x_mention(username: str, domain: str) -> ExternalProfile | None:
    """An @handle in a tweet is someone on X: link their X profile, never a same-named account here."""
    if domain:
        return None
    return ExternalProfile(username=username, url=f"https://x.com/{username}")


def import_x_archive(progress: JobProgress) -> None:
    with Archive.open(progress.job.source_path) as archive:
        for problem in archive.problems:
            progress.note(problem["item"], problem["reason"])
        XArchiveImport(progress, archive).run()
