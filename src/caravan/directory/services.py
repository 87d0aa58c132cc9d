"""The X-id directory, consent first: a person's old X identity is recorded when they import their own archive
(a private Claim), listed only when they choose (an Entry), shown on their profile only when they choose, and
withdrawn whenever they wish, from this server and from every server that received it.

Matching an archive's following list asks this server's entries and, through a hook the federation face
installs (`install`), the directories of the Caravan servers this one federates with. Another server asking here
gets exact ids only, a bounded number at a time, rate-limited per server (`answer_lookup`).
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from caravan import error_codes, events, lookup, throttling
from caravan.accounts.models import Account
from caravan.directory.models import Claim, DirectoryServer, Entry, EntryRecipient
from caravan.errors import DomainError
from caravan.ids import id_from_text
from caravan.instance.domains import is_suspended
from caravan.social.models import Follow

logger = logging.getLogger(__name__)

MAX_LOOKUP_IDS = 500  # ids per lookup request, asked or answered
MATCH_CHUNK = 500  # ids per IN query when matching against this server's entries
MAX_FOLLOWING = 100_000  # ids of one following list considered (X's own cap on follows is far below)
MAX_HANDLE = 64
SERVER_CACHE = timedelta(days=1)


# Claims and consent ------------------------------------------------------------------------------------------


def parse_x_id(value) -> int | None:
    """An X account id: a positive 64-bit number written in digits (JSON integers too); None otherwise."""
    if isinstance(value, str) and (len(value) > 20 or not value.strip().isdigit()):
        return None
    return id_from_text(value)


def record_claim(account: Account, x_id, handle: str) -> Claim | None:
    """An X archive's own `account.js` was imported by `account`: remember the old identity, listed nowhere.
    Importing another X account's archive later replaces the claim (and withdraws a listing of the old one).
    Returns None when the archive names no usable id."""
    number = parse_x_id(x_id)
    if number is None or not account.is_local:
        return None
    handle = _clean_handle(handle)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(account=account).first()
        if claim is None:
            return Claim.objects.create(account=account, x_id=number, handle=handle)
        if claim.x_id != number:
            _withdraw(account)
        claim.x_id, claim.handle = number, handle
        claim.save(update_fields=["x_id", "handle", "updated_at"])
        entry = Entry.objects.filter(account=account, local=True).first()
        if entry is not None and entry.handle != handle:
            Entry.objects.filter(pk=entry.pk).update(handle=handle)
        return claim


def _clean_handle(handle) -> str:
    text = str(handle or "").strip().lstrip("@")
    # X handles are letters, digits and underscores; anything else (bidi controls, markup) is dropped.
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c == "_"))[:MAX_HANDLE]


@dataclass(frozen=True)
class Listing:
    """What a person's directory settings page shows them (never shown to anyone else)."""

    claim: Claim | None
    listed: bool
    disputed: bool
    show_on_profile: bool
    servers_told: int  # other servers that received the entry and will be told of a withdrawal


def listing_of(account: Account) -> Listing:
    claim = Claim.objects.filter(account=account).first()
    entry = Entry.objects.filter(account=account, local=True).first()
    return Listing(
        claim=claim,
        listed=entry is not None,
        disputed=bool(entry and entry.disputed),
        show_on_profile=bool(claim and claim.show_on_profile),
        servers_told=EntryRecipient.objects.filter(entry=entry).count() if entry else 0,
    )


