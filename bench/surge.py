"""Benchmark: a migration surge. Sign-ups pour in through the API while active accounts post and read.

    python bench/surge.py                                   # SQLite, 10 minutes, full size (see below)
    python bench/surge.py --scale 0.1 --minutes 1           # a quick run: everything a tenth, one minute
    python bench/surge.py --postgres --redis                # PostgreSQL (fresh database) and Redis
    python bench/surge.py --workers 2                       # two web processes (embedded worker in each)
    python bench/surge.py --postgres --redis --separate-workers 2   # serve --no-worker + 2 `caravan worker`

Full size (`--scale 1`): 5,000 sign-ups per 10 minutes through `POST /api/v1/accounts` (one app, one
client-credentials token) while 500 active accounts each post once a minute (10% with a PNG uploaded through
`POST /api/v2/media` first) and read `GET /api/v1/timelines/home?limit=40` every 10 s. `--scale` multiplies the
accounts, the sign-up rate and the follow graph; the per-account rates stay.

Two fresh servers on loopback: A (the one measured: `caravan serve` on 127.0.0.2, SQLite in bench/out/ or a
PostgreSQL database it creates and drops) and B (127.0.0.3, federating with A as tests/federation/harness.py
does) where some followers of A's accounts live. Set-up (not timed) goes through the API too: the active
accounts sign up, follow each other (each follows 50 at random, and half of them follow each of the few
popular accounts), B's accounts follow A's popular accounts and a few others, and every active account posts
once so home timelines are not empty.

The load is open-loop: each request starts at its scheduled time whether or not earlier ones have answered,
and its latency runs from that scheduled time, so a server that falls behind shows as growing latency rather
than as a slower schedule. Lag: for a sample of posts, the home timelines of up to three of the author's local
followers are polled until the post is in all of them (local fan-out lag), and the home timeline of one
follower on B until the post arrives there (delivery lag), both from the moment the post's request answered.

Prints, per request kind: count, achieved vs scheduled rate, p50/p99/max and errors (with a few example
bodies); the lags; the peak RSS of every server process; CPU seconds per process group (A's web processes and
workers, B, PostgreSQL, Redis, this driver, everything else on the machine); load average; whether the schedule
was kept. The servers use CARAVAN_FAST_PASSWORD_HASHER=1 (Argon2 would add ~50 ms of CPU per sign-up).
Results also go to bench/out/surge-<database>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

BENCH_DIR = Path(__file__).resolve().parent
OUT = BENCH_DIR / "out"
CARAVAN = str(Path(sys.executable).with_name("caravan"))
PG_ADMIN = "host=127.0.0.1 port=5432 user=root dbname=postgres"
PASSWORD = "surge benchmark password 7"  # noqa: S105 - throwaway accounts on throwaway servers
SCOPES = "read write follow"
WORDS = [
    "river",
    "lantern",
    "harbour",
    "meadow",
    "copper",
    "thistle",
    "orbit",
    "ember",
    "willow",
    "signal",
    "basalt",
    "cinder",
    "juniper",
    "quarry",
    "ripple",
    "saffron",
    "tundra",
    "velvet",
    "yonder",
    "zephyr",
    "marble",
    "pepper",
    "garnet",
]
LAG_TIMEOUT = 120.0  # seconds a sampled post is waited for before it counts as not arrived
LAG_POLL = 0.25


# --- servers -------------------------------------------------------------------------------------------


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pg_database(name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Server:
    """One Caravan server (its `caravan serve` and, optionally, separate `caravan worker` processes)."""

    name: str
    host: str
    data_dir: Path
    env: dict[str, str]
    web_workers: int = 1
    separate_workers: int = 0
    database: str = ""  # PostgreSQL database name, dropped on close
    port: int = 0
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 240) -> None:
        self.port = free_port(self.host)
        self.env["CARAVAN_BASE_URL"] = self.base
        self.data_dir.mkdir(parents=True, exist_ok=True)
        serve = [CARAVAN, "serve", "--host", self.host, "--port", str(self.port)]
        serve += ["--workers", str(self.web_workers)]
        if self.separate_workers:
            serve.append("--no-worker")
        self._spawn(serve, "serve")
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self.processes[0].poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server {self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.3)
        for index in range(self.separate_workers):  # after serve has migrated the database
            self._spawn([CARAVAN, "worker"], f"worker{index}")

    def _spawn(self, command: list[str], label: str) -> None:
        log = (self.data_dir / f"{label}.log").open("ab")
        process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes.append(process)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/health", timeout=2) as response:  # noqa: S310 - loopback
                return response.status == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        texts = [p.read_text(errors="replace") for p in sorted(self.data_dir.glob("*.log"))]
        return "\n".join("\n".join(texts).splitlines()[-lines:])

    def log_errors(self) -> tuple[int, list[str]]:
        """Tracebacks and ERROR lines the server processes logged (count, a few first lines with context)."""
        count, examples = 0, []
        for path in sorted(self.data_dir.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            for index, line in enumerate(lines):
                if line.startswith("Traceback") or " ERROR " in line or line.startswith("ERROR"):
                    count += 1
                    if len(examples) < 3:
                        tail = [x for x in lines[index : index + 40] if x and not x.startswith(" ")]
                        examples.append(
                            f"{path.name}: {line.strip()[:200]} ... {' | '.join(tail[-2:])[:300]}"
                        )
        return count, examples

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.database:
            with contextlib.suppress(Exception):
                pg_database(self.database, create=False)


# --- the processes' memory and CPU ---------------------------------------------------------------------


def all_processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds) for every process this user can read."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / ticks)
    return found


def tree(root: int, processes: dict[int, tuple[int, str, float]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


class Monitor:
    """Samples the servers' process trees (peak RSS per process) and the load average every `interval` s;
    and the CPU time of every process at start and end, grouped by what it is."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.peak: dict[int, float] = {}
        self.labels: dict[int, str] = {}
        self.load: list[float] = []
        self.cpu_start: dict[int, tuple[int, str, float]] = {}
        self.cpu_end: dict[int, tuple[int, str, float]] = {}
        self.cpu_seen: dict[int, tuple[int, str, float]] = {}
        self.owners: dict[int, str] = {}

    def _group_of(self, pid: int, comm: str) -> str:
        if pid == os.getpid():
            return "driver (this script)"
        if pid in self.owners:
            return self.owners[pid]
        if comm.startswith("postgres") or comm == "postmaster":
            return "PostgreSQL (all databases)"
        if comm.startswith("redis"):
            return "Redis"
        return "everything else on the machine"

    def sample(self) -> dict[int, tuple[int, str, float]]:
        processes = all_processes()
        for server in self.servers:
            for root in server.processes:
                kind = "worker" if root.args[1] == "worker" else "web"
                for pid in tree(root.pid, processes):
                    label = f"{server.name} {kind}" + (
                        " (parent)" if pid == root.pid and kind == "web" else ""
                    )
                    self.labels.setdefault(pid, label)
                    self.owners[pid] = f"{server.name} {kind}"
                    size = rss_mb(pid)
                    if size is not None:
                        self.peak[pid] = max(self.peak.get(pid, 0.0), size)
        for pid, info in processes.items():  # CPU of processes that end before the last sample still counts
            self.cpu_seen[pid] = info
        self.load.append(os.getloadavg()[0])
        return processes

    def start(self) -> None:
        self.cpu_start = self.sample()
        self.started = time.monotonic()

    def stop(self) -> None:
        self.cpu_end = self.sample()
        self.seconds = time.monotonic() - self.started

    def cpu_by_group(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        for pid, (_, comm, cpu) in self.cpu_seen.items():
            before = self.cpu_start.get(pid)
            used = cpu - (before[2] if before and before[1] == comm else 0.0)
            group = self._group_of(pid, comm)
            groups[group] = groups.get(group, 0.0) + max(0.0, used)
        return dict(sorted(groups.items(), key=lambda item: -item[1]))

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        while not stop.is_set():
            self.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


# --- the API client ------------------------------------------------------------------------------------


@dataclass
class Kind:
    """The figures of one kind of request."""

    name: str
    scheduled: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, ok answers, from the scheduled time
    statuses: dict[str, int] = field(default_factory=dict)  # non-2xx statuses and exception names
    examples: list[str] = field(default_factory=list)
    late_starts: list[float] = field(default_factory=list)  # how late the driver sent it (its own lag)

    def error(self, what: str, example: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1
        if len(self.examples) < 3:
            self.examples.append(f"{what}: {example[:300]}")


class HttpError(Exception):
    pass


class Client:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        kind: Kind | None = None,
        since: float | None = None,
        **kwargs,
    ):
        """One request; returns its JSON. Counts it in `kind` (latency from `since`, the scheduled time) and
        raises HttpError for answers outside 2xx and for failed connections."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        since = time.monotonic() if since is None else since
        try:
            async with self.session.request(method, self.base + path, headers=headers, **kwargs) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    if kind:
                        kind.error(str(response.status), body.decode(errors="replace"))
                    raise HttpError(f"{method} {path}: {response.status} {body[:300]!r}")
        except (aiohttp.ClientError, TimeoutError) as error:
            if kind:
                kind.error(type(error).__name__, str(error))
            raise HttpError(f"{method} {path}: {type(error).__name__} {error}") from error
        if kind:
            kind.latencies.append(time.monotonic() - since)
        return json.loads(body) if body else None


async def bounded(items, worker, concurrency: int = 8) -> list:
    """Run `worker(item)` for every item, `concurrency` at a time; results in order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(item):
        async with semaphore:
            return await worker(item)

    return await asyncio.gather(*(one(item) for item in items))


async def app_token(client: Client) -> str:
    app = await client.call(
        "POST",
        "/api/v1/apps",
        json={"client_name": "surge", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": SCOPES},
    )
    token = await client.call(
        "POST",
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": SCOPES,
        },
    )
    return token["access_token"]


def sign_up_form(username: str) -> dict:
    return {
        "username": username,
        "email": f"{username}@surge.example",
        "password": PASSWORD,
        "agreement": True,
        "locale": "en",
    }


@dataclass
class Person:
    username: str
    token: str
    id: str = ""  # on its own server
    followers: list[int] = field(default_factory=list)  # indexes of local followers (A's active accounts)
    remote_followers: list[int] = field(default_factory=list)  # indexes of B's accounts


async def sign_up(client: Client, app: str, usernames: list[str]) -> list[Person]:
    async def one(username: str) -> Person:
        token = (await client.call("POST", "/api/v1/accounts", app, json=sign_up_form(username)))[
            "access_token"
        ]
        me = await client.call("GET", "/api/v1/accounts/verify_credentials", token)
        return Person(username, token, me["id"])

    return await bounded(usernames, one)


def png(seed: int) -> bytes:
    """A small, slightly different photo-like PNG each time (noise compresses badly, as photos do)."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.effect_noise((320, 240), 40 + seed % 30).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, tuple(rng.randrange(256) for _ in range(3))), 0.5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- the benchmark -------------------------------------------------------------------------------------


@dataclass
class Plan:
    active: int
    follows: int  # random accounts each active account follows
    popular: int  # accounts that half of the others follow
    remote: int  # accounts on B
    remote_follows: int  # random active accounts each of B's follows (besides the popular ones)
    sign_ups_per_minute: float
    minutes: float
    lag_sample: int  # every Nth post has its lag measured

    @classmethod
    def scaled(cls, scale: float, minutes: float) -> Plan:
        active = max(10, round(500 * scale))
        return cls(
            active=active,
            follows=min(active - 1, max(3, round(50 * scale))),
            popular=max(2, active // 100),
            remote=max(3, round(50 * scale)),
            remote_follows=max(2, round(10 * scale)),
            sign_ups_per_minute=500 * scale,
            minutes=minutes,
            lag_sample=max(1, round(10 * scale)),
        )


async def set_up(a: Client, b: Client, plan: Plan, rng: random.Random) -> tuple[list[Person], list[Person]]:
    began = time.monotonic()
    a_app, b_app = await app_token(a), await app_token(b)
    active = await sign_up(a, a_app, [f"active{i}" for i in range(plan.active)])
    remote = await sign_up(b, b_app, [f"remote{i}" for i in range(plan.remote)])
    pairs = set()
    for i in range(plan.active):
        others = [j for j in range(plan.active) if j != i]
        pairs.update((i, j) for j in rng.sample(others, plan.follows))
        pairs.update((i, j) for j in range(plan.popular) if j != i and rng.random() < 0.5)
    for follower, followed in sorted(pairs):
        active[followed].followers.append(follower)

    async def follow(pair: tuple[int, int]) -> None:
        follower, followed = pair
        await a.call("POST", f"/api/v1/accounts/{active[followed].id}/follow", active[follower].token)

    await bounded(sorted(pairs), follow)
    print(f"set-up: {plan.active} accounts on A, {len(pairs)} follows among them", flush=True)

    # B's accounts find A's accounts through B (WebFinger and the actor fetched from A), then follow them.
    wanted = sorted(
        {(r, j) for r in range(plan.remote) for j in range(plan.popular)}
        | {(r, j) for r in range(plan.remote) for j in rng.sample(range(plan.active), plan.remote_follows)}
    )
    on_b: dict[int, str] = {}

    async def resolve(j: int) -> None:
        handle = f"@{active[j].username}@{a.base.split('//')[1]}"
        for _ in range(3):  # a fetch that timed out (see the concurrency below) is tried again
            found = await b.call(
                "GET",
                "/api/v2/search",
                remote[0].token,
                params={"q": handle, "resolve": "true", "type": "accounts"},
            )
            if found["accounts"]:
                on_b[j] = found["accounts"][0]["id"]
                return
        raise SystemExit(f"B could not resolve {handle}: {found}")

    # Two at a time: B's resolving search holds one of its request threads while A, checking the signature of
    # B's fetch, fetches B's key from B; with all of B's threads (8) searching, that fetch times out.
    await bounded(sorted({j for _, j in wanted}), resolve, concurrency=2)

    async def remote_follow(pair: tuple[int, int]) -> None:
        r, j = pair
        await b.call("POST", f"/api/v1/accounts/{on_b[j]}/follow", remote[r].token)
        active[j].remote_followers.append(r)

    await bounded(wanted, remote_follow)
    deadline = time.monotonic() + 120
    for r, person in enumerate(remote):  # the follows count once A has accepted them
        ids = [on_b[j] for rr, j in wanted if rr == r]
        while True:
            found = await b.call(
                "GET", "/api/v1/accounts/relationships", person.token, params=[("id[]", i) for i in ids]
            )
            if all(x["following"] for x in found):
                break
            if time.monotonic() > deadline:
                raise SystemExit("B's follows of A's accounts were not accepted within 120 s")
            await asyncio.sleep(0.5)
    print(
        f"set-up: {plan.remote} accounts on B, {len(wanted)} follows of A's accounts (accepted)", flush=True
    )

    async def first_post(person: Person) -> None:
        await a.call(
            "POST", "/api/v1/statuses", person.token, json={"status": f"Hello from {person.username}"}
        )

    await bounded(active, first_post)
    await asyncio.sleep(5)  # let the fan-out of the first posts settle before the clock starts
    print(f"set-up: one post each; set-up took {time.monotonic() - began:.0f} s", flush=True)
    return active, remote


class Load:
    """The open-loop load phase and its lag probes."""

    def __init__(
        self, a: Client, b: Client, plan: Plan, active: list[Person], remote: list[Person], app: str
    ) -> None:
        self.a, self.b, self.plan = a, b, plan
        self.active, self.remote, self.app = active, remote, app
        self.kinds = {
            name: Kind(name)
            for name in ("sign-up", "home timeline", "post", "media upload", "post with image")
        }
        self.lag_polls = Kind("lag polls (not scheduled)")
        self.local_lag: list[tuple[float, float]] = []  # (when posted, seconds)
        self.remote_lag: list[tuple[float, float]] = []
        self.lag_missed = {"local": 0, "remote": 0}
        self.posts = 0
        self.pngs = [png(i) for i in range(8)]
        self.tasks: set[asyncio.Task] = set()
        self.probes: set[asyncio.Task] = set()

    def schedule(self, rng: random.Random) -> list[tuple[float, str, int]]:
        seconds = self.plan.minutes * 60
        events = []
        sign_ups = round(self.plan.sign_ups_per_minute * self.plan.minutes)
        events += [(k * seconds / sign_ups, "sign-up", k) for k in range(sign_ups)]
        for i in range(self.plan.active):
            offset = rng.uniform(0, 60)
            events += [(offset + m * 60, "post", i) for m in range(int(seconds // 60) + 1)]
            offset = rng.uniform(0, 10)
            events += [(offset + m * 10, "home timeline", i) for m in range(int(seconds // 10) + 1)]
        return sorted(e for e in events if e[0] < seconds)

    async def run(self, rng: random.Random) -> dict:
        events = self.schedule(rng)
        for _, name, _ in events:
            self.kinds["post" if name == "post" else name].scheduled += 1
        images = 0
        t0 = time.monotonic()
        for at, name, index in events:
            delay = t0 + at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = self.kinds[name]
            kind.late_starts.append(max(0.0, time.monotonic() - (t0 + at)))
            if name == "sign-up":
                work = self.sign_up(index, t0 + at)
            elif name == "home timeline":
                work = self.read_home(index, t0 + at)
            else:
                with_image = rng.random() < 0.1
                images += with_image
                work = self.post(index, t0 + at, with_image)
            task = asyncio.create_task(work)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        schedule_end = time.monotonic()
        in_flight = len(self.tasks)
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=120)
        drained = time.monotonic() - schedule_end
        if self.probes:
            await asyncio.wait(set(self.probes), timeout=LAG_TIMEOUT + 10)
        for task in self.tasks | self.probes:
            task.cancel()
        self.kinds["media upload"].scheduled = self.kinds["post with image"].scheduled = images
        self.kinds["post"].scheduled -= images
        return {
            "seconds": self.plan.minutes * 60,
            "in_flight_at_end": in_flight,
            "drained_after_s": drained,
        }

    async def sign_up(self, k: int, at: float) -> None:
        with contextlib.suppress(HttpError):
            await self.a.call(
                "POST",
                "/api/v1/accounts",
                self.app,
                self.kinds["sign-up"],
                at,
                json=sign_up_form(f"new{k}"),
            )

    async def read_home(self, i: int, at: float) -> None:
        with contextlib.suppress(HttpError):
            await self.a.call(
                "GET",
                "/api/v1/timelines/home",
                self.active[i].token,
                self.kinds["home timeline"],
                at,
                params={"limit": "40"},
            )

    async def post(self, i: int, at: float, with_image: bool) -> None:
        person = self.active[i]
        self.posts += 1
        n = self.posts
        words = " ".join(random.choice(WORDS) for _ in range(12))
        body: dict = {"status": f"{person.username} post {n}: {words}", "visibility": "public"}
        try:
            if with_image:
                form = aiohttp.FormData()
                form.add_field(
                    "file", self.pngs[n % len(self.pngs)], filename="photo.png", content_type="image/png"
                )
                form.add_field("description", "noise")
                media = await self.a.call(
                    "POST", "/api/v2/media", person.token, self.kinds["media upload"], at, data=form
                )
                body["media_ids"] = [media["id"]]
                at = time.monotonic()
                kind = self.kinds["post with image"]
            else:
                kind = self.kinds["post"]
            status = await self.a.call("POST", "/api/v1/statuses", person.token, kind, at, json=body)
        except HttpError:
            return
        if n % self.plan.lag_sample == 0:
            posted = time.monotonic()
            for probe in (
                self.probe_local(person, status, posted),
                self.probe_remote(person, status, posted),
            ):
                task = asyncio.create_task(probe)
                self.probes.add(task)
                task.add_done_callback(self.probes.discard)

    async def _until_in_home(self, client: Client, token: str, match, posted: float) -> float | None:
        deadline = posted + LAG_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(HttpError):
                page = await client.call(
                    "GET", "/api/v1/timelines/home", token, self.lag_polls, params={"limit": "20"}
                )
                if any(match(status) for status in page):
                    return time.monotonic() - posted
            await asyncio.sleep(LAG_POLL)
        return None

    async def probe_local(self, author: Person, status: dict, posted: float) -> None:
        followers = random.sample(author.followers, min(3, len(author.followers)))
        if not followers:
            return
        lags = await asyncio.gather(
            *(
                self._until_in_home(self.a, self.active[f].token, lambda s: s["id"] == status["id"], posted)
                for f in followers
            )
        )
        if any(lag is None for lag in lags):
            self.lag_missed["local"] += 1
        else:
            self.local_lag.append((posted, max(lags)))

    async def probe_remote(self, author: Person, status: dict, posted: float) -> None:
        if not author.remote_followers:
            return
        reader = self.remote[random.choice(author.remote_followers)]
        lag = await self._until_in_home(self.b, reader.token, lambda s: s["uri"] == status["uri"], posted)
        if lag is None:
            self.lag_missed["remote"] += 1
        else:
            self.remote_lag.append((posted, lag))


# --- the report ----------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.0f}"


def report(
    args, plan: Plan, load: Load, run: dict, monitor: Monitor, a: Server, b: Server, vendor: str
) -> dict:
    seconds = run["seconds"]
    cores = os.cpu_count() or 1
    print()
    print(
        f"=== surge on {vendor}{' + Redis' if args.redis else ''}: {plan.active} active accounts, "
        f"{plan.sign_ups_per_minute:.0f} sign-ups/min, {plan.minutes:g} min (--scale {args.scale:g}); "
        f"A = caravan serve --workers {args.workers}"
        + (f" --no-worker + {args.separate_workers} caravan worker" if args.separate_workers else "")
    )
    print(
        "    passwords: CARAVAN_FAST_PASSWORD_HASHER=1 (a cheap hash instead of Argon2, which costs ~50 ms of "
        "CPU per sign-up: real sign-ups would cost that much more server CPU)"
    )
    print()
    print(
        f"{'request':<26}{'count':>7}{'ok/s':>8}{'sched/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
    )
    kinds = {}
    for kind in [*load.kinds.values(), load.lag_polls]:
        errors = sum(kind.statuses.values())
        count = len(kind.latencies) + errors
        sched = kind.scheduled / seconds if kind.scheduled else float("nan")
        print(
            f"{kind.name:<26}{count:>7}{len(kind.latencies) / seconds:>8.2f}"
            f"{'-' if sched != sched else f'{sched:.2f}':>9}"
            f"{ms(percentile(kind.latencies, 0.5)):>9}{ms(percentile(kind.latencies, 0.99)):>9}"
            f"{ms(max(kind.latencies, default=float('nan'))):>9}{errors:>8}"
        )
        kinds[kind.name] = {
            "scheduled": kind.scheduled,
            "ok": len(kind.latencies),
            "p50_ms": percentile(kind.latencies, 0.5) * 1000,
            "p99_ms": percentile(kind.latencies, 0.99) * 1000,
            "max_ms": max(kind.latencies, default=float("nan")) * 1000,
            "errors": kind.statuses,
            "examples": kind.examples,
        }
    print("(latency from the scheduled start; 'post with image' from the media upload's answer)")
    for kind in [*load.kinds.values(), load.lag_polls]:
        for example in kind.examples:
            print(f"  error, {kind.name}: {example}")

    print()
    half = seconds / 2
    for where, lags, missed in (
        ("local fan-out (slowest of up to 3 followers' home)", load.local_lag, load.lag_missed["local"]),
        ("delivery to B (a follower's home on B)", load.remote_lag, load.lag_missed["remote"]),
    ):
        values = [lag for _, lag in lags]
        t0 = min((t for t, _ in lags), default=0)
        late = [lag for t, lag in lags if t - t0 >= half]
        print(
            f"lag, {where}: {len(values)} posts, p50 {ms(percentile(values, 0.5))} ms, "
            f"p99 {ms(percentile(values, 0.99))} ms, max {ms(max(values, default=float('nan')))} ms; "
            f"second half p50 {ms(percentile(late, 0.5))} ms; not there after {LAG_TIMEOUT:.0f} s: {missed}"
        )
    print("(lag from the post's answer; includes up to one poll interval, 0.25 s)")

    print()
    memory = []
    for pid, peak in sorted(monitor.peak.items(), key=lambda item: monitor.labels[item[0]]):
        memory.append({"process": monitor.labels[pid], "pid": pid, "peak_rss_mb": round(peak, 1)})
    a_total = sum(m["peak_rss_mb"] for m in memory if m["process"].startswith("A"))
    print(
        "peak RSS per process: "
        + ", ".join(f"{m['process']} {m['peak_rss_mb']:.0f} MB" for m in memory)
        + f" (A's processes together at most {a_total:.0f} MB)"
    )
    cpu = monitor.cpu_by_group()
    busy = sum(cpu.values())
    print(
        f"CPU over {monitor.seconds:.0f} s ({cores} cores = {cores * monitor.seconds:.0f} core-s available, "
        f"{busy:.0f} used): "
        + ", ".join(
            f"{group} {used:.0f} s ({used / monitor.seconds * 100:.0f}% of a core)"
            for group, used in cpu.items()
        )
    )
    driver_cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"load average (1 min) during the load: min {min(monitor.load):.1f}, max {max(monitor.load):.1f}; "
        f"driver CPU in all {driver_cpu.ru_utime + driver_cpu.ru_stime:.0f} s"
    )

    late_p99 = max(percentile(k.late_starts, 0.99) for k in load.kinds.values() if k.late_starts)
    slow = {
        k.name: percentile(k.latencies, 0.99)
        for k in load.kinds.values()
        if k.latencies and percentile(k.latencies, 0.99) > 1.0
    }
    failed = sum(sum(k.statuses.values()) for k in load.kinds.values())
    kept = not slow and late_p99 < 0.1 and run["drained_after_s"] < 5 and not failed
    print()
    print(
        f"schedule: driver sent requests late by p99 {late_p99 * 1000:.0f} ms; {run['in_flight_at_end']} "
        f"requests in flight when the schedule ended, all answered {run['drained_after_s']:.1f} s later"
    )
    if kept:
        print(
            "schedule KEPT: every kind answered within 1 s at p99 and nothing failed: not saturated at this load"
        )
    else:
        reasons = [f"{name} p99 {value:.1f} s" for name, value in slow.items()]
        if late_p99 >= 0.1:
            reasons.append("the driver itself fell behind")
        if run["drained_after_s"] >= 5:
            reasons.append(f"a backlog took {run['drained_after_s']:.0f} s to drain")
        if failed:
            reasons.append(f"{failed} requests failed")
        print("schedule NOT KEPT (saturated or failing): " + "; ".join(reasons))
    log_errors = {}
    for server in (a, b):
        count, examples = server.log_errors()
        log_errors[server.name] = {"count": count, "examples": examples}
        if count:
            print(f"server {server.name} logged {count} errors, e.g.:")
            for example in examples:
                print(f"  {example}")
    return {
        "database": vendor,
        "redis": args.redis,
        "workers": args.workers,
        "separate_workers": args.separate_workers,
        "scale": args.scale,
        "plan": plan.__dict__,
        "kinds": kinds,
        "local_lag_s": [lag for _, lag in load.local_lag],
        "remote_lag_s": [lag for _, lag in load.remote_lag],
        "lag_missed": load.lag_missed,
        "memory": memory,
        "cpu_s": cpu,
        "load_average": [min(monitor.load), max(monitor.load)],
        "schedule_kept": kept,
        "run": run,
        "server_log_errors": log_errors,
    }


async def main_async(args, a: Server, b: Server, monitor: Monitor) -> tuple[Plan, Load, dict]:
    plan = Plan.scaled(args.scale, args.minutes)
    rng = random.Random(args.seed)
    random.seed(args.seed)
    timeout = aiohttp.ClientTimeout(total=60)
    # Idle connections are dropped before the server's keep-alive timeout (uvicorn's 5 s) can close them: a
    # request sent on a connection the server is closing fails with "connection reset", the driver's fault.
    keepalive = 3.0
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.connections, keepalive_timeout=keepalive),
            timeout=timeout,
        ) as sa,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=32, keepalive_timeout=keepalive), timeout=timeout
        ) as sb,
    ):
        client_a, client_b = Client(sa, a.base), Client(sb, b.base)
        active, remote = await set_up(client_a, client_b, plan, rng)
        app = await app_token(client_a)
        load = Load(client_a, client_b, plan, active, remote, app)
        stop = asyncio.Event()
        monitor.start()
        sampler = asyncio.create_task(monitor.run(stop))
        print(f"load: {plan.minutes:g} min ...", flush=True)
        try:
            run = await load.run(rng)
        finally:
            stop.set()
            await sampler
            monitor.stop()
    return plan, load, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="accounts, sign-up rate and graph x this")
    parser.add_argument(
        "--postgres", action="store_true", help="fresh PostgreSQL databases on 127.0.0.1:5432"
    )
    parser.add_argument("--redis", action="store_true", help="CARAVAN_REDIS_URL=redis://127.0.0.1:6379/<n>")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1, help="web processes of A")
    parser.add_argument(
        "--separate-workers", type=int, default=0, help="A runs serve --no-worker + N workers"
    )
    parser.add_argument("--connections", type=int, default=256, help="the driver's connections to A at most")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the data dirs in bench/out/ afterwards")
    args = parser.parse_args()

    root = OUT / f"surge-{os.getpid()}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("CARAVAN_", "DATABASE_URL"))}
    base_env.pop("DJANGO_SETTINGS_MODULE", None)
    common = {
        "CARAVAN_DEBUG": "0",
        "CARAVAN_LOG_LEVEL": "WARNING",
        "CARAVAN_FEDERATION_ALLOW_PRIVATE": "1",
        "CARAVAN_FAST_PASSWORD_HASHER": "1",
        "CARAVAN_API_RATE_LIMIT": "0",
        "CARAVAN_SIGN_UPS_PER_ADDRESS": "0",
        "CARAVAN_SIGN_UPS_PER_NETWORK": "0",
        "CARAVAN_HOLD_SIGN_UPS_PER_NETWORK": "0",
        "CARAVAN_HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": "0",
        "CARAVAN_HOLD_AFTER_SUSPENSIONS": "0",
    }
    servers = []
    for name, host in (("A", "127.0.0.2"), ("B", "127.0.0.3")):
        env = {**base_env, **common, "CARAVAN_SECRET_KEY": f"surge-{name}-{os.getpid()}"}
        env["CARAVAN_DATA_DIR"] = str(root / name)
        server = Server(name, host, root / name, env)
        if args.postgres:
            server.database = f"surge_{name.lower()}_{os.getpid()}"
            env["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{server.database}"
        servers.append(server)
    a, b = servers
    a.web_workers, a.separate_workers = args.workers, args.separate_workers
    if args.redis:
        a.env["CARAVAN_REDIS_URL"] = f"redis://127.0.0.1:6379/{args.redis_db}"
    vendor = "PostgreSQL" if args.postgres else "SQLite"
    monitor = Monitor(servers)
    failed = True
    try:
        for server in servers:
            if server.database:
                pg_database(server.database, create=True)
            server.start()
        print(f"A {a.base} ({vendor}), B {b.base}; data in {root}", flush=True)
        plan, load, run = asyncio.run(main_async(args, a, b, monitor))
        result = report(args, plan, load, run, monitor, a, b, vendor)
        failed = False
    finally:
        for server in servers:
            server.close()
        if failed:
            print(f"failed: the servers' logs are kept in {root}", file=sys.stderr)
        elif not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    suffix = vendor.lower() + ("-redis" if args.redis else "")
    (OUT / f"surge-{suffix}.json").write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
