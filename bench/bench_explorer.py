"""The national explorer on a slow phone: bytes and time before the first number.

Builds a PostgreSQL database of its own (as run_all.py does) with the shipped methodology and
KPK's national results from surveys/data/ (loaded as `load_national_results` does, every round
published), optionally grown BENCH_EXPLORER_FACTOR times with renamed copies, counts each page's
SQL queries, serves it with gunicorn (production settings) and opens each page in Chromium,
driven by Playwright over CDP, with a cold cache on a slow 3G link and a slow phone CPU:

    Network.emulateNetworkConditions  400 kbit/s down, 400 kbit/s up, 400 ms latency
    Emulation.setCPUThrottlingRate    4

"First number" is the render time of the element marked `elementtiming="first-number"` (the
first index on the page: Element Timing API), from the start of navigation; "bytes" are the
encoded (gzip) bytes of every response finished by then (the HTML, which carries its
stylesheet). Each page is opened BENCH_EXPLORER_RUNS times (default 3), each in a fresh
context; the medians are printed, with the time the HTML had fully arrived.

    SECRET_KEY=x .venv/bin/python bench/bench_explorer.py

Environment: BENCH_EXPLORER_FACTOR (1), BENCH_EXPLORER_RUNS (3), BENCH_DATABASE
(spi_bench_explorer_<pid>), BENCH_PG_SERVER, CHROMIUM (/usr/bin/chromium).
"""

import contextlib
import csv
import os
import statistics
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server  # noqa: E402

