"""Benchmark: import respondent-level exports of the self-run survey, and score a national campaign.

Two sizes (issue 15's "Speed"): a regency, 30,000 respondents x 40 items, and the nation,
600,000 respondents x 30 items (18 million answers). For each, a synthetic export is written to a
temporary folder (an `opd` column naming OPDs by code, a `group` column, one column per item: a
third of them as labels such as "Sangat setuju", the rest as numbers, about 2 % blank), then in
processes of their own:

- `pandas.read_csv` of the file (wall time, peak resident memory of that process);
- into a fresh database with a questionnaire of that many items (`services.questionnaire_load`),
  the OPDs (bulk) and a campaign whose units cover them, `selfsurvey.response_import.import_file`
  of the file (wall time, peak resident memory up to the end of the import), and on the national
  campaign `services.campaign_recompute` (flags and every score), timed.

Each import figure is also given as a ratio to pandas.read_csv of the same file. The 1-minute load
average is printed with the figures (the machine is shared). Run from the project folder:

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/spi_import_bench \
        .venv/bin/python bench/bench_selfsurvey.py [--sizes regency,national] [--json FILE]

Without `DATABASE_URL` the database is a temporary SQLite file; with it, a fresh `test_<name>`
database is created on that server for each size and dropped afterwards. Exits 1 when a target
is missed (regency <= 10 s; national <= 180 s and <= 1.5 GB on PostgreSQL; scores <= 5 s).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fresh_db  # bench/, the script's own folder

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "regency": {"respondents": 30_000, "items": 40, "opds": 40},
    "national": {"respondents": 600_000, "items": 30, "opds": 600},
}
LIMITS = {"regency": 10.0, "national": 180.0}
MEMORY_LIMIT_MIB = 1536
RECOMPUTE_LIMIT_S = 5.0
LABELS = ["Sangat tidak setuju", "Tidak setuju", "Setuju", "Sangat setuju"]
SCALE_LABELS = [
    {"value": value, "label_id": label, "label_en": label_en}
    for value, label, label_en in [
        (1, "Sangat tidak setuju", "Strongly disagree"),
        (2, "Tidak setuju", "Disagree"),
        (3, "Setuju", "Agree"),
        (4, "Sangat setuju", "Strongly agree"),
        (9, "Tidak tahu", "Don't know"),
    ]
]


def item_code(number: int) -> str:
    return f"Q{number + 1:02d}"


def opd_code(number: int) -> str:
    return f"OPD-{number + 1:04d}"


def definition(items: int) -> dict:
    """A questionnaire of `items` internal items on a 1-4 scale (9: don't know), five per
    indicator, the indicators spread over six dimensions."""
    indicators = [
        {
            "code": f"IND{n + 1:02d}",
            "dimension": ("TRN", "SDM", "ANG", "PBJ", "GRT", "SKD")[n % 6],
            "name_id": f"Indikator {n + 1}",
            "name_en": f"Indicator {n + 1}",
        }
        for n in range((items + 4) // 5)
    ]
    return {
        "code": f"bench-{items}",
        "title_id": f"Kuesioner uji {items} butir",
        "title_en": f"Benchmark questionnaire, {items} items",
        "indicators": indicators,
        "items": [
            {
                "code": item_code(n),
                "group": "internal",
                "indicator": indicators[n // 5]["code"],
                "wording_id": f"Pernyataan uji nomor {n + 1}.",
                "wording_en": f"Benchmark statement number {n + 1}.",
                "scale_min": 1,
                "scale_max": 4,
                "reverse": n % 4 == 3,
                "dont_know_values": [9],
                "scale_labels": SCALE_LABELS,
            }
            for n in range(items)
        ],
    }


def write_export(folder: Path, size: str) -> Path:
    """The synthetic export of one size, written with pandas (a third of the items as labels)."""
    import numpy as np
    import pandas as pd

    spec = SIZES[size]
    rng = np.random.default_rng(15)
    n = spec["respondents"]
    columns = {
        "opd": np.array([opd_code(i) for i in range(spec["opds"])])[
            rng.integers(0, spec["opds"], n)
        ],
        "group": np.full(n, "internal"),
    }
    labels = np.array(["", *LABELS, "Tidak tahu"], dtype=object)
    for number in range(spec["items"]):
        values = rng.integers(1, 5, n)
        values[rng.random(n) < 0.03] = 9
        blank = rng.random(n) < 0.02
        if number % 3 == 0:
            shown = labels[np.where(values == 9, 5, values)]
            shown[blank] = ""
            columns[item_code(number)] = shown
        else:
            columns[item_code(number)] = pd.array(np.where(blank, 0, values), dtype="Int64")
            columns[item_code(number)][blank] = pd.NA
    path = folder / f"{size}.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def peak_mib() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss does
    not on Linux: a child starts with its parent's peak, here the one of writing the file)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_read(path: Path) -> dict:
    """pandas.read_csv of the file, in this (fresh) process: best of two, and the peak memory."""
    import pandas as pd

    baseline = peak_mib()
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        frame = pd.read_csv(path)
        seconds.append(time.perf_counter() - start)
        del frame
    return {"read_csv_s": min(seconds), "read_csv_peak_mib": peak_mib(), "baseline_mib": baseline}


def campaign_world(size: str):
    """An actor, the questionnaire, the OPDs (bulk) and a campaign covering them."""
    import datetime

    from django.contrib.auth import get_user_model

    from actionplans.models import OPD
    from selfsurvey import services

    spec = SIZES[size]
    actor = get_user_model().objects.create_user("bench-inspector", is_superuser=True)
    questionnaire = services.questionnaire_load(actor=actor, definition=definition(spec["items"]))
    opds = OPD.objects.bulk_create(
        OPD(code=opd_code(n), name=f"Perangkat Daerah Uji {n + 1}") for n in range(spec["opds"])
    )
    campaign = services.campaign_create(
        actor=actor,
        name=f"Bench {size}",
        questionnaire=questionnaire,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 4, 30),
        opds=opds,
        groups=["internal"],
    )
    return actor, campaign


def measure_import(folder: Path, size: str, path: Path) -> dict:
    """In this (fresh) process: the world, the import (time, peak memory), then the scores."""
    fresh_server_db = fresh_db.setup_django(folder)
    from django.db import connection

    from selfsurvey import services
    from selfsurvey.response_import import import_file

    actor, campaign = campaign_world(size)
    before = peak_mib()
    start = time.perf_counter()
    outcome = import_file(actor=actor, campaign=campaign, path=path, file_name=path.name)
    seconds = time.perf_counter() - start
    peak = peak_mib()
    assert outcome.ok, outcome.errors[:3]
    assert outcome.created == SIZES[size]["respondents"] == campaign.responses.count()
    result = {
        "size": size,
        "database": connection.vendor,
        "respondents": outcome.created,
        "items": SIZES[size]["items"],
        "file_mib": path.stat().st_size / 2**20,
        "import_s": seconds,
        "import_peak_mib": peak,
        "peak_before_import_mib": before,
        "load_before_import": os.getloadavg()[0],
    }
    if size == "national":
        recompute = []
        for _ in range(2):
            start = time.perf_counter()
            services.campaign_recompute(actor=actor, campaign=campaign)
            recompute.append(time.perf_counter() - start)
        result["recompute_s"] = recompute
        result["recompute_profile"] = profile_recompute(campaign)
    if fresh_server_db:
        connection.close()
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return result


def profile_recompute(campaign) -> dict:
    """Where the recomputation's time goes: read, flag, score, store."""
    from selfsurvey import selectors, services
    from surveys import self_scoring

    timings = {}
    start = time.perf_counter()
    responses = selectors.response_table(campaign)
    timings["response_table_s"] = time.perf_counter() - start
    start = time.perf_counter()
    services._flags(campaign, responses)
    timings["flags_s"] = time.perf_counter() - start
    start = time.perf_counter()
    self_scoring.campaign_scores(
        selectors.item_specs(campaign.questionnaire),
        responses.loc[~responses["excluded"]],
        weights=selectors.group_weights(campaign),
        k=campaign.min_cell_size,
    )
    timings["campaign_scores_s"] = time.perf_counter() - start
    return timings


def in_subprocess(*arguments) -> dict:
    answer = subprocess.run(
        [sys.executable, __file__, *arguments],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def measure_size(folder: Path, size: str) -> dict:
    start = time.perf_counter()
    path = write_export(folder, size)
    written = time.perf_counter() - start
    load_start = os.getloadavg()[0]
    read = in_subprocess("--read", str(path))
    result = in_subprocess("--import", size, str(path), str(folder)) | read
    result |= {
        "write_file_s": written,
        "import_ratio": result["import_s"] / result["read_csv_s"],
        "memory_ratio": result["import_peak_mib"] / result["read_csv_peak_mib"],
        "limit_s": LIMITS[size],
        "load_start": load_start,
        "load_end": os.getloadavg()[0],
    }
    path.unlink()
    return result


def misses(results) -> list[str]:
    missed = []
    for r in results:
        if r["import_s"] > r["limit_s"]:
            missed.append(f"{r['size']}: import {r['import_s']:.1f} s > {r['limit_s']:.0f} s")
        if r["size"] == "national" and r["import_peak_mib"] > MEMORY_LIMIT_MIB:
            missed.append(f"national: peak {r['import_peak_mib']:.0f} MiB > {MEMORY_LIMIT_MIB}")
        if "recompute_s" in r and min(r["recompute_s"]) > RECOMPUTE_LIMIT_S:
            missed.append(f"national: scores {min(r['recompute_s']):.1f} s > {RECOMPUTE_LIMIT_S}")
    return missed


def print_table(results):
    print(f"database: {results[0]['database']}; cores: {os.cpu_count()}")
    print(
        f"{'size':<10}{'rows x items':>16}{'MiB':>6}{'read_csv s':>11}{'import s':>10}"
        f"{'x read':>8}{'limit s':>8}{'read MiB':>9}{'import MiB':>11}{'x read':>8}"
        f"{'before MiB':>11}{'load':>12}"
    )
    for r in results:
        shape = f"{r['respondents']:,} x {r['items']}"
        load = f"{r['load_start']:.2f}-{r['load_end']:.2f}"
        print(
            f"{r['size']:<10}{shape:>16}{r['file_mib']:>6.0f}{r['read_csv_s']:>11.2f}"
            f"{r['import_s']:>10.2f}{r['import_ratio']:>8.1f}{r['limit_s']:>8.0f}"
            f"{r['read_csv_peak_mib']:>9.0f}{r['import_peak_mib']:>11.0f}"
            f"{r['memory_ratio']:>8.1f}{r['peak_before_import_mib']:>11.0f}{load:>12}"
        )
        if "recompute_s" in r:
            runs = ", ".join(f"{s:.2f}" for s in r["recompute_s"])
            parts = ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in r["recompute_profile"].items())
            print(f"  campaign_recompute: {runs} s (limit {RECOMPUTE_LIMIT_S:.0f} s); {parts}")
    missed = misses(results)
    print(
        "MiB: peak resident memory (VmHWM) of the process; 'before': Django, the migrations and "
        "the world, before the import began; load: 1-minute load average at the start and end"
    )
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="regency,national")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--read", metavar="CSV", help=argparse.SUPPRESS)
    parser.add_argument("--import", dest="one", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.read:
        print(json.dumps(measure_read(Path(options.read))))
        return 0
    if options.one:
        size, path, folder = options.one
        print(json.dumps(measure_import(Path(folder), size, Path(path))))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-selfsurvey-") as folder:
        results = [measure_size(Path(folder), size) for size in options.sizes.split(",")]
    print_table(results)
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 1 if misses(results) else 0


if __name__ == "__main__":
    sys.exit(main())
