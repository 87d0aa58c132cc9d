"""Finding your people again: fediverse addresses in what an archive knows about the people you followed.

X's following list holds numeric ids only; handles and display names come back from the @mentions across your
tweets, and the ids themselves are matched against the X-id directory (people who chose to be found by their
old X account, here and on the Caravan servers this one federates with). Names, bios and links are scanned for `@user@host` and `https://host/@user`, and every candidate is
confirmed (WebFinger, through the federation face's resolver) before the person reviews and follows.
"""

import re

from django.conf import settings

from caravan.directory import services as directory
from caravan.moving.models import FollowCandidate
from caravan.moving.progress import JobProgress

HANDLE_RE = re.compile(
    r"(?<![\w/])@?(?P<user>[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
PROFILE_URL_RE = re.compile(
    r"https?://(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/@(?P<user>[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})"
)
NOT_FEDIVERSE = {
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "protonmail.com",
    "twitter.com",
    "x.com",
    "gmx.de",
    "web.de",
}
MAX_CANDIDATES = 5000


def handles_in(text: str) -> list[tuple[str, str]]:
    """(user, host) pairs written in a name, bio or link; e-mail providers are left out."""
    found: dict[tuple[str, str], None] = {}
    for pattern in (PROFILE_URL_RE, HANDLE_RE):
        for match in pattern.finditer(text or ""):
            user, host = match.group("user").rstrip("."), match.group("host").lower().rstrip(".")
            if host in NOT_FEDIVERSE or host.endswith((".png", ".jpg")):
                continue
            found.setdefault((user, host), None)
    return list(found)


def find_candidates(progress: JobProgress, people: list[tuple[str, str, str]]) -> int:
    """`people`: (old handle, where found, text to scan). Confirms and stores candidates; returns how many
    were confirmed."""
    from caravan.moving.services import resolve_account

    account = progress.account
    confirmed = 0
    seen: set[tuple[str, str]] = set()
    for old_handle, where, text in people:
        for user, host in handles_in(text):
            if (user.lower(), host) in seen or len(seen) >= MAX_CANDIDATES:
                continue
            seen.add((user.lower(), host))
            domain = "" if host == settings.DOMAIN.lower() else host
            target = resolve_account(user, domain)
            if target is None or target.id == account.id:
                continue
            FollowCandidate.objects.update_or_create(
                account=account,
                found_handle=f"{user}@{host}",
                defaults={"old_handle": old_handle[:255], "found_in": where[:255], "target": target},
            )
            confirmed += 1
    return confirmed


def find_in_directory(progress: JobProgress, followed_ids: list[str], names: dict[str, str]) -> int:
    """Match the followed X ids against the directory; each match becomes a candidate that remembers its
    entry (withdrawing the entry removes it). A person already found by handle keeps that candidate.
    `names`: X id -> the handle recovered from mentions, for the page. Returns how many were matched."""
    account = progress.account
    entries = directory.match_following(account, followed_ids)
    known = set(FollowCandidate.objects.filter(account=account).values_list("found_handle", flat=True))
    new: dict[str, FollowCandidate] = {}
    for entry in entries:
        found_handle = entry.account.handle.lstrip("@")
        if found_handle in known:
            continue
        handle = names.get(str(entry.x_id)) or entry.handle
        new.setdefault(
            found_handle,
            FollowCandidate(
                account=account,
                found_handle=found_handle,
                old_handle=(f"@{handle}" if handle else f"x:{entry.x_id}")[:255],
                found_in="directory",
                target=entry.account,
                directory_entry=entry,
            ),
        )
    FollowCandidate.objects.bulk_create(list(new.values()), batch_size=1000, ignore_conflicts=True)
    return len(entries)
