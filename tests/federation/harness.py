"""A federation test harness: several real `caravan serve` processes, each on its own loopback address and
port (127.P.Q.2, 127.P.Q.3, ..., where P.Q comes from the test process's id), with its own data folder (and its own PostgreSQL database when DATABASE_URL
is set), driven over real HTTP by the servers themselves and through a driver process per server
(tests/federation/driver.py).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

CARAVAN = str(Path(sys.executable).with_name("caravan"))
DRIVER = str(Path(__file__).resolve().with_name("driver.py"))


def loopback_host(number: int) -> str:
    """A loopback address of this test process's own (127.P.Q.number, P.Q from its process id). CI runs two
    suites side by side: on a shared address, a port one suite found free could be taken by the other before its
    server bound it ("address already in use")."""
    pid = os.getpid()
    return f"127.{1 + pid // 254 % 254}.{1 + pid % 254}.{number}"


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1, what: str = "") -> Any:
    """Poll `check` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check} (last: {last!r})")


class Server:
    def __init__(self, index: int, root: Path, extra_env: dict[str, str] | None = None) -> None:
        self.index = index
        self.host = loopback_host(index + 2)
        self.port = free_port(self.host)
        self.base_url = f"http://{self.host}:{self.port}"
        self.domain = f"{self.host}:{self.port}"
        self.data_dir = root / f"server{index}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = ""
        self.env = {
            **os.environ,
            "CARAVAN_BASE_URL": self.base_url,
            "CARAVAN_DATA_DIR": str(self.data_dir),
            "CARAVAN_FAST_PASSWORD_HASHER": "1",
            "CARAVAN_FEDERATION_ALLOW_PRIVATE": "1",
            "CARAVAN_FEDERATION_RETRY_SCALE": "0.05",
            "CARAVAN_WORKER_INTERVAL": "0.05",
            "CARAVAN_SECRET_KEY": f"federation-test-{index}",
            "CARAVAN_LOG_LEVEL": "ERROR",
            **(extra_env or {}),
        }
        self.env.pop("CARAVAN_TEST_DB_NAME", None)
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        if os.environ.get("DATABASE_URL"):
            self.database_url = self._create_database()
            self.env["DATABASE_URL"] = self.database_url
        self.process: subprocess.Popen | None = None
        self.driver: subprocess.Popen | None = None
        self.log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - kept open for the process's life

    # PostgreSQL: one fresh database per server, dropped at the end.
    def _create_database(self) -> str:
        import psycopg

        parts = urlsplit(os.environ["DATABASE_URL"])
        name = f"test_fed_srv{self.index}_{os.getpid()}"
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self._db_name = name
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))

    def _drop_database(self) -> None:
        if not self.database_url:
            return
        import psycopg

        with (
            contextlib.suppress(Exception),
            psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn,
        ):
            conn.execute(f'DROP DATABASE IF EXISTS "{self._db_name}" WITH (FORCE)')

    def start(self, timeout: float = 240.0) -> None:  # a loaded machine takes a minute to migrate and start
        self.process = subprocess.Popen(
            [CARAVAN, "serve", "--host", self.host, "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, timeout=timeout, interval=0.2, what=f"{self.base_url} to start")

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"server {self.base_url} exited: {self.log_tail()}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/.well-known/nodeinfo", timeout=2) as response:  # noqa: S310 - loopback test servers
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = (self.data_dir / "server.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def call(self, op: str, **args: Any) -> Any:
        """Run one driver command on this server (as a local user, through the domain services)."""
        if self.driver is None or self.driver.poll() is not None:
            self.driver = subprocess.Popen(
                [sys.executable, DRIVER],
                env={**self.env, "CARAVAN_EMBEDDED_WORKER": "0"},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
            )
        self.driver.stdin.write(orjson.dumps({"op": op, "args": args}) + b"\n")
        self.driver.stdin.flush()
        line = self.driver.stdout.readline()
        if not line:
            raise AssertionError(f"driver died: {self.log_tail()}")
        answer = orjson.loads(line)
        if not answer["ok"]:
            raise DriverError(answer["error"], answer.get("trace", ""))
        return answer["result"]

    def handle(self, username: str) -> str:
        return f"{username}@{self.domain}"

    def uri(self, username: str) -> str:
        return f"{self.base_url}/users/{username}"

    def close(self) -> None:
        if self.driver is not None:
            with contextlib.suppress(Exception):
                self.driver.stdin.close()
                self.driver.wait(timeout=5)
            if self.driver.poll() is None:
                self.driver.kill()
        self.stop()
        self.log.close()
        self._drop_database()


def one_server(
    index: int, extra_env: dict[str, str] | None = None, username: str = "alice"
) -> Iterator[Server]:
    """A single real `caravan serve` with one local user, for a fixture to `yield from`; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=f"caravan-{index}-"))
    server = Server(index, root, extra_env)
    try:
        server.start()
        server.call("create_user", username=username)
        yield server
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)


class DriverError(AssertionError):
    def __init__(self, message: str, trace: str = "") -> None:
        super().__init__(message + ("\n" + trace if trace else ""))
        self.message = message


def mutual_follow(a: Server, a_user: str, b: Server, b_user: str) -> None:
    """`a_user` on server `a` and `b_user` on `b` (both created here) follow each other, confirmed both ways."""
    a.call("create_user", username=a_user)
    b.call("create_user", username=b_user)
    a.call("follow", username=a_user, handle=b.handle(b_user))
    b.call("follow", username=b_user, handle=a.handle(a_user))
    wait_until(
        lambda: (
            a.call("relationship", username=a_user, uri=b.uri(b_user))["following"]
            and b.call("relationship", username=b_user, uri=a.uri(a_user))["following"]
        ),
        what="the mutual follow",
    )


class Federation:
    """N servers started together; use as a context manager."""

    def __init__(
        self, count: int = 3, extra_env: dict[str, str] | None = None, start_timeout: float = 120
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="caravan-fed-"))
        self.servers = [Server(i, self.root, extra_env) for i in range(count)]
        self.start_timeout = start_timeout  # three servers migrating at once on a loaded machine take minutes

    def __enter__(self) -> "Federation":
        try:
            for server in self.servers:
                server.process = subprocess.Popen(
                    [CARAVAN, "serve", "--host", server.host, "--port", str(server.port)],
                    env=server.env,
                    stdout=server.log,
                    stderr=subprocess.STDOUT,
                )
            for server in self.servers:
                wait_until(
                    server._answers,
                    timeout=self.start_timeout,
                    interval=0.2,
                    what=f"{server.base_url} to start",
                )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.close()
        shutil.rmtree(self.root, ignore_errors=True)
