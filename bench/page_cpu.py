"""Server CPU per request of every staff page, in-process: the quick loop for issue 14's 15 ms.

Builds the benchmark's dataset (bench/dataset.py; 10 rounds x 60 OPDs x `--size` plans a
round, 1,000 by default: the 10x size) once in a PostgreSQL database of its own, kept between
runs (`--database`, default `spi_page_cpu_<size>`; `--fresh` rebuilds it, `--drop` drops it at
the end), with production settings (DEBUG off, hashed static files, Redis if it answers). Then,
for each page of bench/run_all.py (the trivial view `/healthz` first, as the baseline), it asks
the page `--warm` times through Django's test client, counts the SQL queries of one more
request, and measures `time.process_time()` (this process's user + system CPU: the database
server's own work is not in it, as in run_all.py's gunicorn figure) and the wall time of each
of `--requests` requests; it prints the median and 90th percentile of both, the queries, and
the load average. From the project folder:

    SECRET_KEY=x .venv/bin/python bench/page_cpu.py [--requests 40] [--pages plan_list_all,...]
    SECRET_KEY=x .venv/bin/python bench/page_cpu.py --profile plan_list_all [--sort tottime]

`--profile PAGE` runs PAGE's requests under cProfile instead and prints the top functions by
`--sort` (cumulative by default, then tottime). `--hand-written` adds the plan list's page of
rows rendered by a plain f-string loop (no template engine): the floor the template is
measured against. `--json FILE` writes the figures.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STATIC_FOLDER = Path(tempfile.gettempdir())


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="plans per round (default 1000)")
    parser.add_argument("--database", help="database name (default spi_page_cpu_<size>)")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--warm", type=int, default=5, help="requests before measuring")
    parser.add_argument("--pages", help="comma-separated page keys (default: every page)")
    parser.add_argument("--profile", metavar="PAGE", help="profile PAGE instead of timing")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key")
    parser.add_argument("--top", type=int, default=45, help="rows of the profile printed")
    parser.add_argument("--match", help="print only the profile's functions matching REGEX")
    parser.add_argument("--hand-written", action="store_true", help="also the f-string list")
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--json", type=Path, help="write the figures to FILE")
    return parser.parse_args(argv)


def _database_exists(name: str) -> bool:
    import psycopg2

    connection = psycopg2.connect(f"{server.PG_SERVER}/postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


@contextlib.contextmanager
def page_database(name: str, *, size: int, fresh: bool, drop: bool):
    """The dataset at `size` plans per round in database `name`, built only when missing."""
    if fresh:
        server.database_drop(name)
    existed = _database_exists(name)
    if not existed:
        server.database_create(name)
    environment = server.bench_environment(name, STATIC_FOLDER / f"{name}-files")
    os.environ.update(environment)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        if not (STATIC_FOLDER / f"{name}-files" / "static" / "staticfiles.json").exists():
            call_command("collectstatic", interactive=False, verbosity=0)
        if not existed:
            from bench import dataset

            started = time.perf_counter()
            print(f"Building {size} plans per round in {name}...", flush=True)
            dataset.dataset_build(plans_per_round=size)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        yield environment
    finally:
        from django.db import connections

        connections.close_all()
        server.cache_forget(environment)
        if drop:
            server.database_drop(name)


def _clients():
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import dataset

    users = get_user_model().objects
    clients = {None: Client(HTTP_HOST="127.0.0.1")}
    for who, username in (("inspector", dataset.INSPECTOR), ("head", dataset.head_username(0))):
        clients[who] = Client(HTTP_HOST="127.0.0.1")
        clients[who].force_login(users.get(username=username))
    return clients


def _get(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return response


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _get(client, path)
    return len(queries)


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(action, *, requests: int, warm: int) -> dict:
    """CPU (process_time) and wall milliseconds per call of `action`, median and p90."""
    for _ in range(warm):
        action()
    cpu, wall = [], []
    for _ in range(requests):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        action()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started_wall) * 1000)
    return {
        "cpu_ms_min": round(min(cpu), 2),
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "cpu_ms_p90": round(_percentile(cpu, 0.9), 2),
        "wall_ms_median": round(statistics.median(wall), 2),
        "wall_ms_p90": round(_percentile(wall, 0.9), 2),
    }


def profile(action, *, requests: int, warm: int, sort: str, top: int, match=None) -> None:
    for _ in range(warm):
        action()
    profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for the database
    profiler.enable()
    for _ in range(requests):
        action()
    profiler.disable()
    for key in dict.fromkeys([sort, "tottime"]):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(*filter(None, [match]), top)
        print(f"--- by {key}, {requests} requests ---")
        print(out.getvalue())


def plan_list_rows():
    """The plan list's first page of rows (every OPD, as the inspector sees it), loaded and
    labelled once by the page's own selectors (plans_for_list, plan_rows), in Indonesian."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone, translation

    from actionplans import selectors
    from bench import dataset

    translation.activate("id")
    user = get_user_model().objects.get(username=dataset.INSPECTOR)
    plans = selectors.plans_for_list(user)[:50]
    return selectors.plan_rows(plans, timezone.localdate())