def choose(account: Account, *, listed: bool | None = None, show_on_profile: bool | None = None) -> Listing:
    """The person's own choices: to be findable by their old X id, and to show "formerly @handle on X" on
    their profile. Either may change alone (None keeps it). Raises DomainError when there is nothing to list."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(account=account).first()
        if claim is None:
            if listed or show_on_profile:
                raise DomainError(error_codes.DIRECTORY_NO_CLAIM)
            return listing_of(account)
        if show_on_profile is not None and show_on_profile != claim.show_on_profile:
            claim.show_on_profile = show_on_profile
            claim.save(update_fields=["show_on_profile", "updated_at"])
        if listed is True and account.suspended_at is None:
            _list(account, claim)
        elif listed is False:
            _withdraw(account)
    return listing_of(account)


def _local_entry_uri(entry_id: int) -> str:
    return f"{settings.BASE_URL}/directory/entries/{entry_id}"


def _list(account: Account, claim: Claim) -> None:
    if Entry.objects.filter(account=account, local=True).exists():
        return
    entry = Entry(x_id=claim.x_id, handle=claim.handle, account=account, local=True)
    entry.uri = _local_entry_uri(entry.id)
    entry.save(force_insert=True)
    _settle_disputes(claim.x_id)


def _withdraw(account: Account) -> None:
    """Delete the account's local entry: the servers that received it are told (`directory.withdrawn`, read by
    the federation face in this transaction), and the matches made from it here go with it (CASCADE)."""
    entry = Entry.objects.filter(account=account, local=True).first()
    if entry is None:
        return
    inboxes = set(EntryRecipient.objects.filter(entry=entry).values_list("inbox", flat=True))
    events.emit("directory.withdrawn", entry=entry, inboxes=inboxes)
    entry.delete()
    _settle_disputes(entry.x_id)


def _settle_disputes(x_id: int) -> None:
    """Two or more local accounts listing one old id are all disputed; one alone is not."""
    entries = Entry.objects.filter(local=True, x_id=x_id)
    disputed = entries.count() > 1
    entries.exclude(disputed=disputed).update(disputed=disputed)


def withdraw(account: Account) -> Listing:
    return choose(account, listed=False)


def forget_account(account: Account) -> None:
    """The account is being deleted: its listing is withdrawn everywhere and its claim goes."""
    with transaction.atomic():
        _withdraw(account)
        Claim.objects.filter(account=account).delete()


def formerly_on_x(account: Account) -> str:
    """The old X handle the person chose to show on their profile ("" when they did not, or when it is
    disputed)."""
    claim = Claim.objects.filter(account=account, show_on_profile=True).first()
    if claim is None or not claim.handle:
        return ""
    if Entry.objects.filter(account=account, local=True, disputed=True).exists():
        return ""
    return claim.handle


def _listable() -> QuerySet[Entry]:
    """Entries that may be matched or answered: undisputed, of accounts neither suspended nor deleted."""
    return Entry.objects.filter(disputed=False, account__suspended_at__isnull=True)


# Matching an archive's following list -------------------------------------------------------------------------


def clean_ids(values: Iterable, *, limit: int | None = None) -> list[int]:
    """Distinct X ids in the order given; anything that is not an id is dropped. With `limit`, more ids than
    that is a DomainError (a lookup), not a silent cut."""
    seen: dict[int, None] = {}
    for value in values:
        number = parse_x_id(value)
        if number is not None:
            seen.setdefault(number, None)
        if limit is None and len(seen) >= MAX_FOLLOWING:
            break
    ids = list(seen)
    if limit is not None and len(ids) > limit:
        raise DomainError(error_codes.DIRECTORY_TOO_MANY_IDS, field="ids", limit=limit)
    return ids


def match_here(ids: list[int], *, exclude_account: Account | None = None) -> list[Entry]:
    """This server's listed, undisputed entries (and those other servers answered with) for these ids, in
    chunked IN queries on the x_id index. An id with two entries from elsewhere is left out too."""
    found: list[Entry] = []
    for start in range(0, len(ids), MATCH_CHUNK):
        chunk = ids[start : start + MATCH_CHUNK]
        rows = _listable().filter(x_id__in=chunk).select_related("account")
        if exclude_account is not None:
            rows = rows.exclude(account=exclude_account)
        found.extend(rows)
    return _unambiguous(found)


def _unambiguous(entries: list[Entry]) -> list[Entry]:
    by_id: dict[int, list[Entry]] = {}
    for entry in entries:
        by_id.setdefault(entry.x_id, []).append(entry)
    return [group[0] for group in by_id.values() if len({e.account_id for e in group}) == 1]


def match_following(account: Account, values: Iterable) -> list[Entry]:
    """The people an X following list names who chose to be found: here first, then on the Caravan servers
    this one federates with (bounded in servers and in time)."""
    ids = clean_ids(values)
    if not ids:
        return []
    try:
        ask_other_servers(ids)
    except Exception:  # another server's trouble never fails an import
        logger.warning("asking other directories failed", exc_info=True)
    return match_here(ids, exclude_account=account)


# Between servers: the federation face installs how to discover and ask -------------------------------------


_discover: Callable[[str], str] | None = None
_ask: Callable[[str, list[int]], list[dict]] | None = None


def install(
    discover: Callable[[str], str] | None, ask: Callable[[str, list[int]], list[dict]] | None
) -> None:
    """`discover(domain)`: the domain's directory lookup endpoint, or "" when it has none (raises when it
    cannot be asked now). `ask(endpoint, ids)`: its answer, [{"id", "xId", "actor", "handle"}], signed by this
    server. None resets to this server's directory only."""
    global _discover, _ask
    _discover, _ask = discover, ask


def federated_domains(limit: int) -> list[str]:
    """The servers this one federates with (local people follow them or are followed by them), the most
    connected first; never a suspended domain."""
    if limit <= 0:
        return []
    counts: dict[str, int] = {}
    for domains in (
        Follow.objects.filter(account__domain="")
        .exclude(target_account__domain="")
        .values("target_account__domain")
        .annotate(n=Count("id"))
        .values_list("target_account__domain", "n"),
        Follow.objects.filter(target_account__domain="")
        .exclude(account__domain="")
        .values("account__domain")
        .annotate(n=Count("id"))
        .values_list("account__domain", "n"),
    ):
        for domain, n in domains:
            counts[domain] = counts.get(domain, 0) + n
    ranked = sorted(counts, key=lambda d: (-counts[d], d))
    return [domain for domain in ranked if not is_suspended(domain)][:limit]


