"""Benchmark: import a synthetic X archive of 100,000 tweets and 10,000 images on SQLite.

Builds the archive (streamed, split into parts as X does), then imports it in a fresh process and prints the
elapsed seconds and that process's peak RSS. Targets: under 60 s, under 500 MB.
Usage: python bench/import_x_archive.py [--tweets 100000] [--media 10000] [--keep DIR]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(path: Path, tweets: int, media: int) -> None:
    from tests.moving.archives import jpeg_bytes, photo, snowflake, tweet

    start = datetime(2015, 1, 1, tzinfo=UTC)
    every = max(1, tweets // max(1, media)) if media else 0
    parts, per_part = [], 20_000
    images = [jpeg_bytes((n * 7 % 256, n * 13 % 256, n * 29 % 256), size=(48, 32)) for n in range(64)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        previous = None
        for part in range(0, tweets, per_part):
            name = "data/tweets.js" if part == 0 else f"data/tweets-part{part // per_part}.js"
            parts.append(
                {
                    "fileName": name,
                    "globalName": f"YTD.tweets.part{part // per_part}",
                    "count": str(min(per_part, tweets - part)),
                }
            )
            pending_media = []
            with archive.open(name, "w") as out:
                out.write(f"window.YTD.tweets.part{part // per_part} = [\n".encode())
                for n in range(part, min(tweets, part + per_part)):
                    moment = start + timedelta(minutes=17 * n)
                    tid = snowflake(moment, n % 4096)
                    with_media = every and n % every == 0 and n // every < media
                    entry = tweet(
                        moment,
                        f"Tweet {n} about #topic{n % 50} &amp; things @friend{n % 300} https://t.co/u{n}"
                        + (" https://t.co/m" if with_media else ""),
                        tweet_id=tid,
                        urls=[(f"https://t.co/u{n}", f"https://example.org/article/{n}")],
                        mentions=[(f"friend{n % 300}", str(5000 + n % 300), f"Friend {n % 300}")],
                        reply_to=previous if n % 10 == 1 else None,
                        media=[photo(tid, 1, "https://t.co/m")] if with_media else (),
                    )
                    if with_media:
                        pending_media.append(
                            (f"data/tweets_media/{tid}-Pic{tid[-6:]}1.jpg", images[n % len(images)])
                        )
                    out.write((("," if n > part else "") + json.dumps({"tweet": entry}) + "\n").encode())
                    previous = tid
                out.write(b"]")
            for media_name, data in pending_media:
                archive.writestr(media_name, data)
        account = [{"account": {"username": "mover", "accountId": "1000001", "accountDisplayName": "Mover"}}]
        archive.writestr("data/account.js", "window.YTD.account.part0 = " + json.dumps(account))
        manifest = {
            "dataTypes": {
                "tweets": {"mediaDirectory": "data/tweets_media", "files": parts},
                "account": {"files": [{"fileName": "data/account.js"}]},
            }
        }
        archive.writestr("data/manifest.js", "window.__THAR_CONFIG = " + json.dumps(manifest))


def run_import(path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
    os.environ.setdefault("CARAVAN_FAST_PASSWORD_HASHER", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from caravan.moving import services
    from caravan.posts.models import Post
    from caravan.signup import register_user

    password = "correct horse battery"  # noqa: S105 - a throwaway benchmark user
    user = register_user(username="mover", password=password, agreement=True)
    job = services.start_import(user, "x_archive", path, {"visibility": "public"}, enqueue=False)
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    services.run_import_job(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(
        json.dumps(
            {
                "status": job.status,
                "error": job.error,
                "done": job.done,
                "skipped": job.skipped,
                "failed": job.failed,
                "posts": Post.objects.count(),
                "with_media": Post.objects.filter(has_media=True).count(),
                "elapsed_s": round(elapsed, 1),
                "cpu_s": round(cpu, 1),
                "load_avg_1m": os.getloadavg()[0],
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tweets", type=int, default=100_000)
    parser.add_argument("--media", type=int, default=10_000)
    parser.add_argument("--keep", default="")
    parser.add_argument("--import-only", default="")
    args = parser.parse_args()
    if args.import_only:
        run_import(Path(args.import_only))
        return
    work = Path(args.keep or tempfile.mkdtemp(prefix="caravan-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "x-archive.zip"
    started = time.perf_counter()
    build(path, args.tweets, args.media)
    print(
        f"built {path} ({path.stat().st_size / 1e6:.0f} MB) with {args.tweets} tweets, {args.media} images "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    env = {**os.environ, "CARAVAN_DATA_DIR": str(work / "data")}
    subprocess.run([sys.executable, __file__, "--import-only", str(path)], env=env, check=True)


if __name__ == "__main__":
    main()
