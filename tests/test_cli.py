"""The real `caravan` command, run as a subprocess: what its help lists, where Django's developer commands went, and
how a bad setting stops every command with one line."""

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

CARAVAN = str(Path(sys.executable).with_name("caravan"))


def caravan(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `caravan ARGS` on a fresh SQLite data folder, with only the given CARAVAN_* variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARAVAN_") and k != "DATABASE_URL"}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [CARAVAN, *args],
        env={**clean, "CARAVAN_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_help_lists_the_commands_a_person_uses_and_not_djangos(tmp_path):
    result = caravan("--help", data_dir=tmp_path)
    assert result.returncode == 0
    listed = result.stdout
    for command in (
        "serve",
        "worker",
        "createadmin",
        "role",
        "import",
        "migrate",
        "check",
        "media-to-s3",
        "manage",
    ):
        assert f"\n    {command}" in listed, command
    for developer_command in (
        "makemessages",
        "shell",
        "runserver",
        "createsuperuser",
        "flush",
        "federation_driver",
    ):
        assert developer_command not in listed


def test_developer_commands_run_under_manage(tmp_path):
    listed = caravan("manage", "help", data_dir=tmp_path)
    assert (
        listed.returncode == 0 and "makemessages" in listed.stdout and "caravan manage help" in listed.stdout
    )
    refused = caravan("shell", data_dir=tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0
    assert "`caravan manage shell`" in refused.stderr


def test_user_commands_pass_their_arguments_to_django(tmp_path):
    result = caravan("migrate", "--plan", data_dir=tmp_path)
    assert result.returncode == 0 and "Planned operations" in result.stdout


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        (["check"], "CARAVAN_MAX_POST_CHARS", "5OO"),
        (["serve", "--port", "0"], "CARAVAN_REQUIRE_EMAIL", "sometimes"),
        (["serve"], "CARAVAN_MAX_IMAGE_BYTES", "-5"),
        (["migrate"], "CARAVAN_LOG_LEVEL", "loud"),
        (["worker", "--batch"], "CARAVAN_WORKER_INTERVAL", "soon"),
        (["manage", "shell", "-c", "print(1)"], "CARAVAN_BASE_URL", "social.example"),
    ],
)
def test_a_bad_setting_stops_every_command_with_one_line(command, variable, value, tmp_path):
    result = caravan(*command, data_dir=tmp_path, **{variable: value})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"caravan: {variable} is not valid ({value!r}): it takes ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "caravan.sqlite3").exists()  # stopped before touching the database


def test_the_same_commands_run_with_good_settings(tmp_path):
    result = caravan("check", data_dir=tmp_path, CARAVAN_MAX_POST_CHARS="500", CARAVAN_REQUIRE_EMAIL="on")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_an_unwritable_data_folder_is_one_line_too(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = caravan("check", data_dir=blocker / "data")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "CARAVAN_DATA_DIR" in result.stderr


def test_role_makes_a_moderator_then_an_admin_then_a_user_again(tmp_path):
    made = caravan("createadmin", "boss", "--password", "a long admin password 42", data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    shell = "from caravan.signup import register_user as r; r(username='sam', password='a long user pass 42', agreement=True)"
    registered = caravan("manage", "shell", "-c", shell, data_dir=tmp_path)
    assert registered.returncode == 0, registered.stderr

    def role_of(name: str) -> str:
        code = (
            "from caravan.accounts.models import User; "
            f"u = User.objects.get(username='{name}'); "
            "print(u.role, u.is_staff, u.may_moderate, u.may_administer)"
        )
        return caravan("manage", "shell", "-c", code, data_dir=tmp_path).stdout.strip().splitlines()[-1]

    assert role_of("boss") == "admin True True True"
    assert role_of("sam") == "user False False False"
    moderator = caravan("role", "sam", "moderator", data_dir=tmp_path)
    assert (moderator.returncode, moderator.stdout) == (0, "@sam is now a moderator.\n")
    assert role_of("sam") == "moderator False True False"
    assert caravan("role", "@sam", "admin", data_dir=tmp_path).stdout == "@sam is now an admin.\n"
    assert role_of("sam") == "admin True True True"
    assert caravan("role", "boss", "user", data_dir=tmp_path).returncode == 0
    assert role_of("boss") == "user False False False"

    unknown = caravan("role", "nobody", "admin", data_dir=tmp_path)
    assert unknown.returncode == 1 and unknown.stderr == "There is no local account named nobody.\n"
    wrong = caravan("role", "sam", "king", data_dir=tmp_path)
    assert wrong.returncode == 2 and "invalid choice: 'king'" in wrong.stderr


def test_two_factor_off_lets_the_password_alone_sign_in_again(tmp_path):
    code = (
        "import time; from caravan.signup import register_user as r; from caravan.accounts import security as s; "
        "u = r(username='lina', password='a long user pass 42', agreement=True); f = s.start_two_factor(u); "
        "s.enable_two_factor(u, s.totp(s.secret_key(f.secret), time.time())); print(s.two_factor_enabled(u))"
    )
    assert caravan("migrate", data_dir=tmp_path).returncode == 0
    made = caravan("manage", "shell", "-c", code, data_dir=tmp_path)
    assert made.stdout.strip().splitlines()[-1] == "True", made.stderr
    off = caravan("two-factor-off", "@Lina", data_dir=tmp_path)
    assert (off.returncode, off.stdout) == (
        0,
        "Two-factor sign-in is off for @lina; their password alone signs in again.\n",
    )
    check = (
        "from caravan.accounts.models import User; from caravan.accounts import security as s; "
        "print(s.two_factor_enabled(User.objects.get(username='lina')))"
    )
    assert (
        caravan("manage", "shell", "-c", check, data_dir=tmp_path).stdout.strip().splitlines()[-1] == "False"
    )
    assert caravan("two-factor-off", "nobody", data_dir=tmp_path).returncode == 1


def test_each_web_process_gets_the_application_with_its_start_up_objects_frozen(tmp_path):
    """With `--workers` above 1, uvicorn spawns each web process as a fresh interpreter that asks
    `served_application` for the application: it must leave the loaded application out of the collector's
    reach there too (a full collection walking it made a read in fifty 40-110 ms)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARAVAN_") and k != "DATABASE_URL"}
    code = (
        "import gc, caravan.cli as cli; app = cli.served_application(); import caravan.asgi as asgi; "
        "print(gc.get_freeze_count(), app is asgi.application)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "CARAVAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "caravan.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    frozen, same = result.stdout.split()
    assert int(frozen) > 50_000 and same == "True"


def _web_processes_of(pid: int) -> list[int]:
    """The web processes `caravan serve --workers N` started: its children that run multiprocessing's spawn
    (not its resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_serve_with_two_web_processes_spreads_a_burst_of_keep_alive_clients_over_both(tmp_path):
    """Each web process listens on a socket of its own (SO_REUSEPORT): 32 clients that connect at once and
    keep their connections are spread by the kernel, so both processes work. With one shared socket, the
    process that woke first accepted every waiting connection and the other idled."""
    import http.client

    from tests.federation.harness import free_port, wait_until

    port = free_port("127.0.0.1")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARAVAN_") and k != "DATABASE_URL"}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [CARAVAN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--no-worker"],
            env={**clean, "CARAVAN_DATA_DIR": str(tmp_path / "data")},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:

        def answers() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/instance", timeout=5
                ) as response:  # noqa: S310 - loopback
                    return response.status == 200 and b'"uri"' in response.read()
            except OSError:
                return False

        wait_until(answers, timeout=180, interval=0.3, what="caravan serve --workers 2 to answer")
        web = _web_processes_of(process.pid)
        assert len(web) == 2
        wait_until(lambda: all(answers() for _ in range(4)), timeout=60, what="both processes to start")
        before = {pid: _cpu_ticks(pid) for pid in web}
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(32)]
        for client in clients:
            client.connect()
        for _ in range(8):
            for client in clients:
                client.request("GET", "/api/v1/instance")
                response = client.getresponse()
                assert response.status == 200 and b'"uri"' in response.read()
        for client in clients:
            client.close()
        used = {pid: _cpu_ticks(pid) - before[pid] for pid in web}
        # 256 answers cost well over a second of CPU; a process given none of the clients uses next to none.
        assert min(used.values()) >= max(used.values()) / 5, used
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in log.read_text()
