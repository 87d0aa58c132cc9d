"""Mastodon's CSV files, both ways: importing follows, blocks, mutes, domain blocks, bookmarks and lists
(merge or overwrite), and exporting the same files, Mastodon-compatible.

Mastodon accepts header-less files, partial headers, blank lines, a leading @ and IDN domains; so does this.
A row that names no account this server can find is reported, never fatal.
"""

import csv
import io
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction

from caravan import error_codes, publishing, relationships
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.moving.models import ImportKind
from caravan.moving.progress import JobProgress
from caravan.posts.models import Bookmark, Post, Visibility
from caravan.social import services as social
from caravan.social.models import Block, DomainBlock, Follow, FollowRequest, Mute
from caravan.timelines import services as timelines
from caravan.timelines.models import List, ListMember

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
BATCH = 200
HEADERS = {
    ImportKind.FOLLOWING: ["Account address", "Show boosts", "Notify on new posts", "Languages"],
    ImportKind.MUTES: ["Account address", "Hide notifications"],
}


# Parsing


def normalize_domain(domain: str) -> str:
    """Lower-case ASCII: IDN domains go through the idna codec (bücher.example -> xn--bcher-kva.example)."""
    domain = domain.strip().strip(".").lower()
    if not domain:
        return ""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError(error_codes.DOMAIN_INVALID, domain=domain) from None


def parse_handle(value: str) -> tuple[str, str]:
    """`@user@domain`, `user@domain` or a local `user` -> (username, domain); domain "" for this server."""
    value = value.strip().lstrip("@").strip()
    if not value or " " in value:
        raise DomainError(error_codes.NOT_AN_ACCOUNT_ADDRESS, value=value)
    username, _, domain = value.partition("@")
    if not username or "@" in domain:
        raise DomainError(error_codes.NOT_AN_ACCOUNT_ADDRESS, value=value)
    domain = normalize_domain(domain)
    if domain == settings.DOMAIN.lower():
        domain = ""
    return username, domain


def read_rows(data: bytes) -> tuple[list[str] | None, list[list[str]]]:
    """(header or None, rows) with blank lines dropped. A first row starting "Account address" is a header."""
    if len(data) > MAX_BYTES:
        raise DomainError(error_codes.CSV_TOO_LARGE)
    text = data.decode("utf-8-sig", errors="replace")
    if "\x00" in text[:4096]:
        raise DomainError(error_codes.CSV_NOT_CSV)
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    rows = [row for row in rows if any(row)]
    header = None
    if rows and rows[0] and rows[0][0].lower() in {"account address", "#domain", "domain"}:
        header = rows.pop(0)
    if len(rows) > MAX_ROWS:
        raise DomainError(error_codes.CSV_TOO_MANY_ROWS, limit=MAX_ROWS)
    return header, rows


def _flag(row: list[str], header: list[str] | None, name: str, default: bool) -> bool:
    if header is None:
        return default
    lowered = [h.lower() for h in header]
    if name.lower() not in lowered:
        return default
    index = lowered.index(name.lower())
    if index >= len(row) or not row[index]:
        return default
    return row[index].strip().lower() in {"true", "1", "yes"}


def _languages(row: list[str], header: list[str] | None) -> list[str] | None:
    if header is None or "languages" not in [h.lower() for h in header]:
        return None
    index = [h.lower() for h in header].index("languages")
    if index >= len(row) or not row[index]:
        return None
    return [code.strip() for code in row[index].split(",") if code.strip()] or None


# Importing