FACTOR = int(os.environ.get("BENCH_EXPLORER_FACTOR", "1"))
RUNS = int(os.environ.get("BENCH_EXPLORER_RUNS", "3"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}
CPU_SLOWDOWN = 4
BUDGET_BYTES, BUDGET_MS = 30 * 1024, 1500
FIRST_NUMBER = """() => new Promise((resolve) => {
  const seen = performance.getEntriesByType("element").find((e) => e.identifier === "first-number");
  if (seen) { resolve(seen.renderTime || seen.loadTime); return; }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === "first-number") resolve(entry.renderTime || entry.loadTime);
    }
  }).observe({type: "element", buffered: true});
  setTimeout(() => resolve(null), 20000);
})"""


@contextlib.contextmanager
def bench_database():
    """A fresh PostgreSQL database (BENCH_DATABASE, default spi_bench_explorer_<pid>), migrated,
    with collected static files; dropped at the end."""
    name = os.environ.get("BENCH_DATABASE") or f"spi_bench_explorer_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="spi-bench-") as folder:
        environment = server.bench_environment(name, Path(folder))
        server.database_drop(name)
        server.database_create(name)
        try:
            os.environ.update(environment)
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            yield environment
        finally:
            from django.db import connections

            connections.close_all()
            server.database_drop(name)
            server.cache_forget(environment)


def national_load(factor: int) -> int:
    """The shipped national results through `services.national_results_load` (what
    `manage.py load_national_results` runs), every round published; with factor > 1, renamed
    copies of every institution and result, in bulk."""
    from django.contrib.auth import get_user_model

    from surveys.models import Institution, InstitutionResult, RoundStatus, SurveyRound
    from surveys.services import methodology_load_all, national_results_load

    loader = get_user_model().objects.create_superuser("bench-loader", password=None)
    methodology_load_all(actor=loader)
    try:
        national_results_load(actor=loader)
    except Exception as failure:  # the import's writer; the figures here are the pages'
        print(f"load_national_results failed ({failure.__class__.__name__}); bulk load instead")
        _bulk_load()
    SurveyRound.objects.update(status=RoundStatus.PUBLISHED)
    originals = list(Institution.objects.all())
    results = list(InstitutionResult.objects.all())
    for copy in range(1, factor):
        made = Institution.objects.bulk_create(
            Institution(
                kpk_code=f"COPY{copy}-{i.pk}",
                name=f"{i.name} (SALINAN {copy})",
                name_key=f"{i.name_key} salinan {copy}",
                type=i.type,
                province=i.province,
            )
            for i in originals
        )
        twin = {i.pk: m for i, m in zip(originals, made, strict=True)}
        InstitutionResult.objects.bulk_create(
            (
                InstitutionResult(
                    round_id=r.round_id,
                    institution=twin[r.institution_id],
                    internal=r.internal,
                    external=r.external,
                    expert=r.expert,
                    correction_integrity=r.correction_integrity,
                    correction_prevalence=r.correction_prevalence,
                    published_index=r.published_index,
                )
                for r in results
            ),
            batch_size=2000,
        )
    return InstitutionResult.objects.count()


def _bulk_load() -> None:
    """The shipped file written with bulk_create (institutions keyed by name)."""
    from surveys.institution_names import institution_key
    from surveys.models import Institution, InstitutionResult, SurveyRound
    from surveys.services import NATIONAL_RESULTS

    rounds = {r.year: r for r in SurveyRound.objects.all()}
    with NATIONAL_RESULTS.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    first = {}
    for row in rows:
        first.setdefault(row["institution_name"], row)
    made = Institution.objects.bulk_create(
        Institution(
            kpk_code=f"N-{number}",
            region_code=row["region_code"],
            name=name,
            name_key=institution_key(name, row["institution_type"]),
            type=row["institution_type"] or "lainnya",
            province=row["province"],
        )
        for number, (name, row) in enumerate(sorted(first.items()))
    )
    by_name = {i.name: i for i in made}

    def number(text, default=None):
        return Decimal(text) if text else default

    InstitutionResult.objects.bulk_create(
        (
            InstitutionResult(
                round=rounds[int(row["year"])],
                institution=by_name[row["institution_name"]],
                internal=number(row["internal"], Decimal(0)),
                external=number(row["external"], Decimal(0)),
                expert=number(row["expert"], Decimal(0)),
                correction_integrity=number(row["correction_integrity"], Decimal(0)),
                correction_prevalence=number(row["correction_prevalence"], Decimal(0)),
                published_index=number(row["published_index"]),
            )
            for row in rows
        ),
        batch_size=2000,
    )


def pages() -> dict:
    from surveys.models import Institution

    bartim = Institution.objects.filter(name__icontains="BARITO TIMUR", type="kabupaten").first()
    some = ",".join(
        str(pk) for pk in Institution.objects.order_by("pk")[:10].values_list("pk", flat=True)
    )
    return {
        "list (latest round, by index)": "/national/",
        "search + filter + sort": "/national/?q=kabupaten&province=Jawa+Tengah&sort=-internal",
        "institution page": f"/national/{bartim.pk}/",
        "comparison (10)": f"/national/compare/?ids={some}",
        "province view": "/national/province/?province=Kalimantan+Tengah",
    }


def query_counts(paths: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, path in paths.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
        counts[name] = len(queries)
    return counts


def slow_phone_view(browser, url: str) -> dict:
    """One cold view on slow 3G with a 4x slower CPU: ms to the first number, bytes by then."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    started, finished = {}, []

    def on_request(event):
        started.setdefault("t0", event["timestamp"])

    def on_finished(event):
        finished.append((event["timestamp"], event["encodedDataLength"]))

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="load")
    first_ms = page.evaluate(FIRST_NUMBER)
    html_ms = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
    page.wait_for_timeout(200)
    context.close()
    if first_ms is None:
        raise RuntimeError(f"{url}: no element marked first-number was rendered")
    t0 = started["t0"]
    before = sum(size for when, size in finished if (when - t0) * 1000 <= first_ms + 1)
    return {
        "ms": first_ms,
        "html_ms": html_ms,
        "bytes": before,
        "all_bytes": sum(s for _, s in finished),
        "requests": len(finished),
    }


def main():
    with bench_database() as environment:
        count = national_load(FACTOR)
        paths = pages()
        counts = query_counts(paths)
        print(f"national results: {count:,} institution-years ({FACTOR}x the shipped file)")
        from playwright.sync_api import sync_playwright

        with server.gunicorn(environment) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            rows = []
            for name, path in paths.items():
                views = [slow_phone_view(browser, base_url + path) for _ in range(RUNS)]
                ms = statistics.median(v["ms"] for v in views)
                best = min(v["ms"] for v in views)
                size = statistics.median(v["bytes"] for v in views)
                html_ms = statistics.median(v["html_ms"] for v in views)
                rows.append((name, counts[name], size, ms, best, html_ms))
            browser.close()
    print(
        f"slow 3G ({SLOW_3G['downloadThroughput'] * 8 / 1000:.0f} kbit/s, "
        f"{SLOW_3G['latency']} ms latency), CPU x{CPU_SLOWDOWN}, cold cache, 390 px, "
        f"median of {RUNS}"
    )
    print(
        f"{'page':32} {'queries':>7} {'KB before 1st number':>21} {'ms to 1st number':>17}"
        f" {'(best)':>7} {'ms to all HTML':>15}  ok"
    )
    failed = False
    for name, queries, size, ms, best, html_ms in rows:
        ok = size <= BUDGET_BYTES and ms <= BUDGET_MS
        failed |= not ok
        verdict = "yes" if ok else "NO"
        print(
            f"{name:32} {queries:7d} {size / 1024:21.1f} {ms:17.0f} {best:7.0f} {html_ms:15.0f}"
            f"  {verdict}"
        )
    print(f"budget: {BUDGET_BYTES // 1024} KB and {BUDGET_MS} ms before the first number (median)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
