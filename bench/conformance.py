"""Benchmark (issue 12's figure "0 server errors in the schemathesis run"): the conformance run of
tests/api/test_schemathesis.py against a fresh `caravan serve`, with its figures: requests sent, server errors,
other problems (4xx without a JSON error), successful answers matched against Mastodon's response schemas and how
many broke them, and the time taken.

    .venv/bin/python bench/conformance.py               # SQLite in a fresh bench/out/data-conformance
    DATABASE_URL=postgres://127.0.0.1:5432/test .venv/bin/python bench/conformance.py

Same requests as the test (derandomized), so the figures are comparable between runs.
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "bench" / "out" / "data-conformance"


def main() -> None:
    import requests
    from mastodon import Mastodon
    from tests.api import test_schemathesis as conformance
    from tests.api.conftest import PASSWORD, running_server

    shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True)
    with running_server(DATA_DIR) as server:
        client_id, client_secret = Mastodon.create_app(
            "bench",
            api_base_url=server,
            scopes=["read", "write", "follow", "push"],
            redirect_uris="urn:ietf:wg:oauth:2.0:oob",
        )

        def signup(username: str) -> Mastodon:
            app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
            token = app.create_account(username, PASSWORD, f"{username}@example.org", agreement=True)
            return Mastodon(access_token=token, api_base_url=server, request_timeout=30)

        name = uuid.uuid4().hex[:8]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {signup(f'fuzz{name}').access_token}"
        seeds = conformance._seed(server, session, signup(f"seed{name}"))
        failures: dict[str, str] = {}
        started = time.monotonic()
        sent = sum(
            conformance._fuzz(operation, mode, server, session, failures, seeds)
            for operation in conformance._operations_in_order()
            for mode in conformance.EXAMPLES
        )
        elapsed = time.monotonic() - started
    server_errors = [label for label, problem in failures.items() if problem[:1] == "5"]
    violations = [label for label, problem in failures.items() if "breaks the response schema" in problem]
    others = [label for label in failures if label not in server_errors and label not in violations]
    print(f"requests sent:                     {sent} in {elapsed:.0f} s")
    print(f"operations with a server error:    {len(server_errors)}")
    print(f"operations breaking the schema:    {len(violations)}")
    print(f"operations with other problems:    {len(others)}")
    print(
        f"successful answers matched:        {sum(conformance.CHECKED.values())} "
        f"(of {len(conformance.CHECKED)} operations)"
    )
    for label in server_errors + violations + others:
        print(f"  {label}: {failures[label][:200]}")


if __name__ == "__main__":
    main()