def import_csv(progress: JobProgress) -> None:
    job = progress.job
    with open(job.source_path, "rb") as stream:
        data = stream.read(MAX_BYTES + 1)
    header, rows = read_rows(data)
    job.total = len(rows)
    progress.commit_now()
    overwrite = job.options.get("mode") == "overwrite"
    apply = {
        ImportKind.FOLLOWING: _following,
        ImportKind.BLOCKS: _blocks,
        ImportKind.MUTES: _mutes,
        ImportKind.DOMAIN_BLOCKS: _domain_blocks,
        ImportKind.BOOKMARKS: _bookmarks,
        ImportKind.LISTS: _lists,
    }[job.kind]
    prepare = PREPARE.get(job.kind)
    kept: set = set()
    # Overwrite needs every row's account to know what to keep, so a resumed overwrite starts again from the
    # top (each row is idempotent: following again only refreshes its options).
    start = 0 if overwrite else int(job.cursor.get("row", 0))
    if start == 0:
        job.done = job.skipped = job.failed = 0
        job.report = []
        progress.commit_now()
    # One transaction per row, not per batch: resolving a remote account may wait on another server, and the
    # database must not stay locked meanwhile. Rows are idempotent, so a crash re-applies at most one batch.
    for offset in range(start, len(rows), BATCH):
        for number, row in enumerate(rows[offset : offset + BATCH], start=offset + 1):
            try:
                if prepare is not None:
                    with transaction.atomic():
                        prepare(progress.account, row)
                with transaction.atomic():
                    result = apply(progress.account, row, header)
            except DomainError as error:
                progress.problem(f"row {number}: {','.join(row)[:100]}", error)
                continue
            kept.add(result)
            job.done += 1
        progress.commit_now(row=offset + BATCH)
    if overwrite:
        with transaction.atomic():
            _overwrite(job.kind, progress.account, kept)


def _account(row: list[str], column: int = 0) -> Account:
    from caravan.moving.services import resolve_account

    if column >= len(row):
        raise DomainError(error_codes.ROW_WITHOUT_ADDRESS)
    username, domain = parse_handle(row[column])
    account = resolve_account(username, domain)
    if account is None:
        raise DomainError(error_codes.NO_SUCH_ACCOUNT, handle=f"{username}@{domain or settings.DOMAIN}")
    return account


def _following(me: Account, row: list[str], header) -> int:
    target = _account(row)
    relationships.follow(
        me,
        target,
        show_reblogs=_flag(row, header, "Show boosts", True),
        notify_on_post=_flag(row, header, "Notify on new posts", False),
        languages=_languages(row, header),
    )
    return target.id


def _blocks(me: Account, row: list[str], header) -> int:
    target = _account(row)
    relationships.block(me, target)
    return target.id


def _mutes(me: Account, row: list[str], header) -> int:
    target = _account(row)
    social.mute(me, target, hide_notifications=_flag(row, header, "Hide notifications", True))
    return target.id


def _domain_blocks(me: Account, row: list[str], header) -> str:
    domain = normalize_domain(row[0])
    social.block_domain(me, domain)
    return domain


def _bookmarks(me: Account, row: list[str], header) -> int:
    uri = row[0].strip()
    post = Post.objects.filter(uri=uri).first() or Post.objects.filter(original_uri=uri, account=me).first()
    if post is None:
        raise DomainError(error_codes.POST_UNKNOWN)
    publishing.bookmark(me, post)
    return post.id


def _list_title(row: list[str]) -> str:
    if len(row) < 2 or not row[0]:
        raise DomainError(error_codes.LIST_ROW_INCOMPLETE)
    return row[0][:200]


def _ensure_list(me: Account, row: list[str]) -> None:
    """A row's list exists before its member is added, in a transaction of its own: as on Mastodon, the lists
    of the file are there even when a member cannot be found."""
    title = _list_title(row)
    if not List.objects.filter(owner=me, title=title).exists():
        timelines.create_list(me, title)


PREPARE = {ImportKind.LISTS: _ensure_list}


def _lists(me: Account, row: list[str], header) -> tuple[str, int]:
    title = _list_title(row)
    target = _account(row, 1)
    list_obj = List.objects.filter(owner=me, title=title).first() or timelines.create_list(me, title)
    if not Follow.objects.filter(account=me, target_account=target).exists():
        # Mastodon follows list members on import, as lists hold only followed (or requested) accounts.
        relationships.follow(me, target)
    timelines.add_to_list(list_obj, [target])
    return title, target.id


