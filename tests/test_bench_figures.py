"""The benchmark's bookkeeping: workers' CPU read from /proc, and the README section it writes."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from bench import readme_table, server
from bench.run_all import meta_path, targets

BURNER = """
import os, time
child = os.fork()
if child == 0:  # the 'worker': a child with the parent's command line
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    time.sleep(30)
    os._exit(0)
print(child, flush=True)
time.sleep(30)
"""


def test_worker_cpu_counts_the_forked_workers_of_that_bind_only():
    bind = f"127.0.0.1:{server.free_port()}"
    master = subprocess.Popen(
        [sys.executable, "-c", BURNER, f"--bind={bind}"], stdout=subprocess.PIPE, text=True
    )
    worker = int(master.stdout.readline())
    try:
        deadline = time.monotonic() + 10
        while server.worker_cpu_seconds(f"http://{bind}") < 0.25 and time.monotonic() < deadline:
            time.sleep(0.1)
        seconds = server.worker_cpu_seconds(f"http://{bind}")
        assert 0.25 <= seconds < 1.0
        assert server.worker_cpu_seconds("http://127.0.0.1:1") == 0
    finally:
        os.kill(worker, signal.SIGKILL)
        master.kill()
        master.wait()


def _row(page, **figures):
    row = {
        "page": page,
        "label": page.replace("_", " "),
        "path": f"/{page}/",
        "rps_1": 50.0,
        "p95_ms_1": 20.0,
        "rps_16": 100.0,
        "p95_ms_16": 120.0,
        "ratio_to_trivial": 0.1,
        "server_cpu_ms": 9.5,
        "client_cpu_ms": 0.8,
        "queries_1x": 7,
        "queries_10x": 7,
        "bytes_first": 2048,
        "bytes_repeat": None,
        "requests": 900,
        "errors": 0,
        "load_1m": 2.5,
    }
    return row | figures


META = {
    "date": "2026-12-01T16:00:00+00:00",
    "commit": "abc1234",
    "host": "vm",
    "cores": 2,
    "python": "3.11.7",
    "database": "PostgreSQL",
    "cache": "Redis",
    "workers": 2,
    "clients": 16,
    "rounds": 10,
    "opds": 60,
    "plans_per_round_1x": 100,
    "plans_per_round_10x": 1000,
    "plans_10x": 10000,
    "load_average": {"start": [3.1, 2.0, 1.5], "end": [4.25, 3.0, 2.0]},
    "load_test": {
        "clients": 16,
        "seconds": 60.2,
        "requests": 2000,
        "rps": 33.2,
        "p95_ms": 800.4,
        "errors": 0,
        "edits": 200,
        "conflicts": 50,
        "reports": 300,
        "written": {"versions moved": 200},
        "no_lost_writes": True,
    },
}


def test_targets_judge_each_page_against_issue_14():
    rows = [
        _row("trivial", ratio_to_trivial=1.0),
        _row("public", ratio_to_trivial=0.85),
        _row("plan_list_all", p95_ms_16=151.0, queries_10x=8),
    ]
    verdicts = {(page, what): met for page, what, _target, _figure, met in targets(rows)}
    assert ("trivial", "ratio to trivial") not in verdicts
    assert verdicts[("public", "ratio to trivial")] is False  # target 0.9
    assert verdicts[("plan_list_all", "ratio to trivial")] is True  # target 0.1
    assert verdicts[("plan_list_all", "p95 ms at 16 clients")] is False
    assert verdicts[("plan_list_all", "server CPU ms")] is True
    assert verdicts[("plan_list_all", "SQL queries 10x")] is False


def test_readme_section_is_replaced_between_the_markers_only(tmp_path):
    figures = tmp_path / "run.json"
    figures.write_text(json.dumps([_row("trivial", ratio_to_trivial=1.0), _row("dashboard")]))
    meta_path(figures).write_text(json.dumps(META))
    readme = tmp_path / "README.md"
    before = "# Title\n\nIntro.\n\n"
    after = "\n\nImport figures stay.\n"
    readme.write_text(f"{before}{readme_table.BEGIN}\nold figures\n{readme_table.END}{after}")

    readme_table.main([str(figures), "--readme", str(readme)])

    text = readme.read_text()
    assert text.startswith(before + readme_table.BEGIN + "\n")
    assert text.endswith(readme_table.END + after)
    assert "old figures" not in text
    assert "| dashboard | `/dashboard/` | 50.0 | 20 ms | 100 | 120 ms | 0.10 | 9.5 ms |" in text
    assert "| 7 / 7 | 2.0 KB |  | 2.5 |" in text  # bytes_repeat null: an empty cell
    assert "Load average (1 / 5 / 15 min): start 3.1 / 2.0 / 1.5; end 4.2 / 3.0 / 2.0." in text
    assert "0.10 (≥ 0.3): **missed**" in text
    assert "2,000 requests, 33.2 requests/s, p95 800 ms, 0 errors" in text


def test_readme_without_markers_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        readme_table.replace_between_markers("no markers here", "figures")