def _endpoint(domain: str) -> str:
    known = DirectoryServer.objects.filter(domain=domain).first()
    if known is not None and known.checked_at > timezone.now() - SERVER_CACHE:
        return known.endpoint
    endpoint = _discover(domain) if _discover is not None else ""
    DirectoryServer.objects.update_or_create(
        domain=domain, defaults={"endpoint": endpoint[:2000], "checked_at": timezone.now()}
    )
    return endpoint


def ask_other_servers(ids: list[int]) -> int:
    """Ask the federated Caravan servers' directories about these ids and keep what they answer as remote
    entries (matched like local ones). Stops at the server count and the time budget. Returns entries kept."""
    if _ask is None or not ids:
        return 0
    deadline = time.monotonic() + settings.CARAVAN["DIRECTORY_LOOKUP_SECONDS"]
    kept = 0
    for domain in federated_domains(settings.CARAVAN["DIRECTORY_SERVERS_PER_IMPORT"]):
        if time.monotonic() > deadline:
            break
        try:
            endpoint = _endpoint(domain)
        except Exception:
            logger.info("no directory answer from %s", domain, exc_info=True)
            continue
        if not endpoint:
            continue
        for start in range(0, len(ids), MAX_LOOKUP_IDS):
            if time.monotonic() > deadline:
                break
            chunk = ids[start : start + MAX_LOOKUP_IDS]
            try:
                answer = _ask(endpoint, chunk)
            except Exception:
                logger.info("directory lookup at %s failed", endpoint, exc_info=True)
                break
            kept += keep_remote_entries(domain, set(chunk), answer)
    return kept


def keep_remote_entries(domain: str, asked: set[int], answer: list) -> int:
    """Store what `domain` answered: only entries for ids we asked about, whose entry id and actor are on
    that domain; the actor is fetched (and checked) as any remote account."""
    kept = 0
    for item in answer[:MAX_LOOKUP_IDS] if isinstance(answer, list) else ():
        if not isinstance(item, dict):
            continue
        uri, actor_uri = item.get("id"), item.get("actor")
        x_id = parse_x_id(item.get("xId"))
        if not isinstance(uri, str) or not isinstance(actor_uri, str) or x_id not in asked or len(uri) > 500:
            continue
        if _host(uri) != domain or _host(actor_uri) != domain:
            continue
        account = lookup.object_at(actor_uri)
        if not isinstance(account, Account) or account.is_local or account.domain != domain:
            continue
        Entry.objects.update_or_create(
            uri=uri,
            defaults={
                "x_id": x_id,
                "account": account,
                "local": False,
                "handle": _clean_handle(item.get("handle")),
            },
        )
        kept += 1
    return kept


def _host(uri: str) -> str:
    try:
        return urlsplit(uri).netloc.rpartition("@")[2].lower()
    except ValueError:
        return ""


def answer_lookup(values, asker_inbox: str, asker_domain: str) -> list[dict]:
    """Another server (its signature checked by the federation face) asks about exact ids: the listed,
    undisputed local entries among them. At most MAX_LOOKUP_IDS ids; rate-limited per asking server. Each
    entry answered records the asker, so a withdrawal reaches it."""
    if not isinstance(values, list):
        raise DomainError(error_codes.DIRECTORY_IDS_INVALID, field="ids")
    if len(values) > MAX_LOOKUP_IDS:
        raise DomainError(error_codes.DIRECTORY_TOO_MANY_IDS, field="ids", limit=MAX_LOOKUP_IDS)
    if any(parse_x_id(value) is None for value in values):
        raise DomainError(error_codes.DIRECTORY_IDS_INVALID, field="ids")
    ids = clean_ids(values, limit=MAX_LOOKUP_IDS)
    _count_lookup(asker_domain)
    # Ambiguity is checked again on the rows read (two listings made at the same moment may both have
    # missed the other when their dispute flags were settled).
    entries = _unambiguous(
        [
            entry
            for entry in _listable().filter(local=True, x_id__in=ids).select_related("account")
            if entry.account.is_local
        ]
    )
    if entries and asker_inbox:
        EntryRecipient.objects.bulk_create(
            [EntryRecipient(entry=entry, inbox=asker_inbox[:2000]) for entry in entries],
            ignore_conflicts=True,
        )
    return [
        {"id": entry.uri, "xId": str(entry.x_id), "actor": entry.account.uri, "handle": entry.handle}
        for entry in entries
    ]


def _count_lookup(domain: str) -> None:
    throttling.charge(throttling.DIRECTORY_LOOKUPS_PER_SERVER, domain)


def forget_remote_entry(uri: str, actor: Account) -> bool:
    """Another server withdrew an entry it had answered with: only the entry's own actor may. The matches made
    from it go (follows already made stay). Returns whether there was one to forget."""
    entry = Entry.objects.filter(uri=uri, local=False).first()
    if entry is None or entry.account_id != actor.id:
        return False
    entry.delete()
    return True


def forget_remote_account(account: Account) -> None:
    """Another server deleted one of its accounts: the entries it answered with for it go, with their matches."""
    Entry.objects.filter(account=account, local=False).delete()
