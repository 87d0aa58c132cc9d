"""One Caravan server run as many processes, proven together: two `caravan serve --no-worker` web processes
behind a round-robin relay (so inbox traffic and API calls really land on both) and two `caravan worker`
processes, sharing one database, one Redis and one S3 bucket, federating with a second, ordinary server.

What one web process does is seen at once by the other (streaming, edits, deletes, blocks, removed followers,
profile changes, revoked tokens: nothing cached per process outlives the change), both workers send deliveries,
and the second server receives each activity exactly once (a relay in front of it counts every POST).

PostgreSQL (DATABASE_URL) needs CARAVAN_REDIS_URL, as it does in production; each run takes its own Redis
database number. On SQLite (one machine, several processes on one file) everything runs but the streaming
test, which needs Redis to reach from one web process to another.
"""

import asyncio
import contextlib
import io
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
import requests
from PIL import Image

from tests.api.conftest import LIMITS_OFF, PASSWORD, client_credentials_token
from tests.federation.harness import CARAVAN, Server, free_port, wait_until

ON_POSTGRES = bool(os.environ.get("DATABASE_URL"))
REDIS_URL = os.environ.get("CARAVAN_REDIS_URL", "")
# How long a wait for something to cross processes or servers may take: CI runs two suites side by side on two
# cores, and a delivery retried under that load has taken longer than 30 s.
CROSSING = 90

pytestmark = [
    pytest.mark.federation,
    pytest.mark.skipif(
        ON_POSTGRES and not REDIS_URL,
        reason="several processes on PostgreSQL need CARAVAN_REDIS_URL (streaming and cache invalidation "
        "across processes go through Redis)",
    ),
]


# A relay on loopback ---------------------------------------------------------------------------------------


class Relay:
    """A TCP relay in its own thread: each connection goes to one of the upstreams, inbox POSTs and other
    requests each taking the upstreams in turn. The HTTP requests going up are read on the way (request line,
    headers, Content-Length body; a WebSocket upgrade is passed through unread) and recorded as
    (upstream index, method, path, body)."""

    def __init__(self, host: str, port: int, upstreams: list[tuple[str, int]]) -> None:
        self.host, self.port, self.upstreams = host, port, upstreams
        self.url = f"http://{host}:{port}"
        self.requests: list[tuple[int, str, str, bytes]] = []
        self._turns = {
            "inbox": itertools.cycle(range(len(upstreams))),
            "other": itertools.cycle(range(len(upstreams))),
        }
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="relay", daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, self.host, self.port), self._loop
        )
        self._server = future.result(timeout=10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def posts(self, upstream: int | None = None) -> list[tuple[str, bytes]]:
        """(path, body) of every POST relayed (to one upstream, or any)."""
        return [
            (path, body)
            for index, method, path, body in list(self.requests)
            if method == "POST" and (upstream is None or index == upstream)
        ]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_writer = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            method, path = head.split(b" ", 2)[:2]
            kind = "inbox" if method == b"POST" and path.endswith(b"inbox") else "other"
            index = next(self._turns[kind])
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstreams[index])
            tasks = [
                asyncio.ensure_future(self._requests_up(head, reader, upstream_writer, index)),
                asyncio.ensure_future(self._pipe(upstream_reader, writer)),
            ]
            _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass
        finally:
            for stream in (writer, upstream_writer):
                if stream is not None:
                    with contextlib.suppress(Exception):
                        stream.close()

    async def _requests_up(
        self, head: bytes, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter, index: int
    ) -> None:
        while True:
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in lines[1:] if line)
            }
            if "upgrade" in headers or headers.get("transfer-encoding"):
                upstream.write(head)
                await self._pipe(reader, upstream)
                return
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            self.requests.append((index, method, path, body))
            upstream.write(head + body)
            await upstream.drain()
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


# Server A: many processes ----------------------------------------------------------------------------------


