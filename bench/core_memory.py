"""Resident memory of `caravan serve` (SQLite, fresh data dir, embedded worker): idle after start-up, then
after a round of requests to the pages and API endpoints a first visitor and a client app touch.

    python bench/core_memory.py [--repeat 2]

Memory is summed over the server process and any children (RSS, and PSS, which shares libraries fairly).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PATHS = [
    "/",
    "/about",
    "/explore",
    "/public",
    "/auth/sign_in",
    "/auth/sign_up",
    "/@nobody",
    "/api/v1/instance",
    "/api/v2/instance",
    "/api/v1/timelines/public",
    "/api/v1/trends/tags",
    "/.well-known/webfinger?resource=acct:nobody@127.0.0.1",
    "/.well-known/nodeinfo",
    "/nodeinfo/2.0",
    "/users/nobody",
    "/tags/caravan",
    "/@bench",
    "/users/bench",
    "/users/bench/outbox",
    "/api/v1/accounts/lookup?acct=bench",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():  # children of every thread
        children = (task / "children").read_text().split()
        for child in children:
            pids.extend(process_tree(int(child)))
    return pids


def memory_mb(pid: int) -> tuple[float, float, int]:
    """(RSS, PSS) in MB summed over the process tree, and the number of processes."""
    rss = pss = 0
    pids = process_tree(pid)
    for p in pids:
        for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024, len(pids)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (http only)
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def measure_once(data_dir: str, port: int) -> dict:
    env = dict(os.environ, CARAVAN_DATA_DIR=data_dir, CARAVAN_BASE_URL=f"http://127.0.0.1:{port}")
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "caravan", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"caravan serve exited: {server.stdout.read()}")
            try:
                get(base + "/api/v1/instance")
                break
            except OSError:
                if time.monotonic() - started > 120:
                    raise
                time.sleep(0.1)
        ready_s = time.monotonic() - started
        time.sleep(3)  # idle: the worker polls, nothing else happens
        idle = memory_mb(server.pid)
        statuses = {}
        for _ in range(5):
            for path in PATHS:
                statuses[path] = get(base + path)
        time.sleep(1)
        after = memory_mb(server.pid)
        return {"ready_s": ready_s, "idle": idle, "after": after, "statuses": statuses}
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def report(label: str, result: dict) -> None:
    idle_rss, idle_pss, procs = result["idle"]
    after_rss, after_pss, _ = result["after"]
    print(
        f"{label}: ready in {result['ready_s']:.1f} s, {procs} process(es); "
        f"idle RSS {idle_rss:.1f} MB (PSS {idle_pss:.1f}); "
        f"after {len(PATHS) * 5} requests RSS {after_rss:.1f} MB (PSS {after_pss:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    (BENCH_DIR / "out").mkdir(exist_ok=True)
    for run in range(args.repeat):
        data_dir = tempfile.mkdtemp(prefix="caravan-mem-", dir=BENCH_DIR / "out")
        port = free_port()
        try:
            # First start: an empty data dir, so `caravan serve` runs every migration in its own process.
            report(f"run {run + 1}, first start (migrates)", measure_once(data_dir, port))
            # Every later start: migrated already, one account so profile and actor requests find someone.
            env = dict(os.environ, CARAVAN_DATA_DIR=data_dir, CARAVAN_BASE_URL=f"http://127.0.0.1:{port}")
            env.pop("DATABASE_URL", None)
            subprocess.run(
                [sys.executable, "-m", "caravan", "createadmin", "bench", "--password", "bench-password-123"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            result = measure_once(data_dir, port)
            report(f"run {run + 1}, restart", result)
            print("  statuses: " + ", ".join(f"{path} {code}" for path, code in result["statuses"].items()))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
