"""What the benchmark measures: query counts in-process, speed and bytes through gunicorn."""

import gzip
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

from bench.client import Session, percentile, run_clients

ASSET = re.compile(
    r'<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc)="(?P<url>[^"]+)"', re.I
)


def query_counts(pages: dict) -> dict:
    """SQL queries each page issues, through Django's test client in this process.

    `pages` maps a name to (user or None, path); the public page is asked twice, and the
    second (cached) answer is what is counted for it.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (user, path) in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        if user is not None:
            client.force_login(user)
        client.get(path)  # warm: caches, the first connection, the language
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        counts[name] = len(queries)
    return counts


GZIP = {"Accept-Encoding": "gzip"}  # as every browser asks; the client keeps the bytes as sent


def speed(base_url, path, *, sessions, seconds, max_requests) -> dict:
    """Requests per second and latency percentiles of GET `path` (asking for gzip), one thread
    per session, with the CPU per request of the gunicorn workers (from /proc) and of this
    client process (os.times: every thread of it) over the run."""
    from bench.server import worker_cpu_seconds

    def work(session, recorder, number):
        try:
            answer = session.get(path, **GZIP)
            error = None if answer.status == 200 else f"HTTP {answer.status}"
            recorder.add(path, answer.seconds, error)
        except OSError as failure:
            recorder.add(path, 0.0, repr(failure))

    server_before, client_before = worker_cpu_seconds(base_url), _own_cpu_seconds()
    recorder, elapsed = run_clients(sessions, work, seconds=seconds, max_requests=max_requests)
    server_cpu = worker_cpu_seconds(base_url) - server_before
    client_cpu = _own_cpu_seconds() - client_before
    latencies = recorder.all_seconds()
    count = max(1, len(latencies))
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "server_cpu_ms": server_cpu * 1000 / count,
        "client_cpu_ms": client_cpu * 1000 / count,
        "errors": recorder.errors,
    }


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def wait_until_idle(base_url, *, workers, seconds=600) -> None:
    """Wait until /healthz answers at once from each of `workers` parallel probes, so requests a
    slow page left queued are not charged to the next measurement."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        probes = [Session(base_url) for _ in range(workers)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            answers = list(pool.map(lambda session: session.get("/healthz"), probes))
        if all(a.status == 200 and a.seconds < 0.1 for a in answers):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the server at {base_url} stayed busy for {seconds} s")


def transfer(session: Session, path: str) -> dict:
    """Bytes over the wire for a first view (HTML plus every stylesheet and script it links,
    asked for with Accept-Encoding: gzip as a browser does) and for a repeat view (the HTML,
    plus any linked file the server does not let the browser keep)."""
    page = session.get(path, **GZIP)
    if page.status != 200:
        raise RuntimeError(f"{path} answered {page.status}")
    html = gzip.decompress(page.body) if _gzipped(page) else page.body
    first = repeat = len(page.body)
    assets = []
    for url in dict.fromkeys(m.group("url") for m in ASSET.finditer(html.decode())):
        asset = session.get(url, **GZIP)
        if asset.status != 200:
            raise RuntimeError(f"{url} (linked from {path}) answered {asset.status}")
        first += len(asset.body)
        kept = _browser_keeps(asset)
        repeat += 0 if kept else len(asset.body)
        assets.append((url, len(asset.body), asset.headers.get("Content-Encoding", ""), kept))
    return {"first": first, "repeat": repeat, "html": len(page.body), "assets": assets}


def _gzipped(answer) -> bool:
    return answer.headers.get("Content-Encoding", "") == "gzip"


def _browser_keeps(answer) -> bool:
    """A file the browser reuses without asking: an explicit max-age above zero."""
    cache_control = answer.headers.get("Cache-Control", "")
    found = re.search(r"max-age=(\d+)", cache_control)
    return bool(found and int(found.group(1)) > 0 and "no-cache" not in cache_control)


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result
