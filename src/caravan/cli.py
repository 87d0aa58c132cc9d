"""The `caravan` command: what a person running Caravan uses (serve, worker, createadmin, role, import, migrate,
check, media-to-s3); Django's developer commands (makemessages, shell...) stay reachable as
`caravan manage COMMAND`, out of the help.

`caravan serve` is the one-box default: it migrates the database, starts the embedded task worker and the web
server, and prints where to open it. Every command first checks the configuration (caravan/config.py) and stops
with one line naming a variable whose value it cannot use.
"""

import argparse
import gc
import getpass
import multiprocessing
import multiprocessing.process
import os
import signal
import socket
import sys
import threading

from django.core.exceptions import ImproperlyConfigured

from caravan import config


def _setup() -> None:
    # The commands import the apps inside their functions, after this: no app module may load before Django
    # is set up (the layer test allows this to entry points only).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
    import django

    django.setup()


def _freeze_startup_objects() -> None:
    """Move everything loaded at start-up out of the garbage collector's reach.

    A full (generation 2) collection walks every tracked object; measured on the seeded benchmark database,
    those walks made one home-timeline read in fifty take 40-110 ms instead of ~7. Objects that live as long
    as the process (modules, settings, URL patterns) need never be scanned again.
    """
    gc.collect()
    gc.freeze()


def served_application():
    """The ASGI application, as each web process gets it (uvicorn's factory): loaded, then frozen out of the
    collector's reach. With `--workers` above 1 each web process is a fresh interpreter that loads the
    application itself, so freezing in `serve` alone left their start-up objects to every full collection."""
    from caravan.asgi import application

    _freeze_startup_objects()
    return application


def serve(args: argparse.Namespace) -> int:
    given: config.Config = args.config
    host = args.host if args.host is not None else given.host
    port = args.port if args.port is not None else given.port
    workers = args.workers if args.workers is not None else given.web_workers
    if port:
        config.use_listen_address_as_base_url(host, port)
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    worker = None
    if settings.CARAVAN["EMBEDDED_WORKER"] and not args.no_worker:
        from caravan.worker import EmbeddedWorker

        worker = EmbeddedWorker(_interrupted_work)
        worker.start()
    import uvicorn

    import caravan.asgi  # noqa: F401  (load the application now, so its objects are frozen too)

    _freeze_startup_objects()

    if workers > 1 and not settings.REDIS_URL:
        print(
            "Note: with several web workers, live streaming needs CARAVAN_REDIS_URL (each worker has its own "
            "in-memory channel layer).",
            flush=True,
        )
    print(f"Caravan is running. Open {settings.BASE_URL}/ in your browser.", flush=True)
    print(f"Data is kept in {settings.DATA_DIR}. Press Ctrl+C to stop.", flush=True)
    options = {
        # Streaming clients keep connections open; do not let them hold a shutdown up for ever.
        "timeout_graceful_shutdown": 5,
        "log_level": given.http_log_level,
        "access_log": False,
        "lifespan": "off",
        "proxy_headers": settings.USE_X_FORWARDED_HOST,
    }
    try:
        if workers > 1:
            _web_processes(workers, host, port, options)
        else:
            uvicorn.run("caravan.cli:served_application", factory=True, host=host, port=port, **options)
    finally:
        if worker is not None:
            worker.stop()
    return 0


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that other processes may bind as well (SO_REUSEPORT)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _web_process(sock: socket.socket, options: dict) -> None:
    """One web process of `serve --workers N` (a fresh interpreter): uvicorn on its own listening socket."""
    import uvicorn

    uvicorn.Server(uvicorn.Config("caravan.cli:served_application", factory=True, **options)).run(
        sockets=[sock]
    )


