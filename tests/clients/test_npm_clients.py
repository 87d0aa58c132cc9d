"""The npm Mastodon clients that web and desktop apps are built on (masto, megalodon) work end to end against
a real `caravan serve`: tests/clients/npm/e2e.mjs registers, posts with media and a poll, pages timelines
through Link headers, reads notifications, follows new, edited and deleted posts on each library's WebSocket
stream, and manages push subscriptions. `bash scripts/test` installs the packages from the lockfile (`npm ci`).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import running_server

SCRIPT_DIR = Path(__file__).parent / "npm"
STEPS = [
    "ok registration (masto and megalodon)",
    "ok posting with media and a poll",
    "ok home and public timelines with Link paging",
    "ok notifications",
    "ok streaming of new, edited and deleted posts (masto, megalodon)",
    "ok push subscription (masto, megalodon)",
]


def test_masto_and_megalodon_run_the_end_to_end_script(tmp_path):
    node = shutil.which("node")
    assert node, "node is not installed: bash scripts/test installs nodejs and npm"
    assert (SCRIPT_DIR / "node_modules" / "masto").is_dir() and (
        SCRIPT_DIR / "node_modules" / "megalodon"
    ).is_dir(), (
        "the npm clients are not installed: run `npm ci --prefix tests/clients/npm` (bash scripts/test does)"
    )
    # The script's push endpoint is on loopback (nothing listens there): the server must accept a loopback
    # address for it, as the federation tests do; tests/api/test_push.py checks that production refuses them.
    with running_server(tmp_path, {"CARAVAN_FEDERATION_ALLOW_PRIVATE": "1"}) as base:
        try:
            run = subprocess.run(
                [node, "e2e.mjs", base],
                cwd=SCRIPT_DIR,
                capture_output=True,
                text=True,
                timeout=240,
                check=False,
            )
        except subprocess.TimeoutExpired as timeout:
            pytest.fail(f"the npm client script did not finish in 240 s:\n{timeout.stdout}\n{timeout.stderr}")
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"the npm client script failed ({run.returncode}):\n{output}"
    lines = run.stdout.splitlines()
    for step in STEPS:
        assert step in lines, f"step missing from the script's output: {step}\n{output}"
    assert lines[-1] == "ALL OK", output
