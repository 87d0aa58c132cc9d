"""Waves: what moderators look at when many accounts arrive at once. Reads only: new local accounts per hour,
clusters of them (same sign-up address, same network, same email domain, same invite, same creation hour),
follow rings among them, and bursts of one hashtag or link used by many accounts within an hour. Addresses are
shown only here, to moderators.

Every read is bounded (rows read, members shown), so the page costs the same on a server with millions of
accounts: windows are found by id range (ids are time-sortable, `ids.lowest_id_at`) and `created_at` checks.
"""

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from caravan.accounts.models import Account, User
from caravan.ids import lowest_id_at
from caravan.moderation.services import check_moderator
from caravan.posts.models import Post, PostTag, Visibility
from caravan.social.models import Follow
from caravan.throttling import address_key

DEFAULT_HOURS = 48
MAX_HOURS = 7 * 24
MIN_CLUSTER = 3  # fewer accounts than this is no wave
MAX_NEW_ACCOUNTS = 5_000  # newest accounts of the window read for clusters and rings
MAX_FOLLOWS = 50_000  # follows of those accounts read for rings
MAX_POSTS = 20_000  # newest posts of the window read for link bursts
MAX_POST_TAGS = 50_000  # newest hashtag uses of the window read for hashtag bursts
MAX_MEMBERS = 50  # members listed per cluster or ring
MAX_GROUPS = 20  # clusters per kind, rings, bursts per kind
RING_SHARE = 0.6  # a ring member sends at least this share of its follows inside the window
HOUR_SPIKE = 2  # an hour is a cluster with twice the median hourly sign-ups (and MIN_CLUSTER) or more
# Bursts read public and unlisted posts only: a wave advertises, and what followers-only or direct posts say
# stays between their author and readers (`posts.visibility`), moderators included.
PUBLIC = (Visibility.PUBLIC, Visibility.UNLISTED)
_ANCHOR = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["'](https?://[^"'\s<>]+)["']""", re.IGNORECASE)
_CLASS = re.compile(r"""\bclass\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class Member:
    id: int
    username: str
    profile_path: str
    created_at: datetime
    suspended: bool


@dataclass
class Cluster:
    """New accounts sharing one thing: `kind` is "address" (IPv6: a /64), "network" (IPv4 /24, IPv6 /48),
    "email_domain", "invite" or "hour"; `key` names it."""

    kind: str
    key: str
    size: int
    members: list[Member]
    detail: str = ""  # e.g. who made the invite
    hour: datetime | None = None  # for "hour" clusters


@dataclass
class Ring:
    size: int
    members: list[Member]
    inside_follows: int  # follows from one member to another
    all_follows: int  # all follows the members made


@dataclass
class Burst:
    """One hashtag or link (`kind` "hashtag" or "link") used by `accounts` distinct accounts within `hour`."""

    kind: str
    value: str
    hour: datetime
    accounts: int
    posts: int
    new_accounts: int  # of those accounts, how many were created in the window


@dataclass
class WavesReport:
    since: datetime
    until: datetime
    hours: int
    per_hour: list[tuple[datetime, int]]
    total_new: int
    accounts_read: int
    accounts_truncated: bool
    addresses: list[Cluster] = field(default_factory=list)
    networks: list[Cluster] = field(default_factory=list)
    email_domains: list[Cluster] = field(default_factory=list)
    invites: list[Cluster] = field(default_factory=list)
    busy_hours: list[Cluster] = field(default_factory=list)
    rings: list[Ring] = field(default_factory=list)
    hashtag_bursts: list[Burst] = field(default_factory=list)
    link_bursts: list[Burst] = field(default_factory=list)
    posts_truncated: bool = False