def _web_processes(count: int, host: str, port: int, options: dict) -> None:
    """`count` web processes, each listening on (host, port) with a socket of its own (SO_REUSEPORT), so the
    kernel spreads new connections over them. uvicorn's `--workers` shares one socket, and asyncio accepts
    every waiting connection when it wakes: a burst of keep-alive clients all landed on one process (8 of 8
    posting clients; the other process idled, and two processes posted less than one). A process that
    exits is started again on a new socket; SIGINT or SIGTERM stops them all (each finishes its requests)."""
    spawn = multiprocessing.get_context("spawn")
    first = _listening_socket(host, port)
    port = first.getsockname()[1]
    stopping = threading.Event()

    def start(sock: socket.socket) -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=_web_process, args=(sock, options), name="caravan-web")
        process.start()
        sock.close()  # the process has its copy; a process that exits takes its socket out of the kernel's spread
        return process

    def stop(*_) -> None:
        stopping.set()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    processes = [start(first), *(start(_listening_socket(host, port)) for _ in range(count - 1))]
    try:
        while not stopping.wait(0.5):
            for index, process in enumerate(processes):
                if not process.is_alive() and not stopping.is_set():
                    print(f"A web process exited (code {process.exitcode}); starting another.", flush=True)
                    processes[index] = start(_listening_socket(host, port))
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join(5)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupted_work() -> None:
    """What a worker takes up again when it starts: federation's deliveries and inbox, the run for the next
    scheduled post, the home feeds' trim sweep and the prune of finished tasks (a killed process's task stays
    marked running for ever)."""
    from caravan.federation.tasks import resume_interrupted_work
    from caravan.publishing import scheduling
    from caravan.timelines import tasks as feed_tasks
    from caravan.worker import prune_finished_tasks, wake

    resume_interrupted_work()
    scheduling.resume()
    feed_tasks.resume()
    wake(prune_finished_tasks)


def worker(args: argparse.Namespace) -> int:
    _setup()
    from caravan.worker import make_worker, resume

    queues = args.queue or None
    resume(_interrupted_work)
    _freeze_startup_objects()
    make_worker(batch=args.batch, queues=queues).run()
    return 0


