"""Benchmark: import a synthetic national results file and compute every index.

650 institutions x 5 rounds (2021-2025) are written to a CSV in a temporary folder, imported
through surveys.importing.import_file into a fresh database (a temporary SQLite file, or a
fresh test database on the server DATABASE_URL names), then every round's index is computed
with surveys.scoring.compute_frame. The wall times are compared with pandas.read_csv of the
same file. Run from the project folder:

    SECRET_KEY=x DEBUG=1 .venv/bin/python bench/bench_import.py
"""

import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTITUTIONS = 650
YEARS = range(2021, 2026)
WEIGHTS = (Decimal("0.3046"), Decimal("0.3279"), Decimal("0.3675"))
HEADER = (
    "year,institution_code,institution_name,institution_type,province,internal,external,expert,"
    "correction_integrity,correction_prevalence,published_index"
)


def score(rng, low, high) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def synthetic_row(rng, year, number) -> str:
    groups = (score(rng, 55, 90), score(rng, 65, 97), score(rng, 45, 90))
    corrections = (score(rng, 0, 3), score(rng, 0, 1) if rng.random() < 0.2 else Decimal("0"))
    index = sum(w * g for w, g in zip(WEIGHTS, groups, strict=True)) - sum(corrections)
    published = (index + Decimal(rng.choice((-1, 0, 0, 0, 1))) / 100).quantize(Decimal("0.01"))
    kind = ("kabupaten", "kota", "provinsi", "kementerian", "lembaga")[number % 5]
    cells = [year, f"INST-{number:04d}", f"Instansi Sintetis {number:04d}", kind, "Provinsi"]
    return ",".join(str(c) for c in [*cells, *groups, *corrections, published])


def write_national_file(folder: Path) -> Path:
    rng = random.Random(2024)
    path = folder / "national_results.csv"
    lines = [HEADER] + [synthetic_row(rng, y, n) for y in YEARS for n in range(INSTITUTIONS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def setup_django(folder: Path):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    fresh_server_db = "DATABASE_URL" in os.environ
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spi_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if fresh_server_db:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    return fresh_server_db


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run(folder: Path):
    path = write_national_file(folder)
    fresh_server_db = setup_django(folder)
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.db import connection

    from surveys.importing import import_file
    from surveys.models import ImportKind, SurveyRound
    from surveys.selectors import index_rows
    from surveys.services import methodology_load_all

    loader, _created = get_user_model().objects.get_or_create(username="bench-loader")
    methodology_load_all(actor=loader)

    def import_once():
        with path.open("rb") as handle:
            return import_file(ImportKind.RESULTS, handle, file_name=path.name, actor=loader)

    def compute_all():
        rounds = SurveyRound.objects.prefetch_related("bands").order_by("year")
        return sum(len(index_rows(survey_round)) for survey_round in rounds)

    t_read, frame = min((timed(lambda: pd.read_csv(path)) for _ in range(3)), key=lambda t: t[0])
    t_import, report = timed(import_once)
    t_compute, computed = timed(compute_all)
    t_reimport, again = timed(import_once)
    assert report.created_count == len(frame) == computed == again.unchanged_count
    print_table(path, connection.vendor, len(frame), t_read, t_import, t_compute, t_reimport)
    if fresh_server_db:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def print_table(path, vendor, rows, t_read, t_import, t_compute, t_reimport):
    size = path.stat().st_size / 1024
    print(f"file: {rows} rows ({INSTITUTIONS} institutions x {len(YEARS)} rounds), {size:.0f} KiB")
    print(f"database: {vendor}")
    print(f"{'step':<44}{'seconds':>9}{'x read_csv':>12}")
    steps = [
        ("pandas.read_csv (best of 3)", t_read),
        ("import_file (validate + write, new rows)", t_import),
        ("compute_frame for every round (incl. reads)", t_compute),
        ("import + compute", t_import + t_compute),
        ("import_file again (all rows unchanged)", t_reimport),
    ]
    for label, seconds in steps:
        print(f"{label:<44}{seconds:>9.3f}{seconds / t_read:>12.0f}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as temporary:
        run(Path(temporary))