def _redis_database(url: str) -> str:
    """The same Redis with a database number of this run's own (1-15), so parallel runs and the test
    process's own cache (which the test fixtures flush) never share keys, streams or channels."""
    number = 1 + os.getpid() % 15
    parts = urlsplit(url)
    if parts.scheme == "unix":  # unix:///run/redis.sock?db=0: the path is the socket's
        query = [pair for pair in parts.query.split("&") if pair and not pair.startswith("db=")]
        return urlunsplit(parts._replace(query="&".join([*query, f"db={number}"])))
    return urlunsplit(parts._replace(path=f"/{number}"))


class ManyProcessServer(Server):
    """Server A: its base URL is a relay in front of two `caravan serve --no-worker` processes, with two
    `caravan worker` processes beside them; all share one database (its own fresh one on PostgreSQL), Redis
    and bucket. The driver (`call`) runs against the same database."""

    def __init__(self, root: Path, extra_env: dict[str, str]) -> None:
        super().__init__(0, root, extra_env)
        self.web_ports = [free_port(self.host), free_port(self.host)]
        self.webs = [f"http://{self.host}:{port}" for port in self.web_ports]
        self.relay = Relay(self.host, self.port, [(self.host, port) for port in self.web_ports])
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, object] = {}

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = self.logs[name] = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = self.processes[name] = subprocess.Popen(
            [CARAVAN, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        return process

    def start(self, timeout: float = 240.0) -> None:
        # Migrate once, before the processes start: two web processes migrating one new database would race.
        migrated = subprocess.run(  # noqa: S603 - our own command
            [CARAVAN, "migrate", "--verbosity", "0"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        assert migrated.returncode == 0, f"caravan migrate failed: {self.log_tail()}"
        for number, port in enumerate(self.web_ports, 1):
            self._spawn(f"web{number}", "serve", "--no-worker", "--host", self.host, "--port", str(port))
        for number in (1, 2):
            self._spawn(f"worker{number}", "worker")
        self.relay.start()
        for web in self.webs:
            wait_until(lambda web=web: self._web_answers(web), timeout=timeout, interval=0.2, what=f"{web}")

    def _web_answers(self, web: str) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited:\n{self.log_tail()}")
        try:
            return requests.get(f"{web}/api/v1/streaming/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def worker_pids(self) -> dict[int, str]:
        return {self.processes[name].pid: name for name in ("worker1", "worker2")}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.processes.clear()
        for log in self.logs.values():
            log.close()
        self.logs.clear()
        self.relay.stop()

    def log_tail(self, lines: int = 60) -> str:
        self.log.flush()
        parts = []
        for path in sorted(self.data_dir.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


class Cluster:
    def __init__(self, a: ManyProcessServer, b: Server, b_relay: Relay, bucket: str, s3) -> None:
        self.a, self.b, self.b_relay, self.bucket, self.s3 = a, b, b_relay, bucket, s3
        self.app = requests.post(
            f"{a.webs[0]}/api/v1/apps",
            json={
                "client_name": "many processes",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write follow",
            },
            timeout=30,
        ).json()
        self.app_token = client_credentials_token(a.webs[0], self.app)

    def person(self, prefix: str) -> "Person":
        """A new account on A, registered through web process 1."""
        username = f"{prefix}{uuid.uuid4().hex[:6]}"
        answer = requests.post(
            f"{self.a.webs[0]}/api/v1/accounts",
            headers={"Authorization": f"Bearer {self.app_token}"},
            json={
                "username": username,
                "email": f"{username}@example.org",
                "password": PASSWORD,
                "agreement": True,
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return Person(self.a.webs, username, answer.json()["access_token"])

    def logs(self) -> str:
        return f"=== server A\n{self.a.log_tail()}\n=== server B\n{self.b.log_tail()}"


class Person:
    """An account on A with its token, calling the client API on web process 1 or 2 (`web=`)."""

    def __init__(self, webs: list[str], username: str, token: str) -> None:
        self.webs, self.username, self.token = webs, username, token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.id = self.get("/api/v1/accounts/verify_credentials", web=1)["id"]

    def call(self, method: str, path: str, *, web: int, expect: int = 200, **kwargs):
        answer = self.session.request(method, f"{self.webs[web - 1]}{path}", timeout=30, **kwargs)
        assert answer.status_code == expect, (
            f"{method} {path} on web {web}: {answer.status_code} {answer.text}"
        )
        return answer.json()

    def get(self, path: str, *, web: int, expect: int = 200, **params):
        return self.call("GET", path, web=web, expect=expect, params=params)

    def post(self, path: str, *, web: int, expect: int = 200, **body):
        return self.call("POST", path, web=web, expect=expect, json=body)

    def status(self, text: str, *, web: int = 1, **more) -> dict:
        return self.post("/api/v1/statuses", web=web, status=text, **more)

    def home_ids(self, *, web: int) -> list[str]:
        return [s["id"] for s in self.get("/api/v1/timelines/home", web=web, limit=40)]

    def remote_id(self, handle: str) -> str:
        """The local id of a remote account, looked up (webfinger) through web process 1."""
        found = self.get("/api/v2/search", web=1, q=f"@{handle}", resolve="true", type="accounts")["accounts"]
        assert found, f"{handle} not found"
        return found[0]["id"]


@pytest.fixture(scope="module")
def cluster(s3_server):
    root = Path(tempfile.mkdtemp(prefix="caravan-many-"))
    bucket = s3_server.new_bucket()
    a_env = {**LIMITS_OFF, **s3_server.env(bucket), "CARAVAN_API_RATE_LIMIT": "100000"}
    if REDIS_URL:
        a_env["CARAVAN_REDIS_URL"] = _redis_database(REDIS_URL)
    a = b = b_relay = None
    try:
        a = ManyProcessServer(root, a_env)
        b = Server(1, root)
        b.env.pop("CARAVAN_REDIS_URL", None)  # B keeps its caches to itself: never A's Redis keys or channels
        # B's base URL is a relay that counts what A sends it.
        b_relay = Relay(b.host, free_port(b.host), [(b.host, b.port)])
        b.base_url, b.domain = b_relay.url, f"{b.host}:{b_relay.port}"
        b.env["CARAVAN_BASE_URL"] = b_relay.url
        b_relay.start()
        b.process = subprocess.Popen(  # started first: it migrates while A does
            [CARAVAN, "serve", "--host", b.host, "--port", str(b.port)],
            env=b.env,
            stdout=b.log,
            stderr=subprocess.STDOUT,
        )
        a.start()
        wait_until(b._answers, timeout=240, interval=0.2, what="server B to start")
        yield Cluster(a, b, b_relay, bucket, s3_server)
    finally:
        for server in (a, b):  # A's close stops its processes and its relay
            if server is not None:
                server.close()
        if b_relay is not None:
            b_relay.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _logs_on_failure(request, cluster):
    """A failing test prints the processes' recent logs (pytest shows a failed test's teardown output)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        print(cluster.logs())


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 90, 30)).save(out, "PNG")
    return out.getvalue()


# The scenario ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alice_and_bob(cluster):
    """alice on A (through the API) and bob on B follow each other."""
    a, b = cluster.a, cluster.b
    alice = cluster.person("alice")
    b.call("create_user", username="bob")
    b.call("follow", username="bob", handle=a.handle(alice.username))
    bob_id = alice.remote_id(b.handle("bob"))
    alice.post(f"/api/v1/accounts/{bob_id}/follow", web=1)
    wait_until(
        lambda: (
            b.call("relationship", username="bob", uri=a.uri(alice.username))["following"]
            and alice.get("/api/v1/accounts/relationships", web=2, id=bob_id)[0]["following"]
        ),
        timeout=CROSSING,
        what="alice and bob to follow each other",
    )
    return alice, bob_id


def test_posts_media_replies_boosts_and_favourites_cross_both_ways(cluster, alice_and_bob):
    a, b = cluster.a, cluster.b
    alice, bob_id = alice_and_bob
    upload = alice.call(
        "POST", "/api/v2/media", web=1, files={"file": ("sunset.png", _png(), "image/png")}, data={}
    )
    assert upload["url"].startswith(f"{cluster.s3.endpoint}/{cluster.bucket}/")
    key = upload["url"].removeprefix(f"{cluster.s3.endpoint}/{cluster.bucket}/")
    assert key in cluster.s3.objects(cluster.bucket)
    assert Image.open(io.BytesIO(requests.get(upload["url"], timeout=10).content)).size == (320, 200)
    thumbnail = upload["preview_url"].removeprefix(f"{cluster.s3.endpoint}/{cluster.bucket}/")
    assert thumbnail != key and thumbnail in cluster.s3.objects(cluster.bucket)

    post = alice.status("A sunset from two web processes", web=1, media_ids=[upload["id"]])
    # Web process 2 shows it with the bucket's URL; B got it, and A's document names the same object.
    shown = alice.get(f"/api/v1/statuses/{post['id']}", web=2)
    assert shown["media_attachments"][0]["url"] == upload["url"]
    arrived = wait_until(lambda: b.call("get_post", uri=post["uri"]), timeout=CROSSING, what="the post on B")
    assert "sunset" in arrived["content"]
    document = requests.get(post["uri"], headers={"Accept": "application/activity+json"}, timeout=10).json()
    assert document["attachment"][0]["url"] == upload["url"]

    # bob replies, boosts and favourites on B: A shows each, whichever web process is asked.
    reply = b.call(
        "post", username="bob", text=f"@{a.handle(alice.username)} lovely", in_reply_to=post["uri"]
    )
    b.call("boost", username="bob", uri=post["uri"])
    b.call("favourite", username="bob", uri=post["uri"])
    wait_until(
        lambda: (
            [s["uri"] for s in alice.get(f"/api/v1/statuses/{post['id']}/context", web=2)["descendants"]]
            == [reply["uri"]]
        ),
        timeout=CROSSING,
        what="bob's reply on A",
    )
    wait_until(
        lambda: (
            (counts := alice.get(f"/api/v1/statuses/{post['id']}", web=1))["reblogs_count"] == 1
            and counts["favourites_count"] == 1
        ),
        timeout=CROSSING,
        what="bob's boost and favourite on A",
    )
    assert {"mention", "favourite", "reblog", "follow"} <= {
        n["type"] for n in alice.get("/api/v1/notifications", web=2)
    }

    # alice favourites and boosts bob's own post through web process 1; B counts both.
    bobs = b.call("post", username="bob", text="from server B")
    local = wait_until(
        lambda: alice.get("/api/v2/search", web=1, q=bobs["uri"], resolve="true", type="statuses")[
            "statuses"
        ],
        timeout=CROSSING,
        what="bob's post on A",
    )[0]
    alice.post(f"/api/v1/statuses/{local['id']}/favourite", web=1)
    alice.post(f"/api/v1/statuses/{local['id']}/reblog", web=1)
    wait_until(
        lambda: (
            b.call("get_post", uri=bobs["uri"])["favourites_count"] == 1
            and b.call("boosts_of", uri=bobs["uri"]) == [a.handle(alice.username)]
        ),
        timeout=CROSSING,
        what="alice's favourite and boost on B",
    )
    assert bob_id in {s["account"]["id"] for s in alice.get("/api/v1/timelines/home", web=2)}

    # No process kept media on its own disk; B's deliveries to A went through the relay to both web processes.
    assert [path for path in (a.data_dir / "media").rglob("*") if path.is_file()] == []
    for upstream in (0, 1):
        assert any(path.endswith("inbox") for path, _ in cluster.a.relay.posts(upstream)), (
            f"web process {upstream + 1} received no inbox POST"
        )


@pytest.mark.skipif(not REDIS_URL, reason="streaming from one web process to another needs CARAVAN_REDIS_URL")
def test_streams_on_one_web_process_carry_events_caused_on_the_other(cluster, alice_and_bob):
    a, b = cluster.a, cluster.b
    alice, _bob_id = alice_and_bob
    amy = cluster.person("amy")
    amy.post(f"/api/v1/accounts/{alice.id}/follow", web=1)
    ws_base = a.webs[1].replace("http://", "ws://") + "/api/v1/streaming"

    async def next_frame(ws, event: str, check) -> dict:
        deadline = time.monotonic() + 30
        with contextlib.suppress(TimeoutError):
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(ws.receive_json(), deadline - time.monotonic())
                if frame.get("event") == event and check(json.loads(frame["payload"])):
                    return json.loads(frame["payload"])
        raise AssertionError(f"no {event} frame within 30 s")

    async def scenario() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{ws_base}?stream=user&access_token={amy.token}") as amy_ws,
            session.ws_connect(f"{ws_base}?stream=user&access_token={alice.token}") as alice_ws,
        ):
            await asyncio.sleep(0.5)
            # A post made through web process 1 reaches amy's stream on web process 2.
            post = await asyncio.to_thread(alice.status, "streamed across processes", web=1)
            update = await next_frame(amy_ws, "update", lambda s: s["id"] == post["id"])
            assert update["account"]["id"] == alice.id
            # bob on B replies: his server delivers to A, a worker applies it, web 2 streams the mention.
            await asyncio.to_thread(wait_until, lambda: b.call("get_post", uri=post["uri"]), CROSSING)
            await asyncio.to_thread(
                b.call,
                "post",
                username="bob",
                text=f"@{a.handle(alice.username)} pong",
                in_reply_to=post["uri"],
            )
            notification = await next_frame(alice_ws, "notification", lambda n: n["type"] == "mention")
            assert notification["account"]["acct"] == b.handle("bob")
            # Deleting through web process 1 tells the stream on web process 2.
            await asyncio.to_thread(alice.call, "DELETE", f"/api/v1/statuses/{post['id']}", web=1)
            await next_frame(amy_ws, "delete", lambda deleted: deleted == int(post["id"]))

    asyncio.run(asyncio.wait_for(scenario(), 120))


# Nothing cached per process outlives a change made in another ----------------------------------------------


def _seen_by(reader: "Person", post_id: str, author_id: str) -> dict[str, bool]:
    """Where `reader` sees the post through web process 2: the status itself, home, the author's statuses."""
    status = reader.session.get(f"{reader.webs[1]}/api/v1/statuses/{post_id}", timeout=30)
    authored = reader.get(f"/api/v1/accounts/{author_id}/statuses", web=2, limit=40)
    return {
        "status": status.status_code == 200,
        "home": post_id in reader.home_ids(web=2),
        "account statuses": post_id in [s["id"] for s in authored],
    }


def test_an_edit_or_delete_on_one_web_process_shows_at_once_on_the_other(cluster):
    author, reader, booster_follower = cluster.person("ed"), cluster.person("rd"), cluster.person("bf")
    reader.post(f"/api/v1/accounts/{author.id}/follow", web=1)
    booster_follower.post(f"/api/v1/accounts/{reader.id}/follow", web=1)
    post = author.status("first words", web=1)
    wait_until(
        lambda: post["id"] in reader.home_ids(web=2), timeout=CROSSING, what="the post in the reader's home"
    )
    reader.post(f"/api/v1/statuses/{post['id']}/reblog", web=2)
    wait_until(
        lambda: (
            post["id"]
            in [
                s["reblog"]["id"]
                for s in booster_follower.get("/api/v1/timelines/home", web=2)
                if s["reblog"]
            ]
        ),
        timeout=CROSSING,
        what="the boost in a follower's home",
    )
    # Read through web process 2 (each read fills its caches), then change through web process 1.
    for _ in range(2):
        assert _seen_by(reader, post["id"], author.id) == dict.fromkeys(
            ("status", "home", "account statuses"), True
        )
        assert "first words" in reader.get(f"/api/v1/statuses/{post['id']}", web=2)["content"]

    author.call("PUT", f"/api/v1/statuses/{post['id']}", web=1, json={"status": "second thoughts"})
    assert "second thoughts" in reader.get(f"/api/v1/statuses/{post['id']}", web=2)["content"]
    home = {s["id"]: s for s in reader.get("/api/v1/timelines/home", web=2)}
    assert "second thoughts" in home[post["id"]]["content"] and home[post["id"]]["edited_at"]
    boosted = [s for s in booster_follower.get("/api/v1/timelines/home", web=2) if s["reblog"]]
    assert "second thoughts" in boosted[0]["reblog"]["content"]

    author.call("DELETE", f"/api/v1/statuses/{post['id']}", web=1)
    assert _seen_by(reader, post["id"], author.id) == dict.fromkeys(
        ("status", "home", "account statuses"), False
    )
    for web in (1, 2):
        reblogs = [
            s["reblog"] for s in booster_follower.get("/api/v1/timelines/home", web=web) if s["reblog"]
        ]
        assert post["id"] not in [r["id"] for r in reblogs], f"web {web} still shows the deleted post boosted"


def test_a_profile_change_on_one_web_process_shows_at_once_on_the_other(cluster):
    author, reader = cluster.person("pr"), cluster.person("pv")
    reader.post(f"/api/v1/accounts/{author.id}/follow", web=1)
    post = author.status("who wrote this?", web=1)
    wait_until(
        lambda: post["id"] in reader.home_ids(web=2), timeout=CROSSING, what="the post in the reader's home"
    )
    for _ in range(2):
        reader.get(f"/api/v1/statuses/{post['id']}", web=2)
        author.get("/api/v1/accounts/verify_credentials", web=2)
    author.call("PATCH", "/api/v1/accounts/update_credentials", web=1, data={"display_name": "Renamed"})
    assert author.get("/api/v1/accounts/verify_credentials", web=2)["display_name"] == "Renamed"
    assert reader.get(f"/api/v1/statuses/{post['id']}", web=2)["account"]["display_name"] == "Renamed"
    home = {s["id"]: s for s in reader.get("/api/v1/timelines/home", web=2)}
    assert home[post["id"]]["account"]["display_name"] == "Renamed"


def test_a_block_on_one_web_process_hides_the_author_at_once_on_the_other(cluster, alice_and_bob):
    a, b = cluster.a, cluster.b
    blocker = cluster.person("bk")
    bob_id = blocker.remote_id(b.handle("bob"))
    blocker.post(f"/api/v1/accounts/{bob_id}/follow", web=1)
    wait_until(
        lambda: blocker.get("/api/v1/accounts/relationships", web=2, id=bob_id)[0]["following"],
        timeout=CROSSING,
        what="bob to accept",
    )
    bobs = b.call("post", username="bob", text="seen, then blocked")

    def bobs_in_home() -> list[str]:
        return [s["id"] for s in blocker.get("/api/v1/timelines/home", web=2) if s["uri"] == bobs["uri"]]

    post_id = wait_until(bobs_in_home, timeout=CROSSING, what="bob's post in the blocker's home")[0]
    for _ in range(2):
        assert bobs_in_home() == [post_id]
        blocker.get(f"/api/v1/statuses/{post_id}", web=2)
    blocker.post(f"/api/v1/accounts/{bob_id}/block", web=1)
    assert bobs_in_home() == []
    assert blocker.get("/api/v1/accounts/relationships", web=2, id=bob_id)[0]["blocking"]
    wait_until(
        lambda: b.call("blocked_by", username="bob", uri=a.uri(blocker.username)),
        timeout=CROSSING,
        what="the Block on B",
    )


def test_removing_a_follower_on_one_web_process_hides_followers_only_posts_at_once_on_the_other(cluster):
    author, follower = cluster.person("fo"), cluster.person("fl")
    follower.post(f"/api/v1/accounts/{author.id}/follow", web=1)
    post = author.status("for my followers", web=1, visibility="private")
    wait_until(
        lambda: post["id"] in follower.home_ids(web=2),
        timeout=CROSSING,
        what="the post in the follower's home",
    )
    for _ in range(2):
        assert _seen_by(follower, post["id"], author.id) == dict.fromkeys(
            ("status", "home", "account statuses"), True
        )
    author.post(f"/api/v1/accounts/{follower.id}/remove_from_followers", web=1)
    assert _seen_by(follower, post["id"], author.id) == dict.fromkeys(
        ("status", "home", "account statuses"), False
    )


def test_a_token_revoked_on_one_web_process_stops_working_at_once_on_the_other(cluster):
    person = cluster.person("tk")
    for _ in range(2):
        person.get("/api/v1/accounts/verify_credentials", web=2)
    revoked = requests.post(
        f"{cluster.a.webs[0]}/oauth/revoke",
        data={
            "token": person.token,
            "client_id": cluster.app["client_id"],
            "client_secret": cluster.app["client_secret"],
        },
        timeout=30,
    )
    assert revoked.status_code == 200, revoked.text
    person.get("/api/v1/accounts/verify_credentials", web=2, expect=401)
    person.get("/api/v1/timelines/home", web=2, expect=401)


# Deliveries: shared by both workers, none sent twice ---------------------------------------------------------


def test_both_workers_deliver_and_the_other_server_receives_each_activity_once(cluster, alice_and_bob):
    a, b = cluster.a, cluster.b
    alice, _bob_id = alice_and_bob
    b.call("create_user", username="bea")
    b.call("follow", username="bea", handle=a.handle(alice.username))  # a second follower: one shared inbox
    wait_until(
        lambda: b.call("relationship", username="bea", uri=a.uri(alice.username))["following"],
        timeout=CROSSING,
        what="bea to follow alice",
    )
    workers = a.worker_pids()

    def deliveries_by_worker() -> Counter:
        attempted: Counter = Counter()
        for task in a.call("delivery_tasks"):
            if task["status"] in ("READY", "RUNNING"):  # a wake-up for later (retries, stale claims)
                continue
            assert task["status"] == "SUCCESSFUL", task
            pids = {int(worker.split("-")[-2]) for worker in task["workers"]}
            assert len(pids) == 1 and pids <= set(workers), task  # each task claimed once, by a worker
            attempted[workers[pids.pop()]] += task["attempted"] or 0
        return attempted

    def all_sent() -> bool:
        return all(d["state"] == "done" for d in a.call("deliveries_sent", domain=b.domain))

    # Bursts of posts through both web processes until each worker has sent some (normally the first).
    for burst in range(5):
        posts = [alice.status(f"burst {burst} post {n}", web=1 + n % 2) for n in range(12)]
        wait_until(all_sent, timeout=60, what="every delivery to B")
        wait_until(
            lambda posts=posts: all(b.call("get_post", uri=p["uri"]) for p in posts),
            timeout=CROSSING,
            what="the posts on B",
        )
        if len(deliveries_by_worker()) == 2:
            break
    attempted = deliveries_by_worker()
    assert set(attempted) == {"worker1", "worker2"} and min(attempted.values()) > 0, attempted

    # None sent twice: each delivery was attempted once, and B's relay saw each (inbox, activity) once.
    sent = a.call("deliveries_sent", domain=b.domain)
    assert all(d["state"] == "done" and d["attempts"] == 0 for d in sent), [d for d in sent if d["attempts"]]
    assert sum(attempted.values()) == len(sent)
    received = Counter(
        (path, json.loads(body)["id"]) for path, body in cluster.b_relay.posts() if path.endswith("inbox")
    )
    assert [key for key, count in received.items() if count > 1] == []
    assert set(received) == {(d["path"], d["id"]) for d in sent}
