"""All the portal benchmarks, one command, one table.

Builds a PostgreSQL database of its own (created and dropped here) with 10 rounds x 60 OPDs x
1,000 plans per round, counts SQL queries per page at 1x (100 plans per round) and 10x, starts
gunicorn (2 sync workers) on 127.0.0.1 with production settings, and measures per page
requests/s and p95 at 1 and 16 clients (asking for gzip, as browsers do), the CPU per request of
the gunicorn workers (/proc) and of this client, bytes of a first and a repeat view, and the load
test (bench/load_test.py). With BENCH_IMPORT=1 it runs bench/bench_import.py first. From the
project folder:

    SECRET_KEY=x .venv/bin/python bench/run_all.py [--json FILE] [--size PLANS_PER_ROUND]

--json FILE writes the figures as a JSON list, one object per page, and FILE.meta.json beside it
(commit, date, cores, load averages, data size, load test); bench/readme_table.py FILE puts them
in the README's Performance section.

Environment: BENCH_SECONDS (per page at 16 clients, half at 1; default 10), BENCH_CLIENTS (16),
BENCH_LOAD_SECONDS (60), BENCH_MAX_REQUESTS (per run, 50000), BENCH_PLANS_PER_ROUND (1000),
BENCH_PG_SERVER (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (redis://127.0.0.1:6379/0;
the local-memory cache is used when Redis does not answer).
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
PLANS_PER_ROUND = int(os.environ.get("BENCH_PLANS_PER_ROUND", "1000"))
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


@dataclass(frozen=True)
class Page:
    page: str  # the key in the JSON file
    label: str
    who: str | None  # "inspector", "head" (of OPD-00) or None (not logged in)
    path: str


def pages() -> list[Page]:
    """Every page measured; the trivial view first (the ratios are against it)."""
    from actionplans.models import ActionPlan, ProgressReport, ReportStatus

    plan = ActionPlan.objects.filter(owner_opd__code="OPD-00").order_by("pk").first()
    waiting = ProgressReport.objects.filter(status=ReportStatus.PENDING).order_by("pk").first()
    return [
        Page("trivial", "`/healthz` (trivial view)", None, "/healthz"),
        Page("public", "public page (cached)", None, "/"),
        Page("dashboard", "dashboard (inspector)", "inspector", "/dashboard/"),
        Page("plan_list_all", "plan list, every OPD", "inspector", "/plans/"),
        Page("plan_list_opd", "plan list, one OPD", "inspector", "/plans/?opd=OPD-00"),
        Page("work_desk", "work desk (inspector home)", "inspector", "/plans/desk/"),
        Page("opd_home", "OPD home (head of OPD)", "head", "/plans/mine/"),
        Page("plan_detail", "plan detail", "inspector", f"/plans/{plan.pk}/"),
        Page(
            "verification_desk",
            "verification desk",
            "inspector",
            f"/plans/reports/{waiting.pk}/verify/",
        ),
        Page("verification_queue", "verification queue", "inspector", "/plans/verification/"),
    ]


def query_counts_of(measured: list[Page]) -> dict:
    from django.contrib.auth import get_user_model

    from bench import dataset

    users = get_user_model().objects
    who = {
        None: None,
        "inspector": users.get(username=dataset.INSPECTOR),
        "head": users.get(username=dataset.head_username(0)),
    }
    return query_counts({page.page: (who[page.who], page.path) for page in measured})


def logged_in_sessions(base_url) -> dict:
    """CLIENTS sessions per kind of visitor; one sign-in each, its cookies shared (reads only)."""
    from bench import dataset

    sessions = {None: [Session(base_url) for _ in range(CLIENTS)]}
    for who, username in (("inspector", dataset.INSPECTOR), ("head", dataset.head_username(0))):
        first = Session(base_url)
        first.log_in(username, dataset.PASSWORD)
        sessions[who] = [first]
        for _ in range(CLIENTS - 1):
            other = Session(base_url)
            for cookie in first.cookies:
                other.cookies.set_cookie(cookie)
            sessions[who].append(other)
    return sessions


def measure_speed(base_url, measured: list[Page]) -> dict:
    sessions = logged_in_sessions(base_url)
    results = {}
    for page in measured:
        clients = sessions[page.who]
        clients[0].get(page.path)  # fill the page's cache, if it has one
        wait_until_idle(base_url, workers=server.WORKERS)
        load = os.getloadavg()[0]
        one = speed(base_url, page.path, sessions=clients[:1], seconds=SECONDS / 2, **BUDGET)
        wait_until_idle(base_url, workers=server.WORKERS)
        many = speed(base_url, page.path, sessions=clients, seconds=SECONDS, **BUDGET)
        results[page.page] = {"one": one, "many": many, "load_1m": load}
        print(
            f"  {page.label}: {many['rps']:.1f} requests/s at {CLIENTS} clients, server CPU "
            f"{many['server_cpu_ms']:.1f} ms/request (load average {load:.1f})",
            flush=True,
        )
    return results


def measure_bytes(base_url, measured: list[Page]) -> dict:
    sessions = logged_in_sessions(base_url)
    return {page.page: transfer(sessions[page.who][0], page.path) for page in measured}


def figures(measured, counts_1x, counts_10x, speeds, transfers) -> list[dict]:
    """One object per page, the trivial view first; null where a figure was not measured."""
    trivial = speeds["trivial"]["many"]["rps"]
    rows = []
    for page in measured:
        one, many = speeds[page.page]["one"], speeds[page.page]["many"]
        sizes = transfers.get(page.page)
        requests = one["requests"] + many["requests"]
        rows.append(
            {
                "page": page.page,
                "label": page.label,
                "path": page.path,
                "rps_1": round(one["rps"], 1),
                "p95_ms_1": round(one["p95_ms"], 1),
                "rps_16": round(many["rps"], 1),
                "p95_ms_16": round(many["p95_ms"], 1),
                "ratio_to_trivial": round(many["rps"] / trivial, 3),
                "server_cpu_ms": round(_per_request(one, many, "server_cpu_ms"), 2),
                "client_cpu_ms": round(_per_request(one, many, "client_cpu_ms"), 2),
                "queries_1x": counts_1x.get(page.page),
                "queries_10x": counts_10x.get(page.page),
                "bytes_first": sizes["first"] if sizes else None,
                "bytes_repeat": sizes["repeat"] if sizes else None,
                "requests": requests,
                "errors": len(one["errors"]) + len(many["errors"]),
                "load_1m": round(speeds[page.page]["load_1m"], 2),
            }
        )
    return rows


def _per_request(one, many, key) -> float:
    """The CPU per request over both runs (1 and 16 clients), weighted by their requests."""
    total = one[key] * one["requests"] + many[key] * many["requests"]
    return total / max(1, one["requests"] + many["requests"])


def code_version() -> str:
    """The commit measured (taken at the start), "+changes" when tracked files differ from it."""

    def git(*arguments):
        command = ["git", *arguments]
        return subprocess.run(command, cwd=server.ROOT, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip()
    return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def metadata(started, commit, cache, plans_per_round, t_data, loads, load) -> dict:
    from bench import dataset

    return {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit,
        "host": platform.node(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "database": "PostgreSQL",
        "cache": cache,
        "workers": server.WORKERS,
        "clients": CLIENTS,
        "seconds_per_run": {"1": SECONDS / 2, str(CLIENTS): SECONDS},
        "rounds": len(dataset.ROUNDS),
        "opds": dataset.OPD_COUNT,
        "plans_per_round_1x": max(1, plans_per_round // 10),
        "plans_per_round_10x": plans_per_round,
        "plans_10x": len(dataset.ROUNDS) * plans_per_round,
        "data_seconds": round(t_data, 1),
        "load_average": loads,
        "load_test": {key: value for key, value in load.items() if key != "errors"}
        | {"errors": len(load["errors"])},
    }


def main(argv=None) -> int:
    from bench.load_test import load_test, print_load_result

    arguments = parse_arguments(argv)
    plans_10x = arguments.size
    if os.environ.get("BENCH_IMPORT") == "1":
        bench_import = Path(__file__).with_name("bench_import.py")
        subprocess.run([sys.executable, str(bench_import)], check=True)
    started, commit = datetime.now().astimezone(), code_version()
    loads = {"start": _load_average()}
    with bench_database() as environment:
        from bench import dataset

        print(f"Building {max(1, plans_10x // 10)} plans per round (1x)...", flush=True)
        t_build, _ = timed(lambda: dataset.dataset_build(plans_per_round=max(1, plans_10x // 10)))
        counts_1x = query_counts_of(pages())
        print(f"Growing to {plans_10x} plans per round (10x)...", flush=True)
        t_grow, _ = timed(lambda: dataset.dataset_grow(plans_per_round=plans_10x))
        server.cache_forget(environment)  # whatever else was cached at 1x, in Redis
        measured = pages()
        counts_10x = query_counts_of(measured)
        with server.gunicorn(environment) as base_url:
            print(f"gunicorn ({server.WORKERS} workers) at {base_url}", flush=True)
            loads["before_speed"] = _load_average()
            speeds = measure_speed(base_url, measured)
            loads["after_speed"] = _load_average()
            transfers = measure_bytes(base_url, measured)
            print(f"Load test: {CLIENTS} clients for {LOAD_SECONDS:.0f} s...", flush=True)
            wait_until_idle(base_url, workers=server.WORKERS)
            load = load_test(base_url, clients=CLIENTS, seconds=LOAD_SECONDS)
            loads["end"] = _load_average()
        cache = "Redis" if environment["REDIS_URL"] else "local memory"
    rows = figures(measured, counts_1x, counts_10x, speeds, transfers)
    meta = metadata(started, commit, cache, plans_10x, t_build + t_grow, loads, load)
    print_report(meta, rows, transfers)
    print_load_result(load)
    if arguments.json:
        write_json(arguments.json, rows, meta)
    return 0 if load["no_lost_writes"] and not load["errors"] else 1


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures to FILE (and FILE.meta.json)")
    parser.add_argument(
        "--size",
        type=int,
        default=PLANS_PER_ROUND,
        help=f"plans per round at 10x (default {PLANS_PER_ROUND}; 1x is a tenth)",
    )
    return parser.parse_args(argv)


def write_json(path: Path, rows, meta) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    meta_path(path).write_text(json.dumps(meta, indent=2) + "\n")
    print(f"\nFigures written to {path} and {meta_path(path)}")


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def print_report(meta, rows, transfers):
    loads = ", ".join(
        f"{when} {' / '.join(map(str, values))}" for when, values in meta["load_average"].items()
    )
    print(
        f"\nSPI portal benchmark, {meta['date']}, commit {meta['commit']}, {meta['host']}, "
        f"{meta['cores']} CPUs, Python {meta['python']}"
    )
    print(f"Load average (1 / 5 / 15 min): {loads}")
    print(
        f"Data: {meta['rounds']} rounds x {meta['opds']} OPDs x {meta['plans_per_round_10x']} "
        f"plans per round ({meta['plans_10x']:,} plans), built in {meta['data_seconds']:.0f} s; "
        f"PostgreSQL; gunicorn {meta['workers']} sync workers; cache: {meta['cache']}; "
        "the client asks for gzip"
    )
    header = (
        f"{'page':<20}{'req/s 1c':>9}{'p95 1c':>8}{f'req/s {CLIENTS}c':>11}{f'p95 {CLIENTS}c':>9}"
        f"{'ratio':>7}{'srv ms':>8}{'cli ms':>8}{'SQL 1x':>7}{'SQL 10x':>8}{'err':>5}{'load':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        print(
            f"{row['page']:<20}{row['rps_1']:>9.1f}{row['p95_ms_1']:>6.0f}ms{row['rps_16']:>11.1f}"
            f"{row['p95_ms_16']:>7.0f}ms{row['ratio_to_trivial']:>7.2f}{row['server_cpu_ms']:>8.1f}"
            f"{row['client_cpu_ms']:>8.1f}{row['queries_1x']:>7}{row['queries_10x']:>8}"
            f"{row['errors']:>5}{row['load_1m']:>6.1f}"
        )
    print(
        "(1c/16c: clients; ratio: requests/s against the trivial view at 16 clients; srv/cli ms: "
        "CPU per request of the gunicorn workers / of this client; load: 1-minute load average "
        "when the page's runs began)"
    )
    print_targets(rows)
    print(f"\n{'bytes transferred':<20}{'first view':>12}{'repeat view':>13}")
    for page, sizes in transfers.items():
        print(f"{page:<20}{sizes['first'] / KB:>9.1f} KB{sizes['repeat'] / KB:>10.1f} KB")


STAFF = {
    "dashboard",
    "plan_list_all",
    "plan_list_opd",
    "work_desk",
    "opd_home",
    "plan_detail",
    "verification_desk",
    "verification_queue",
}
RATIO_TARGETS = {"public": 0.9, "dashboard": 0.3}  # every other staff page: 0.1


def targets(rows, clients=CLIENTS) -> list[tuple[str, str, str, float, bool]]:
    """The targets of issue 14: (page, what, target, the figure measured, met)."""
    checks = []
    for row in rows:
        page = row["page"]
        if page == "public" or page in STAFF:
            target = RATIO_TARGETS.get(page, 0.1)
            ratio = row["ratio_to_trivial"]
            checks.append((page, "ratio to trivial", f">= {target}", ratio, ratio >= target))
        if page in STAFF:
            p95, cpu = row["p95_ms_16"], row["server_cpu_ms"]
            checks.append((page, f"p95 ms at {clients} clients", "<= 150", p95, p95 <= 150))
            checks.append((page, "server CPU ms", "<= 15", cpu, cpu <= 15))
            same = row["queries_1x"] == row["queries_10x"]
            checks.append((page, "SQL queries 10x", "= 1x", row["queries_10x"], same))
    return checks


def print_targets(rows):
    print("\ntargets (issue 14)")
    for page, what, target, figure, met in targets(rows):
        name = f"{page}: {what} {target}"
        print(f"  {name:<56}{figure:>10.2f}  {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"\n(total {time.perf_counter() - start:.0f} s)")
    sys.exit(code)
