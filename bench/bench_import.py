"""Benchmark: import synthetic national results files and compute every index.

For each size, N institutions x 5 rounds (2021-2025) are written to a CSV in a temporary folder,
imported through surveys.importing.import_file (the pipeline of `manage.py import_results` and the
web upload) into a fresh database (a temporary SQLite file, or a fresh test database on the server
DATABASE_URL names), every round's index is computed, and the file is imported again (every row
unchanged). Each size runs in its own process, so its peak memory (the process's maximum
resident set) is its own; the import's peak is read before the benchmark reads the file with
pandas for the comparison. The wall times are compared with pandas.read_csv of the same file.
Then the plan import's query count is measured at 50 and 500 rows. Run from the project folder:

    SECRET_KEY=x DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/spi_bench \
        .venv/bin/python bench/bench_import.py [--rows 3250,325000] [--json]
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import fresh_db  # bench/, the script's own folder

ROOT = Path(__file__).resolve().parent.parent
YEARS = range(2021, 2026)
WEIGHTS = (Decimal("0.3046"), Decimal("0.3279"), Decimal("0.3675"))
HEADER = (
    "year,institution_code,institution_name,institution_type,province,internal,external,expert,"
    "correction_integrity,correction_prevalence,published_index"
)
LIMITS = {3250: 0.2, 325000: 15.0}  # seconds the issue allows for a first import of that size
MEMORY_LIMIT_MIB = 500


def score(rng, low, high) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def synthetic_row(rng, year, number) -> str:
    groups = (score(rng, 55, 90), score(rng, 65, 97), score(rng, 45, 90))
    corrections = (score(rng, 0, 3), score(rng, 0, 1) if rng.random() < 0.2 else Decimal("0"))
    index = sum(w * g for w, g in zip(WEIGHTS, groups, strict=True)) - sum(corrections)
    published = (index + Decimal(rng.choice((-1, 0, 0, 0, 1))) / 100).quantize(Decimal("0.01"))
    kind = ("kabupaten", "kota", "provinsi", "kementerian", "lembaga")[number % 5]
    cells = [year, f"INST-{number:05d}", f"Instansi Sintetis {number:05d}", kind, "Provinsi"]
    return ",".join(str(c) for c in [*cells, *groups, *corrections, published])


def write_national_file(folder: Path, institutions: int) -> Path:
    rng = random.Random(2024)
    path = folder / "national_results.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for year in YEARS:
            handle.writelines(synthetic_row(rng, year, n) + "\n" for n in range(institutions))
    return path


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_size(folder: Path, rows: int) -> dict:
    """One size, in this process: read, import, compute, import again."""
    path = write_national_file(folder, rows // len(YEARS))
    fresh_server_db = fresh_db.setup_django(folder)
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.db import connection

    from surveys.importing import import_file
    from surveys.models import ImportKind, InstitutionResult, SurveyRound
    from surveys.selectors import index_rows
    from surveys.services import methodology_load_all

    loader, _created = get_user_model().objects.get_or_create(
        username="bench-loader", defaults={"is_superuser": True}
    )
    methodology_load_all(actor=loader)

    def import_once():
        with path.open("rb") as handle:
            return import_file(ImportKind.RESULTS, handle, file_name=path.name, actor=loader)

    def compute_all():
        rounds = SurveyRound.objects.prefetch_related("bands").order_by("year")
        return sum(len(index_rows(survey_round)) for survey_round in rounds)

    memory_before = peak_mib()
    t_import, report = timed(import_once)
    memory_import = peak_mib()  # the import's peak, before the benchmark's own pandas copy
    t_read, frame = min((timed(lambda: pd.read_csv(path)) for _ in range(3)), key=lambda t: t[0])
    history = InstitutionResult.history.filter(history_type="+").count()
    t_compute, computed = timed(compute_all) if rows <= 50_000 else (None, len(frame))
    t_reimport, again = timed(import_once)
    assert report.created_count == len(frame) == computed == again.unchanged_count == history
    assert again.batch is None
    result = {
        "rows": len(frame),
        "file_kib": round(path.stat().st_size / 1024),
        "database": connection.vendor,
        "read_csv_s": t_read,
        "import_s": t_import,
        "import_ratio": t_import / t_read,
        "compute_s": t_compute,
        "reimport_s": t_reimport,
        "reimport_ratio": t_reimport / t_read,
        "history_rows": history,
        "peak_mib": peak_mib(),  # the whole run, with pandas.read_csv's frame
        "peak_before_import_mib": memory_before,
        "peak_after_import_mib": memory_import,
        "limit_s": LIMITS.get(len(frame)),
    }
    if fresh_server_db:
        connection.close()
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return result


def measure_plans(folder: Path) -> dict:
    """Queries of the plan import (new plans) at 50 and 500 rows: the counts must be equal."""
    fresh_db.setup_django(folder)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.plan_file import plan_file, plan_world

    actor = plan_world()
    from surveys.importing import import_file
    from surveys.models import ImportKind

    counts = {}
    for rows in (50, 500):
        content = plan_file(rows)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            import_file(ImportKind.PLANS, content, file_name="plans.xlsx", actor=actor)
            seconds = time.perf_counter() - start
        counts[rows] = {"queries": len(queries), "seconds": seconds}
    if "test_" in connection.settings_dict["NAME"]:
        connection.close()
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return counts


def in_subprocess(argument: str) -> dict:
    """Run one measurement in a fresh Python process (its own memory, its own database)."""
    answer = subprocess.run(
        [sys.executable, __file__, "--one", argument],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def print_table(sizes: list[dict], plans: dict):
    print(f"database: {sizes[0]['database']}")
    header = f"{'rows':>8}{'read_csv s':>12}{'import s':>10}{'x read':>8}{'limit s':>9}"
    header += f"{'again s':>9}{'x read':>8}{'history':>9}{'import MiB':>11}{'peak MiB':>10}"
    print(header)
    for size in sizes:
        limit = f"{size['limit_s']:.1f}" if size["limit_s"] else "-"
        print(
            f"{size['rows']:>8}{size['read_csv_s']:>12.3f}{size['import_s']:>10.3f}"
            f"{size['import_ratio']:>8.0f}{limit:>9}{size['reimport_s']:>9.3f}"
            f"{size['reimport_ratio']:>8.0f}{size['history_rows']:>9}"
            f"{size['peak_after_import_mib']:>11.0f}{size['peak_mib']:>10.0f}"
        )
    print(
        "plan import (new plans): "
        + ", ".join(
            f"{rows} rows {value['queries']} queries {value['seconds']:.2f} s"
            for rows, value in plans.items()
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="3250,325000", help="sizes, comma-separated")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measurement
    arguments = parser.parse_args()
    if arguments.one:
        with tempfile.TemporaryDirectory() as temporary:
            if arguments.one == "plans":
                result = measure_plans(Path(temporary))
            else:
                result = measure_size(Path(temporary), int(arguments.one))
        print(json.dumps(result))
        return
    sizes = [in_subprocess(rows) for rows in arguments.rows.split(",")]
    try:
        plans = in_subprocess("plans")
    except subprocess.CalledProcessError as failure:  # the sizes' figures are still printed
        plans = {"failed": {"queries": None, "seconds": 0, "error": failure.stderr[-300:]}}
    failed = [s for s in sizes if s["limit_s"] and s["import_s"] > s["limit_s"]]
    failed += [s for s in sizes if s["peak_after_import_mib"] > MEMORY_LIMIT_MIB]
    queries = {value["queries"] for value in plans.values()} - {None} or {None, 0}
    if arguments.json:
        print(json.dumps({"sizes": sizes, "plans": plans, "ok": not failed and len(queries) == 1}))
    else:
        print_table(sizes, plans)
    sys.exit(1 if failed or len(queries) != 1 else 0)


if __name__ == "__main__":
    main()
