"""A small website on a loopback address for link preview tests and the benchmark: an OpenGraph article with a
photo carrying EXIF GPS, an oEmbed video page, a title-only page, redirect chains and a loop, a redirect to
another loopback server, an oversized page, a page that drips bytes, a file that is not HTML, and pages whose
images are hostile. Every request is recorded (path) so tests can tell what was fetched and how often."""

import io
import struct
import threading
import time
import zlib
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

BIDI_TITLE = "Plain \u202etitle\u202c <b>bold</b> &amp; more"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 500), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_claiming_many_pixels() -> bytes:
    """A PNG header that says 30000x30000: refused from the header, before any pixel is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _page(head: str, body: str = "<p>Hello</p>") -> bytes:
    return f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


class Site:
    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address
        self.hits: list[str] = []
        self.redirect_to = ""  # where /elsewhere redirects
        self.drip_seconds = 0.2
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://{self.address}:{self.server.server_address[1]}"

    def routes(self) -> dict:
        base = self.base
        return {
            "/article": (
                "text/html; charset=utf-8",
                _page(
                    '<title>ignored title</title><meta property="og:title" content="A caravan crosses the desert">'
                    '<meta property="og:description" content="Forty camels and a map.">'
                    '<meta property="og:site_name" content="Desert News">'
                    '<meta property="og:image" content="/photo.jpg"><meta property="og:image:alt" content="Camels">'
                    '<meta property="article:published_time" content="2026-11-01T10:00:00Z">'
                    '<meta name="author" content="Layla">'
                ),
            ),
            "/arabic": (
                "text/html",
                _page(
                    '<meta property="og:title" content="قافلة تعبر الصحراء"><meta property="og:locale" content="ar_SA">'
                    '<meta property="og:site_name" content="أخبار الصحراء"><meta property="og:image" content="/photo.jpg">'
                ),
            ),
            "/photo.jpg": ("image/jpeg", jpeg_with_gps()),
            "/video": (
                "text/html",
                _page(
                    "<title>A video</title>"
                    f'<link rel="alternate" type="application/json+oembed" href="{base}/oembed.json">'
                ),
            ),
            "/oembed.json": (
                "application/json",
                (
                    b'{"type": "video", "version": "1.0", "title": "Dunes at dusk", "author_name": "Omar",'
                    b' "author_url": "https://video.example/omar", "provider_name": "Video Example",'
                    b' "provider_url": "javascript:alert(1)", "width": 640, "height": 360,'
                    b' "html": "<script>alert(1)</script><iframe src=\\"https://video.example/embed/1\\"'
                    b' onload=\\"alert(2)\\" width=\\"640\\"></iframe>"}'
                ),
            ),
            "/plain": ("text/html", _page(f"<title>{BIDI_TITLE}</title>")),
            "/redirect/2": ("redirect", f"{base}/redirect/1"),
            "/redirect/1": ("redirect", "/redirect/0"),
            "/redirect/0": ("redirect", "/article"),
            "/loop": ("redirect", "/loop"),
            "/elsewhere": ("redirect", None),
            "/huge": (
                "text/html",
                b"<html><head><title>huge</title></head><body>" + b"x" * (2 * 1024 * 1024),
            ),
            "/slow": ("slow", b""),
            "/file.bin": ("application/octet-stream", b"\0" * 100),
            "/js-image": (
                "text/html",
                _page(
                    '<meta property="og:title" content="&lt;img src=x onerror=alert(1)&gt; Script image">'
                    '<meta property="og:image" content="javascript:alert(1)">'
                ),
            ),
            "/not-an-image": (
                "text/html",
                _page(
                    '<meta property="og:title" content="Fake image"><meta property="og:image" content="/fake.png">'
                ),
            ),
            "/fake.png": ("image/png", b"<html>this is not a picture</html>"),
            "/giant-image": (
                "text/html",
                _page(
                    '<meta property="og:title" content="Giant image"><meta property="og:image" content="/giant.png">'
                ),
            ),
            "/giant.png": ("image/png", png_claiming_many_pixels()),
        }

    def count(self, path: str) -> int:
        return self.hits.count(path)


@contextmanager
def running_site(address: str = "127.0.0.1"):
    """A Site serving on a free port of `address` while the block runs."""
    site = Site(address)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?")[0]
            site.hits.append(path)
            kind, body = site.routes().get(path, ("missing", b""))
            if kind == "redirect":
                self.send_response(302)
                self.send_header("Location", body or site.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(200):  # bounded: 40 s at most
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(site.drip_seconds)
                except OSError:
                    pass
                self.close_connection = True
            elif kind == "missing":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                if path != "/huge":  # the huge page says nothing of its size: the limit counts what arrives
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.close_connection = True
                self.end_headers()
                with suppress(OSError):
                    self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    site.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