def template_rows(rows):
    """The page's own table body (from templates/actionplans/_plan_list.html), rendered by
    Django's engine from the loaded rows."""
    from django.template import engines

    page = (ROOT / "templates" / "actionplans" / "_plan_list.html").read_text()
    body = page[page.index("<tbody>") : page.index("</tbody>") + len("</tbody>")]
    template = engines["django"].from_string("{% load i18n spi %}" + body)
    return lambda: template.render({"plans": rows})


def hand_written_rows(rows):
    """The same table body, the same markup, from a plain f-string loop over the same rows:
    no template engine (the floor the template is measured against)."""
    from django.utils.html import conditional_escape as escape
    from django.utils.translation import gettext, pgettext

    def render():
        new_plan, waiting = pgettext("plan origin", "New"), gettext("waiting for verification")
        overdue, no_capaian = gettext("overdue"), gettext("no verified capaian yet")
        progress_label = gettext("Verified progress")
        out = ["<tbody>\n"]
        for plan in rows:
            origin = (
                f'<span class="badge rounded-pill text-bg-info plan-origin">'
                f"{escape(plan.origin_label)}</span>"
                if plan.origin_label
                else f'<span class="badge rounded-pill text-bg-light border plan-origin">'
                f"{new_plan}</span>"
            )
            pending = (
                f' <span class="badge text-bg-info">{waiting}</span>' if plan.has_pending else ""
            )
            late = (
                f' <a class="badge text-bg-danger text-decoration-none" '
                f'href="{plan.url}#milestones">{escape(plan.milestones_label)}</a>'
                if plan.overdue_milestones
                else ""
            )
            late_plan = (
                f' <span class="badge text-bg-danger">{overdue}</span>' if plan.overdue else ""
            )
            progress = (
                f'<span class="text-muted small">{no_capaian}</span>'
                if plan.progress_label is None
                else f'<progress class="plan-progress" max="100" value="{plan.progress_value}" '
                f'aria-label="{progress_label}">{plan.progress_label}</progress> '
                f"{plan.progress_label}"
            )
            out.append(
                f'<tr><td><a href="{plan.url}">{escape(plan.title)}</a> '
                f"{origin}{pending}{late}</td>"
                f"<td>{plan.year}</td><td>{plan.indicator_names}</td>"
                f"<td>{escape(plan.opd_label)}</td><td>{plan.due_label}</td>"
                f'<td><span class="badge {plan.status_badge}">{plan.status_label}</span>{late_plan}'
                f"</td><td>{progress}</td></tr>\n"
            )
        out.append("</tbody>")
        return "".join(out)

    return render


def pages():
    """run_all.py's pages but the public page (answered before Django's middleware)."""
    from bench.run_all import pages as run_all_pages

    return [page for page in run_all_pages() if page.page != "public"]


def _page_to_profile(measured, key):
    """A page by its key, or any path (asked as the inspector)."""
    from bench.run_all import Page

    found = [page for page in measured if page.page == key]
    return found[0] if found else Page(key, key, "inspector", key)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    name = arguments.database or f"spi_page_cpu_{arguments.size}"
    chosen = set(arguments.pages.split(",")) if arguments.pages else None
    budget = {"requests": arguments.requests, "warm": arguments.warm}
    with page_database(name, size=arguments.size, fresh=arguments.fresh, drop=arguments.drop):
        clients = _clients()
        measured = [p for p in pages() if chosen is None or p.page in chosen | {"trivial"}]
        if arguments.profile:
            page = _page_to_profile(measured, arguments.profile)
            client = clients[page.who]
            options = {"sort": arguments.sort, "top": arguments.top, "match": arguments.match}
            profile(lambda: _get(client, page.path), **budget, **options)
            return 0
        print(f"load average before: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
        rows = []
        for page in measured:
            client = clients[page.who]
            figures = measure(lambda: _get(client, page.path), **budget)  # noqa: B023
            rows.append({"page": page.page, "path": page.path, **figures})
            rows[-1]["queries"] = _queries(client, page.path)
            print_row(rows[-1])
        if arguments.hand_written:
            listed = plan_list_rows()
            for name, render in (
                ("plan_rows_loaded", plan_list_rows),  # the page's query and labels
                ("plan_rows_template", template_rows(listed)),
                ("plan_rows_hand_written", hand_written_rows(listed)),
            ):
                rows.append({"page": name, "path": None, **measure(render, **budget)})
                print_row(rows[-1] | {"queries": None})
        print(f"load average after: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
        if arguments.json:
            arguments.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def print_row(row):
    queries = "" if row["queries"] is None else row["queries"]
    print(
        f"{row['page']:<24} CPU {row['cpu_ms_median']:>6.2f} ms (p90 {row['cpu_ms_p90']:>6.2f},"
        f" min {row['cpu_ms_min']:>6.2f})"
        f"  wall {row['wall_ms_median']:>6.2f} ms (p90 {row['wall_ms_p90']:>6.2f})"
        f"  queries {queries}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
