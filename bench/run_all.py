"""All the portal benchmarks, one command, one table.

Builds a PostgreSQL database of its own (created and dropped here) with 10 rounds x 60 OPDs x
1,000 plans per round, counts SQL queries per page at 1x (100 plans per round) and 10x, starts
gunicorn (2 sync workers) on 127.0.0.1 with production settings, and measures requests/s and p95
per page, bytes of a first and a repeat view, and the load test (bench/load_test.py). With
BENCH_IMPORT=1 it runs bench/bench_import.py first. From the project folder:

    SECRET_KEY=x .venv/bin/python bench/run_all.py

Environment: BENCH_SECONDS (per page and concurrency, default 10), BENCH_CLIENTS (16),
BENCH_LOAD_SECONDS (60), BENCH_MAX_REQUESTS (per run, 50000), BENCH_PLANS_PER_ROUND (1000),
BENCH_PG_SERVER (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (redis://127.0.0.1:6379/0;
the local-memory cache is used when Redis does not answer).
"""

import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server  # noqa: E402
from bench.client import Session  # noqa: E402
from bench.measure import query_counts, speed, timed, transfer, wait_until_idle  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "50000"))
PLANS_10X = int(os.environ.get("BENCH_PLANS_PER_ROUND", "1000"))
PLANS_1X = max(1, PLANS_10X // 10)
BUDGET = {"max_requests": MAX_REQUESTS}
KB = 1024


@contextlib.contextmanager
def bench_database():
    """A fresh PostgreSQL database, migrated, with collected static files; dropped at the end."""
    name = f"spi_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="spi-bench-") as folder:
        environment = server.bench_environment(name, Path(folder))
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


@contextlib.contextmanager
def bench_site(*, plans_per_round):
    """bench_database with the dataset, served by gunicorn; yields the base URL."""
    with bench_database() as environment:
        from bench import dataset

        dataset.dataset_build(plans_per_round=plans_per_round)
        with server.gunicorn(environment) as base_url:
            yield base_url


def pages_for_queries() -> dict:
    from django.contrib.auth import get_user_model

    from actionplans.models import ActionPlan
    from bench import dataset

    users = get_user_model().objects
    inspector = users.get(username=dataset.INSPECTOR)
    head = users.get(username=dataset.head_username(0))
    plan = ActionPlan.objects.filter(owner_opd__code="OPD-00").order_by("pk").first()
    return {
        "trivial view (/healthz)": (None, "/healthz"),
        "public page (cached)": (None, "/"),
        "dashboard": (inspector, "/dashboard/"),
        "plan list (every OPD)": (inspector, "/plans/"),
        "plan list (one OPD)": (inspector, "/plans/?opd=OPD-00"),
        "plan detail": (inspector, f"/plans/{plan.pk}/"),
        "my plans (head of OPD)": (head, "/plans/mine/"),
        "verification queue": (inspector, "/plans/verification/"),
    }


SPEED_PAGES = [
    ("trivial view (/healthz)", None, "/healthz"),
    ("public page (cached)", None, "/"),
    ("dashboard", "inspector", "/dashboard/"),
    ("plan list (every OPD)", "inspector", "/plans/"),
    ("plan list (one OPD)", "inspector", "/plans/?opd=OPD-00"),
]


def measure_speed(base_url) -> dict:
    from bench import dataset

    sessions = [Session(base_url) for _ in range(CLIENTS)]
    for session in sessions:
        session.log_in(dataset.INSPECTOR, dataset.PASSWORD)
    results = {}
    for name, who, path in SPEED_PAGES:
        if who is None:
            Session(base_url).get(path)  # fill the public page cache
        wait_until_idle(base_url, workers=server.WORKERS)
        one = speed(base_url, path, sessions=sessions[:1], seconds=SECONDS / 2, **BUDGET)
        wait_until_idle(base_url, workers=server.WORKERS)
        many = speed(base_url, path, sessions=sessions, seconds=SECONDS, **BUDGET)
        results[name] = {"one": one, "many": many}
        print(f"  measured {name}: {many['rps']:.1f} requests/s at {CLIENTS} clients", flush=True)
    return results


def measure_bytes(base_url) -> dict:
    from bench import dataset

    visitor, inspector = Session(base_url), Session(base_url)
    inspector.log_in(dataset.INSPECTOR, dataset.PASSWORD)
    return {
        "public page": transfer(visitor, "/"),
        "dashboard": transfer(inspector, "/dashboard/"),
    }


def main() -> int:
    from bench.load_test import load_test, print_load_result

    if os.environ.get("BENCH_IMPORT") == "1":
        bench_import = Path(__file__).with_name("bench_import.py")
        subprocess.run([sys.executable, str(bench_import)], check=True)
    started = datetime.now().astimezone()
    with bench_database() as environment:
        from bench import dataset

        print(f"Building {PLANS_1X} plans per round (1x)...", flush=True)
        t_build, _ = timed(lambda: dataset.dataset_build(plans_per_round=PLANS_1X))
        counts_1x = query_counts(pages_for_queries())
        print(f"Growing to {PLANS_10X} plans per round (10x)...", flush=True)
        t_grow, _ = timed(lambda: dataset.dataset_grow(plans_per_round=PLANS_10X))
        counts_10x = query_counts(pages_for_queries())
        with server.gunicorn(environment) as base_url:
            print(f"gunicorn ({server.WORKERS} workers) at {base_url}", flush=True)
            speeds = measure_speed(base_url)
            transfers = measure_bytes(base_url)
            print(f"Load test: {CLIENTS} clients for {LOAD_SECONDS:.0f} s...", flush=True)
            wait_until_idle(base_url, workers=server.WORKERS)
            load = load_test(base_url, clients=CLIENTS, seconds=LOAD_SECONDS)
        cache = "Redis" if environment["REDIS_URL"] else "local memory"
    print_report(started, cache, t_build + t_grow, counts_1x, counts_10x, speeds, transfers)
    print_load_result(load)
    return 0 if load["no_lost_writes"] and not load["errors"] else 1


def print_report(started, cache, t_data, counts_1x, counts_10x, speeds, transfers):
    from bench import dataset

    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nSPI portal benchmark, {started:%Y-%m-%d %H:%M %Z}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average at the end {load}"
    )
    print(
        f"Data: {len(dataset.ROUNDS)} rounds x {dataset.OPD_COUNT} OPDs x {PLANS_10X} plans per "
        f"round ({len(dataset.ROUNDS) * PLANS_10X:,} plans), built in {t_data:.0f} s; PostgreSQL; "
        f"gunicorn {server.WORKERS} sync workers; cache: {cache}"
    )
    trivial = speeds["trivial view (/healthz)"]["many"]["rps"]
    header = (
        f"{'page':<26}{'req/s 1c':>9}{'p95 1c':>8}{f'req/s {CLIENTS}c':>11}{f'p95 {CLIENTS}c':>9}"
        f"{'ratio':>7}{'errors':>7}{'SQL 1x':>8}{'SQL 10x':>8}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for name in counts_10x:
        row = speeds.get(name)
        if row:
            one, many = row["one"], row["many"]
            figures = (
                f"{one['rps']:>9.1f}{one['p95_ms']:>6.0f}ms{many['rps']:>11.1f}"
                f"{many['p95_ms']:>7.0f}ms{many['rps'] / trivial:>7.2f}"
                f"{len(one['errors']) + len(many['errors']):>7}"
            )
        else:
            figures = f"{'':>9}{'':>8}{'':>11}{'':>9}{'':>7}{'':>7}"
        print(f"{name:<26}{figures}{counts_1x[name]:>8}{counts_10x[name]:>8}")
    print("(1c/16c: clients; ratio: requests/s against the trivial view at the same concurrency)")
    print_targets(speeds, transfers, counts_1x, counts_10x)
    print(f"\n{'bytes transferred':<26}{'first view':>12}{'repeat view':>13}")
    for name, sizes in transfers.items():
        print(f"{name:<26}{sizes['first'] / KB:>9.1f} KB{sizes['repeat'] / KB:>10.1f} KB")
        for url, size, encoding, kept in sizes["assets"]:
            note = "kept" if kept else "asked again"
            print(f"    {url:<60}{size / KB:>8.1f} KB {encoding or 'identity':<8} {note}")


def print_targets(speeds, transfers, counts_1x, counts_10x):
    """The targets of issue #7, each with the figure measured."""
    trivial = speeds["trivial view (/healthz)"]["many"]["rps"]
    ratio_public = speeds["public page (cached)"]["many"]["rps"] / trivial
    ratio_dashboard = speeds["dashboard"]["many"]["rps"] / trivial
    queries = sum(counts_10x.values())
    checks = [
        ("cached public page ratio >= 0.8", ratio_public, ratio_public >= 0.8),
        ("dashboard ratio >= 0.3", ratio_dashboard, ratio_dashboard >= 0.3),
        ("SQL queries equal at 1x and 10x (sum)", queries, counts_1x == counts_10x),
    ]
    for name, row in speeds.items():
        p95 = row["many"]["p95_ms"]
        checks.append((f"p95 <= 150 ms at {CLIENTS} clients: {name}", p95, p95 <= 150))
    for name, limit in (("public page", 150), ("dashboard", 700)):
        first, repeat = transfers[name]["first"] / KB, transfers[name]["repeat"] / KB
        checks.append((f"{name} first view <= {limit} KB", first, first <= limit))
        checks.append((f"{name} repeat view <= 60 KB", repeat, repeat <= 60))
    print("\ntargets")
    for name, figure, met in checks:
        print(f"  {name:<56}{figure:>10.2f}  {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"\n(total {time.perf_counter() - start:.0f} s)")
    sys.exit(code)
