"""Requests a second of the cached public page against /healthz, in one process (no client cost).

    SECRET_KEY=x DATABASE_URL=sqlite:////tmp/b.sqlite3 .venv/bin/python bench/public_page_ratio.py

Each request goes through Django's WSGI handler and every middleware, over HTTPS (so HSTS is on).
SECONDS (3) per figure, ROUNDS (2); LAST=1 moves PublicBytesMiddleware to the end of the chain
(the bytes from memory, the middleware chain still run) to compare the two placements.
"""

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spi_portal.settings")
from django.conf import settings  # noqa: E402

plain_static = "django.contrib.staticfiles.storage.StaticFilesStorage"
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain_static}}
if os.environ.get("LAST"):
    chain = [m for m in settings.MIDDLEWARE if not m.endswith("PublicBytesMiddleware")]
    settings.MIDDLEWARE = [*chain, "spi_portal.public_bytes.PublicBytesMiddleware"]

import django  # noqa: E402

django.setup()
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

app = WSGIHandler()


def _environ(path, **extra):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "HTTP_HOST": "127.0.0.1",
        "HTTPS": "on",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    return {**environ, **extra}


def hit(path, **extra):
    statuses = []
    body = b"".join(app(_environ(path, **extra), lambda status, headers: statuses.append(status)))
    return statuses[0], body


def rate(path, seconds, **extra):
    hit(path, **extra)
    hit(path, **extra)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        hit(path, **extra)
        count += 1
    return count / (time.perf_counter() - start)


def main():
    seconds = float(os.environ.get("SECONDS", "3"))
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip"}
    status, body = hit("/", **gzip)
    print(f"/ {status}: {len(body)} bytes gzipped, {len(hit('/')[1])} plain")
    for _ in range(int(os.environ.get("ROUNDS", "2"))):
        trivial = rate("/healthz", seconds)
        zipped = rate("/", seconds, **gzip)
        plain = rate("/", seconds)
        print(
            f"healthz {trivial:.0f}/s  public gzip {zipped:.0f}/s ratio {zipped / trivial:.2f}"
            f"  plain {plain:.0f}/s ratio {plain / trivial:.2f}  load {os.getloadavg()[0]:.2f}"
        )


main()