def waves_report(user: User, *, hours: int = DEFAULT_HOURS, now: datetime | None = None) -> WavesReport:
    """Everything the waves page shows for the last `hours` (1 to a week). Moderators only."""
    check_moderator(user)
    hours = max(1, min(int(hours), MAX_HOURS))
    this_hour = (now or timezone.now()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    until = this_hour + timedelta(hours=1)  # whole hours, the current one included
    since = until - timedelta(hours=hours)
    per_hour = new_accounts_per_hour(since, until)
    rows, truncated = _new_accounts(since)
    members = {row["id"]: _member(row) for row in rows}
    report = WavesReport(
        since=since,
        until=until,
        hours=hours,
        per_hour=per_hour,
        total_new=sum(count for _, count in per_hour),
        accounts_read=len(rows),
        accounts_truncated=truncated,
    )
    report.addresses, report.networks = _address_clusters(rows, members)
    report.email_domains = _email_domain_clusters(rows, members)
    report.invites = _invite_clusters(rows, members)
    report.busy_hours = _hour_clusters(per_hour, rows, members)
    report.rings = follow_rings(since, members)
    report.hashtag_bursts, tags_truncated = hashtag_bursts(since, set(members))
    report.link_bursts, links_truncated = link_bursts(since, set(members))
    report.posts_truncated = tags_truncated or links_truncated
    return report


def _new_local_accounts(since: datetime):
    # The id bound lets the primary key index find the window; created_at keeps the answer exact. Only people
    # sign up: the server's own actors (a campaign's) have no user.
    return Account.objects.filter(
        domain="", id__gte=lowest_id_at(since), created_at__gte=since, user__isnull=False
    )


def new_accounts_per_hour(since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """(hour, new local accounts) for every hour from `since` to `until`, empty hours included."""
    counts = {
        row["hour"].astimezone(UTC): row["n"]
        for row in _new_local_accounts(since)
        .filter(created_at__lt=until)
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by()
    }
    hours, moment = [], since
    while moment < until:
        hours.append((moment, counts.get(moment, 0)))
        moment += timedelta(hours=1)
    return hours


def _new_accounts(since: datetime) -> tuple[list[dict], bool]:
    rows = list(
        _new_local_accounts(since)
        .order_by("-id")
        .values(
            "id",
            "username",
            "created_at",
            "suspended_at",
            "user__email",
            "user__sign_up_ip",
            "user__sign_up_network",
            "user__invite_id",
            "user__invite__code",
            "user__invite__created_by__username",
        )[: MAX_NEW_ACCOUNTS + 1]
    )
    return rows[:MAX_NEW_ACCOUNTS], len(rows) > MAX_NEW_ACCOUNTS


def _member(row: dict) -> Member:
    return Member(
        id=row["id"],
        username=row["username"],
        profile_path=f"/@{row['username']}",
        created_at=row["created_at"],
        suspended=row["suspended_at"] is not None,
    )


def _clusters(
    kind: str, groups: dict[str, list[int]], members: dict[int, Member], details=None
) -> list[Cluster]:
    found = [
        Cluster(
            kind=kind,
            key=key,
            size=len(ids),
            members=[members[i] for i in ids[:MAX_MEMBERS]],
            detail=(details or {}).get(key, ""),
        )
        for key, ids in groups.items()
        if len(ids) >= MIN_CLUSTER
    ]
    found.sort(key=lambda cluster: (-cluster.size, cluster.key))
    return found[:MAX_GROUPS]


def _address_clusters(rows: list[dict], members: dict[int, Member]) -> tuple[list[Cluster], list[Cluster]]:
    """Accounts signed up from one address, and from one network; a network whose accounts all came from one
    address says nothing the address cluster does not, and is left out."""
    addresses: dict[str, list[int]] = defaultdict(list)
    networks: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ip = row["user__sign_up_ip"]
        if ip:
            # Stored addresses are canonical: an IPv4 one is its own key, and parsing 5,000 costs ~40 ms.
            addresses[address_key(ip) if ":" in ip else ip].append(row["id"])
        if row["user__sign_up_network"]:
            networks[row["user__sign_up_network"]].append(row["id"])
    by_address = {tuple(ids) for ids in addresses.values()}
    networks = {key: ids for key, ids in networks.items() if tuple(ids) not in by_address}
    return _clusters("address", addresses, members), _clusters("network", networks, members)


def _email_domain_clusters(rows: list[dict], members: dict[int, Member]) -> list[Cluster]:
    groups: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        email = (row["user__email"] or "").strip().lower()
        if "@" in email:
            groups[email.rsplit("@", 1)[1]].append(row["id"])
    return _clusters("email_domain", groups, members)


def _invite_clusters(rows: list[dict], members: dict[int, Member]) -> list[Cluster]:
    groups: dict[str, list[int]] = defaultdict(list)
    makers: dict[str, str] = {}
    for row in rows:
        if row["user__invite_id"] is not None:
            code = row["user__invite__code"]
            groups[code].append(row["id"])
            makers[code] = row["user__invite__created_by__username"] or ""
    return _clusters("invite", groups, members, makers)


def _hour_clusters(
    per_hour: list[tuple[datetime, int]], rows: list[dict], members: dict[int, Member]
) -> list[Cluster]:
    """Hours with far more sign-ups than usual for the window (several times the median hour)."""
    threshold = max(MIN_CLUSTER, HOUR_SPIKE * statistics.median(count for _, count in per_hour))
    busy = {hour for hour, count in per_hour if count >= threshold}
    groups: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        hour = row["created_at"].astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        if hour in busy:
            groups[hour.isoformat()].append(row["id"])
    clusters = _clusters("hour", groups, members)
    counts = dict(per_hour)
    for cluster in clusters:  # the size is the hour's full count, even when not all its rows were read
        cluster.hour = datetime.fromisoformat(cluster.key)
        cluster.size = max(cluster.size, counts.get(cluster.hour, 0))
    return clusters


def follow_rings(since: datetime, members: dict[int, Member]) -> list[Ring]:
    """Groups of new accounts whose follows go mostly to each other: each member sends at least
    `RING_SHARE` of its follows (and two or more) to other new accounts, and the members are linked by such
    follows. One bounded query; the grouping is done in memory."""
    if not members:
        return []
    newest = sorted(members, reverse=True)
    follows = list(
        Follow.objects.filter(account_id__gte=newest[-1], account__domain="", account__created_at__gte=since)
        .order_by()
        .values_list("account_id", "target_account_id")[:MAX_FOLLOWS]
    )
    total: dict[int, int] = defaultdict(int)
    inside: dict[int, list[int]] = defaultdict(list)
    for follower, target in follows:
        if follower not in members:
            continue
        total[follower] += 1
        if target in members and target != follower:
            inside[follower].append(target)
    ringers = {
        account
        for account, targets in inside.items()
        if len(targets) >= 2 and len(targets) >= RING_SHARE * total[account]
    }
    # Links between ringers either way; an account tied to fewer than two others is peeled off (again until
    # none is), so a newcomer who happens to follow one member of a ring is not counted in it.
    links: dict[int, set[int]] = {account: set() for account in ringers}
    for account in ringers:
        for target in inside[account]:
            if target in ringers:
                links[account].add(target)
                links[target].add(account)
    loose = [account for account, near in links.items() if len(near) < 2]
    while loose:
        account = loose.pop()
        if account not in ringers:
            continue
        ringers.discard(account)
        for other in links.pop(account):
            links[other].discard(account)
            if other in ringers and len(links[other]) < 2:
                loose.append(other)
    parent = {account: account for account in ringers}

    def root(account: int) -> int:
        while parent[account] != account:
            parent[account] = parent[parent[account]]
            account = parent[account]
        return account

    for account in ringers:
        for other in links[account]:
            parent[root(account)] = root(other)
    groups: dict[int, list[int]] = defaultdict(list)
    for account in ringers:
        groups[root(account)].append(account)
    rings = []
    for ids in groups.values():
        if len(ids) < MIN_CLUSTER:
            continue
        ids.sort(reverse=True)
        group = set(ids)
        rings.append(
            Ring(
                size=len(ids),
                members=[members[i] for i in ids[:MAX_MEMBERS]],
                inside_follows=sum(1 for i in ids for target in inside[i] if target in group),
                all_follows=sum(total[i] for i in ids),
            )
        )
    rings.sort(key=lambda ring: (-ring.size, -ring.inside_follows))
    return rings[:MAX_GROUPS]


def _bursts(kind: str, uses: list[tuple[str, int, int, datetime]], new_ids: set[int]) -> list[Burst]:
    """`uses` are (value, post id, account id, post time); a burst is a value used by at least MIN_CLUSTER
    accounts within one hour."""
    accounts: dict[tuple[str, datetime], set[int]] = defaultdict(set)
    posts: dict[tuple[str, datetime], set[int]] = defaultdict(set)
    for value, post_id, account_id, created_at in uses:
        hour = created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        accounts[value, hour].add(account_id)
        posts[value, hour].add(post_id)
    found = [
        Burst(
            kind=kind,
            value=value,
            hour=hour,
            accounts=len(who),
            posts=len(posts[value, hour]),
            new_accounts=len(who & new_ids),
        )
        for (value, hour), who in accounts.items()
        if len(who) >= MIN_CLUSTER
    ]
    found.sort(key=lambda burst: (-burst.accounts, -burst.posts, burst.value))
    return found[:MAX_GROUPS]


def hashtag_bursts(since: datetime, new_ids: set[int]) -> tuple[list[Burst], bool]:
    """Hashtags used by many distinct accounts within one hour, from the newest uses of the window."""
    rows = list(
        PostTag.objects.filter(
            post_id__gte=lowest_id_at(since), post__created_at__gte=since, post__visibility__in=PUBLIC
        )
        .order_by("-post_id")
        .values_list("tag__name", "post_id", "post__account_id", "post__created_at")[: MAX_POST_TAGS + 1]
    )
    return _bursts("hashtag", rows[:MAX_POST_TAGS], new_ids), len(rows) > MAX_POST_TAGS


def post_links(content: str) -> list[str]:
    """The links a post's HTML carries, without mentions and hashtags (their anchors have the class
    "mention", locally and on Mastodon); each link once, its fragment dropped."""
    links = []
    for anchor in _ANCHOR.findall(content or ""):
        classes = _CLASS.search(anchor)
        if classes and "mention" in classes.group(1).split():
            continue
        href = _HREF.search(anchor)
        if href:
            link = href.group(1).split("#", 1)[0]
            if link not in links:
                links.append(link)
    return links


def link_bursts(since: datetime, new_ids: set[int]) -> tuple[list[Burst], bool]:
    """Links posted by many distinct accounts within one hour, from the newest posts of the window
    (boosts left out: they carry no text of their own)."""
    rows = list(
        Post.objects.filter(
            id__gte=lowest_id_at(since), created_at__gte=since, reblog_of__isnull=True, visibility__in=PUBLIC
        )
        .filter(content__icontains="href")
        .order_by("-id")
        .values_list("id", "account_id", "created_at", "content")[: MAX_POSTS + 1]
    )
    uses = [
        (link, post_id, account_id, created_at)
        for post_id, account_id, created_at, content in rows[:MAX_POSTS]
        for link in post_links(content)
    ]
    return _bursts("link", uses, new_ids), len(rows) > MAX_POSTS
