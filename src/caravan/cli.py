"""The `caravan` command: serve, worker, createadmin, and every Django management command besides.

`caravan serve` is the one-box default: it migrates the database, starts the embedded task worker and the web
server, and prints where to open it.
"""

import argparse
import gc
import getpass
import os
import sys


def _setup() -> None:
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


def serve(args: argparse.Namespace) -> int:
    if args.port:
        os.environ.setdefault(
            "CARAVAN_BASE_URL", f"http://{args.host if args.host != '0.0.0.0' else '127.0.0.1'}:{args.port}"
        )
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    worker = None
    if settings.CARAVAN["EMBEDDED_WORKER"] and not args.no_worker:
        from caravan.worker import EmbeddedWorker

        worker = EmbeddedWorker()
        worker.start()
    import uvicorn

    import caravan.asgi  # noqa: F401  (load the application now, so its objects are frozen too)

    _freeze_startup_objects()

    if args.workers > 1 and not settings.REDIS_URL:
        print(
            "Note: with several web workers, live streaming needs CARAVAN_REDIS_URL (each worker has its own "
            "in-memory channel layer).",
            flush=True,
        )
    print(f"Caravan is running. Open {settings.BASE_URL}/ in your browser.", flush=True)
    print(f"Data is kept in {settings.DATA_DIR}. Press Ctrl+C to stop.", flush=True)
    try:
        uvicorn.run(
            "caravan.asgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers,
            # Streaming clients keep connections open; do not let them hold a shutdown up for ever.
            timeout_graceful_shutdown=5,
            log_level=os.environ.get("CARAVAN_HTTP_LOG_LEVEL", "warning"),
            access_log=False,
            lifespan="off",
            proxy_headers=settings.USE_X_FORWARDED_HOST,
        )
    finally:
        if worker is not None:
            worker.stop()
    return 0


def worker(args: argparse.Namespace) -> int:
    _setup()
    from caravan.worker import make_worker, resume_interrupted_work

    queues = args.queue or None
    resume_interrupted_work()
    _freeze_startup_objects()
    make_worker(batch=args.batch, queues=queues).run()
    return 0


def createadmin(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    from caravan.accounts.services import create_admin
    from caravan.errors import DomainError

    call_command("migrate", interactive=False, verbosity=0)
    password = args.password or os.environ.get("CARAVAN_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        user = create_admin(args.username, password, args.email or "")
    except DomainError as error:
        print(f"Could not create the admin account: {error.english}", file=sys.stderr)
        return 1
    print(f"Admin account @{user.username} created.")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="caravan", description="Caravan, a federated social server.")
    sub = parser.add_subparsers(dest="command")

    p_serve = sub.add_parser("serve", help="migrate, then run the web server and the embedded worker")
    p_serve.add_argument("--host", default=os.environ.get("CARAVAN_HOST", "127.0.0.1"))
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("CARAVAN_PORT", "8000")))
    p_serve.add_argument(
        "--no-worker", action="store_true", help="run no embedded worker (use `caravan worker`)"
    )
    p_serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CARAVAN_WEB_WORKERS", "1")),
        help="web server processes (default 1)",
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

    known = {"serve", "worker", "createadmin", "-h", "--help"}
    if argv and argv[0] not in known:
        # Everything else is a Django management command (migrate, shell, import commands...).
        _setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["caravan", *argv])
        return 0
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