def _overwrite(kind: str, me: Account, kept: set) -> None:
    """Overwrite mode: what the file does not list is undone (after a run over every row)."""
    if kind == ImportKind.FOLLOWING:
        for follow in (
            Follow.objects.filter(account=me)
            .exclude(target_account_id__in=kept)
            .select_related("target_account")
        ):
            relationships.unfollow(me, follow.target_account)
        for request in (
            FollowRequest.objects.filter(account=me)
            .exclude(target_account_id__in=kept)
            .select_related("target_account")
        ):
            relationships.unfollow(me, request.target_account)
    elif kind == ImportKind.BLOCKS:
        for block in (
            Block.objects.filter(account=me)
            .exclude(target_account_id__in=kept)
            .select_related("target_account")
        ):
            social.unblock(me, block.target_account)
    elif kind == ImportKind.MUTES:
        for mute in (
            Mute.objects.filter(account=me)
            .exclude(target_account_id__in=kept)
            .select_related("target_account")
        ):
            social.unmute(me, mute.target_account)
    elif kind == ImportKind.DOMAIN_BLOCKS:
        for block in DomainBlock.objects.filter(account=me).exclude(domain__in=kept):
            social.unblock_domain(me, block.domain)
    elif kind == ImportKind.BOOKMARKS:
        for mark in Bookmark.objects.filter(account=me).exclude(post_id__in=kept).select_related("post"):
            publishing.unbookmark(me, mark.post)
    elif kind == ImportKind.LISTS:
        titles = {title for title, _ in kept}
        for list_obj in List.objects.filter(owner=me):
            if list_obj.title not in titles:
                timelines.delete_list(list_obj)
                continue
            members = {account_id for title, account_id in kept if title == list_obj.title}
            stale = Account.objects.filter(
                pk__in=ListMember.objects.filter(list=list_obj)
                .exclude(account_id__in=members)
                .values("account_id")
            )
            timelines.remove_from_list(list_obj, list(stale))


# Exporting


def _address(account: Account) -> str:
    return f"{account.username}@{account.domain or settings.DOMAIN}"


def _write(rows: Iterator[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export_csv(account: Account, kind: str) -> str:
    """One of Mastodon's CSV exports for `account`, in Mastodon's own format."""
    if kind == ImportKind.FOLLOWING:
        follows = Follow.objects.filter(account=account).select_related("target_account").order_by("id")
        return _write(
            (
                [
                    _address(f.target_account),
                    str(f.show_reblogs).lower(),
                    str(f.notify).lower(),
                    ", ".join(f.languages or []),
                ]
                for f in follows
            ),
            HEADERS[ImportKind.FOLLOWING],
        )
    if kind == ImportKind.BLOCKS:
        blocks = Block.objects.filter(account=account).select_related("target_account").order_by("id")
        return _write([_address(b.target_account)] for b in blocks)
    if kind == ImportKind.MUTES:
        mutes = Mute.objects.filter(account=account).select_related("target_account").order_by("id")
        return _write(
            ([_address(m.target_account), str(m.hide_notifications).lower()] for m in mutes),
            HEADERS[ImportKind.MUTES],
        )
    if kind == ImportKind.DOMAIN_BLOCKS:
        return _write([b.domain] for b in DomainBlock.objects.filter(account=account).order_by("domain"))
    if kind == ImportKind.BOOKMARKS:
        # Never another person's followers-only or direct post, even one bookmarked while it was readable.
        marks = Bookmark.objects.filter(account=account).select_related("post").order_by("id")
        return _write(
            [m.post.uri]
            for m in marks
            if m.post.account_id == account.id
            or m.post.visibility in (Visibility.PUBLIC, Visibility.UNLISTED)
        )
    if kind == ImportKind.LISTS:
        members = (
            ListMember.objects.filter(list__owner=account)
            .select_related("list", "account")
            .order_by("list__title", "id")
        )
        return _write([m.list.title, _address(m.account)] for m in members)
    raise DomainError(error_codes.EXPORT_UNKNOWN)


EXPORT_FILE_NAMES = {
    ImportKind.FOLLOWING: "following_accounts.csv",
    ImportKind.BLOCKS: "blocked_accounts.csv",
    ImportKind.MUTES: "muted_accounts.csv",
    ImportKind.DOMAIN_BLOCKS: "blocked_domains.csv",
    ImportKind.BOOKMARKS: "bookmarks.csv",
    ImportKind.LISTS: "lists.csv",
}