def createadmin(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    from caravan.errors import DomainError
    from caravan.signup import create_admin

    call_command("migrate", interactive=False, verbosity=0)
    password = args.password or args.config.admin_password or getpass.getpass("Password: ")
    try:
        user = create_admin(args.username, password, args.email or "")
    except DomainError as error:
        print(f"Could not create the admin account: {error.english}", file=sys.stderr)
        return 1
    print(f"Admin account @{user.username} created.")
    return 0


ROLE_WORDS = {"user": "a user", "moderator": "a moderator", "admin": "an admin"}


def role(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    from caravan.accounts.models import User
    from caravan.accounts.services import set_role

    call_command("migrate", interactive=False, verbosity=0)
    user = User.objects.filter(username__iexact=args.username.lstrip("@"), account__domain="").first()
    if user is None:
        print(f"There is no local account named {args.username}.", file=sys.stderr)
        return 1
    set_role(user, args.role)
    print(f"@{user.username} is now {ROLE_WORDS[args.role]}.")
    return 0


def two_factor_off(args: argparse.Namespace) -> int:
    """For someone who lost both their phone and their recovery codes: the operator, having checked who they
    are, turns two-factor sign-in off; the password alone signs in again."""
    _setup()
    from django.core.management import call_command

    from caravan.accounts import security
    from caravan.accounts.models import User

    call_command("migrate", interactive=False, verbosity=0)
    user = User.objects.filter(username__iexact=args.username.lstrip("@"), account__domain="").first()
    if user is None:
        print(f"There is no local account named {args.username}.", file=sys.stderr)
        return 1
    if not security.remove_two_factor(user):
        print(f"@{user.username} does not use two-factor sign-in.")
        return 0
    print(f"Two-factor sign-in is off for @{user.username}; their password alone signs in again.")
    return 0


def media_to_s3(args: argparse.Namespace) -> int:
    """Copy the local media folder into the bucket CARAVAN_S3_BUCKET names, then say how to switch over; run
    again, it copies only what is missing (decision 0042)."""
    _setup()
    from pathlib import Path

    from django.conf import settings
    from django.core.files.storage import default_storage

    from caravan.media import bucket

    given: config.Config = args.config
    if not settings.MEDIA_IN_BUCKET:
        print(
            "caravan media-to-s3 copies into the bucket that CARAVAN_S3_BUCKET names: set it for this command, "
            "with CARAVAN_S3_ENDPOINT, CARAVAN_S3_REGION and the keys your store needs (README, Object storage).",
            file=sys.stderr,
        )
        return 2
    root = Path(settings.MEDIA_ROOT)
    where = f"the bucket {given.s3_bucket} at {given.s3_endpoint or 'Amazon S3'}"
    if not root.is_dir():
        print(f"There is no media folder at {root} (CARAVAN_MEDIA_ROOT): nothing to copy.")
        return 0
    print(f"Copying the media in {root} to {where}...", flush=True)

    def progress(report: bucket.CopyReport) -> None:
        done = report.copied + len(report.failed)
        if done % 500 == 0:
            print(f"  {done} files copied or tried", flush=True)

    try:
        report = bucket.copy_local_media(root, default_storage, progress)
    except bucket.BucketUnreadable as error:
        print(f"Could not read {where}: {error}. Nothing was copied.", file=sys.stderr)
        return 1
    for name, problem in report.failed:
        print(f"Could not copy {name}: {problem}", file=sys.stderr)
    print(f"Copied {report.copied} files; {report.skipped} were in the bucket already.")
    if report.failed:
        print(
            f"{len(report.failed)} files could not be copied (listed above). Run `caravan media-to-s3` again "
            "to retry them before switching over.",
            file=sys.stderr,
        )
        return 1
    print(
        f"To switch over, set CARAVAN_S3_BUCKET={given.s3_bucket} (and the other CARAVAN_S3_* variables) in "
        "the server's environment and restart Caravan; then run `caravan media-to-s3` once more to copy what "
        f"was uploaded in between. {root} can go once a run copies nothing."
    )
    return 0


# Django management commands a person running Caravan uses, listed in `caravan --help` and passed to Django as
# they are (their own --help is Django's).
DJANGO_COMMANDS = {
    "import": "import an X or Mastodon archive or a Mastodon CSV export into a local account",
    "migrate": "create or update the database tables (`caravan serve` does it too)",
    "check": "check the configuration and the installation",
}


def django_command(argv: list[str], prog: str = "caravan") -> int:
    """Run a Django management command, `argv` as typed after `prog`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line([prog, *argv])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caravan",
        description="Caravan, a federated social server.",
        epilog="`caravan COMMAND --help` describes a command. README.md lists the environment variables.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_serve = sub.add_parser("serve", help="migrate, then run the web server and the embedded worker")
    p_serve.add_argument(
        "--host", default=None, help="address to listen on (default: CARAVAN_HOST, 127.0.0.1)"
    )
    p_serve.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: CARAVAN_PORT, 8000)"
    )
    p_serve.add_argument(
        "--no-worker", action="store_true", help="run no embedded worker (use `caravan worker`)"
    )
    p_serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="web server processes (default: CARAVAN_WEB_WORKERS, 1)",
    )
    p_serve.set_defaults(func=serve)

    p_worker = sub.add_parser("worker", help="run a background task worker")
    p_worker.add_argument("--queue", action="append", help="only these queues (default: all)")
    p_worker.add_argument("--batch", action="store_true", help="run what is due, then exit")
    p_worker.set_defaults(func=worker)

    p_admin = sub.add_parser("createadmin", help="create an admin account")
    p_admin.add_argument("username")
    p_admin.add_argument("--email", default="")
    p_admin.add_argument("--password", default="", help="(or CARAVAN_ADMIN_PASSWORD, or asked for)")
    p_admin.set_defaults(func=createadmin)

    p_role = sub.add_parser("role", help="make an account a moderator, an admin, or a plain user again")
    p_role.add_argument("username")
    p_role.add_argument("role", choices=list(ROLE_WORDS))
    p_role.set_defaults(func=role)

    p_two_factor = sub.add_parser(
        "two-factor-off", help="turn off someone's two-factor sign-in (lost phone and recovery codes)"
    )
    p_two_factor.add_argument("username")
    p_two_factor.set_defaults(func=two_factor_off)

    p_media = sub.add_parser(
        "media-to-s3", help="copy the local media folder into the bucket CARAVAN_S3_BUCKET names"
    )
    p_media.set_defaults(func=media_to_s3)

    for name, summary in DJANGO_COMMANDS.items():
        sub.add_parser(name, help=summary, add_help=False)
    sub.add_parser(
        "manage", help="Django's developer commands: `caravan manage help` lists them", add_help=False
    )
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    command = argv[0]
    if command in DJANGO_COMMANDS:
        config.load()  # a bad value stops here, before Django reports it in its own words
        return django_command(argv)
    if command == "manage":
        config.load()
        return django_command(argv[1:] or ["help"], prog="caravan manage")
    if not command.startswith("-") and command not in (
        "serve",
        "worker",
        "createadmin",
        "role",
        "two-factor-off",
        "media-to-s3",
    ):
        print(
            f"caravan: there is no command {command!r} (`caravan --help` lists them; Django's developer "
            f"commands run as `caravan manage {command}`)",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(argv)
    args.config = config.load()
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        return run(argv)
    except ImproperlyConfigured as error:  # config.ConfigError, or a data folder Caravan cannot write
        print(f"caravan: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
