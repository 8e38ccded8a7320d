"""Load test: concurrent clients mixing page reads and plan updates, then a count of lost writes.

Each client is an inspector session and the head of one OPD. Per request it reads a page (the
public page, the dashboard, one OPD's plan list, a plan, the head's own plans), edits a plan
through the real form (GET the form with its version, POST it back; a few "hot" plans shared by
all clients, so edits collide and the version gate has to refuse some), or reports progress with
a PDF on one of the head's plans. Afterwards:

- successful edits == versions the hot plans moved on == plan history rows written;
- successful reports == progress reports stored == their history rows == evidence files.

Run inside bench/run_all.py, or alone (it builds a small dataset; BENCH_LOAD_SECONDS, default 60):

    SECRET_KEY=x .venv/bin/python bench/load_test.py
"""

import os
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.client import Session, form_fields, percentile, run_clients  # noqa: E402

HOT_PLANS = 8
PLANS_PER_HEAD = 10
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class LoadClient:
    inspector: Session
    head: Session
    opd_code: str
    opd_plans: list
    hot_plans: list
    rng: random.Random
    outcomes: dict = field(default_factory=lambda: {"edit": 0, "conflict": 0, "report": 0})


def _check(recorder, kind, answer, expected):
    error = None if answer.status in expected else f"HTTP {answer.status}"
    recorder.add(kind, answer.seconds, error)
    return answer.status


def _read(client, recorder, number):
    plan = client.rng.choice(client.opd_plans)
    pages = [
        ("read public page", client.head, "/"),
        ("read dashboard", client.inspector, "/dashboard/"),
        ("read plan list (one OPD)", client.inspector, f"/plans/?opd={client.opd_code}"),
        ("read plan", client.head, f"/plans/{plan}/"),
        ("read my plans", client.head, "/plans/mine/"),
    ]
    kind, session, path = pages[number % len(pages)]
    _check(recorder, kind, session.get(path), {200})


def _submit_form(session, recorder, kind, path, changes, *, files=None, expected=(302,)):
    """GET the form at `path`, change some fields, POST it back; the POST's status, or None."""
    form = session.get(path)
    if _check(recorder, f"{kind}: open form", form, {200}) != 200:
        return None
    fields = [(n, v) for n, v in form_fields(form.text) if n not in changes]
    fields += list(changes.items())
    return _check(recorder, f"{kind}: send", session.post(path, fields, files), set(expected))


def _edit(client, recorder, number):
    plan = client.rng.choice(client.hot_plans)
    changes = {"output": f"load test edit {number}"}
    path = f"/plans/{plan}/edit/"
    status = _submit_form(client.inspector, recorder, "edit", path, changes, expected=(302, 409))
    if status in (302, 409):
        client.outcomes["edit" if status == 302 else "conflict"] += 1


def _report(client, recorder, number):
    plan = client.rng.choice(client.opd_plans)
    changes = {"percent": str(number % 100), "narrative": f"load test report {number}"}
    files = {"files": (f"bukti-{number}.pdf", PDF, "application/pdf")}
    path = f"/plans/{plan}/report/"
    status = _submit_form(client.head, recorder, "report", path, changes, files=files)
    client.outcomes["report"] += status == 302


def _work(client, recorder, number):
    share = number % 10
    try:
        if share < 6:
            _read(client, recorder, number)
        elif share < 8:
            _edit(client, recorder, number)
        else:
            _report(client, recorder, number)
    except OSError as failure:
        recorder.add("connection", 0.0, repr(failure))


def _clients(base_url, count, hot_plans):
    from actionplans.models import ActionPlan, OPDMembership, PlanStatus
    from bench import dataset

    clients = []
    for number in range(count):
        membership = OPDMembership.objects.select_related("opd", "user").get(
            user__username=dataset.head_username(number)
        )
        plans = ActionPlan.objects.filter(
            owner_opd=membership.opd,
            status=PlanStatus.ACTIVE,
            round__year__lte=date.today().year,  # a later round's reports are not due yet
        )
        inspector, head = Session(base_url), Session(base_url)
        inspector.log_in(dataset.INSPECTOR, dataset.PASSWORD)
        head.log_in(membership.user.username, dataset.PASSWORD)
        clients.append(
            LoadClient(
                inspector=inspector,
                head=head,
                opd_code=membership.opd.code,
                opd_plans=list(plans.order_by("pk").values_list("pk", flat=True)[:PLANS_PER_HEAD]),
                hot_plans=hot_plans,
                rng=random.Random(number),
            )
        )
    return clients


def _snapshot(hot_plans):
    from actionplans.models import ActionPlan, Evidence, ProgressReport

    return {
        "versions": dict(ActionPlan.objects.filter(pk__in=hot_plans).values_list("pk", "version")),
        "plan_history": ActionPlan.history.filter(id__in=hot_plans, history_type="~").count(),
        "reports": ProgressReport.objects.count(),
        "report_history": ProgressReport.history.filter(history_type="+").count(),
        "evidence": Evidence.objects.count(),
    }


def load_test(base_url, *, clients=16, seconds=60.0, max_requests=200_000) -> dict:
    """Run the mix against a server on 127.0.0.1 whose database this process also reads."""
    from actionplans.models import ActionPlan, PlanStatus

    hot = ActionPlan.objects.filter(status=PlanStatus.ACTIVE).order_by("pk")
    hot_plans = list(hot.values_list("pk", flat=True)[:HOT_PLANS])
    load_clients = _clients(base_url, clients, hot_plans)
    before = _snapshot(hot_plans)
    recorder, elapsed = run_clients(load_clients, _work, seconds=seconds, max_requests=max_requests)
    after = _snapshot(hot_plans)
    edits = sum(c.outcomes["edit"] for c in load_clients)
    reports = sum(c.outcomes["report"] for c in load_clients)
    moved = sum(after["versions"][pk] - before["versions"][pk] for pk in hot_plans)
    written = {
        "versions moved": moved,
        "plan history rows": after["plan_history"] - before["plan_history"],
        "reports stored": after["reports"] - before["reports"],
        "report history rows": after["report_history"] - before["report_history"],
        "evidence files": after["evidence"] - before["evidence"],
    }
    latencies = recorder.all_seconds()
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p95_by_kind": {k: percentile(v, 0.95) * 1000 for k, v in recorder.seconds.items()},
        "errors": recorder.errors,
        "edits": edits,
        "conflicts": sum(c.outcomes["conflict"] for c in load_clients),
        "reports": reports,
        "written": written,
        "no_lost_writes": (
            edits == moved == written["plan history rows"]
            and reports
            == written["reports stored"]
            == written["report history rows"]
            == written["evidence files"]
        ),
    }


def print_load_result(result) -> None:
    print(
        f"\nLoad test: {result['clients']} clients, {result['seconds']:.0f} s, "
        f"{result['requests']} requests, {result['rps']:.1f} requests/s, "
        f"p95 {result['p95_ms']:.0f} ms, errors {len(result['errors'])}"
    )
    for kind, p95 in sorted(result["p95_by_kind"].items()):
        print(f"  p95 {kind:<28} {p95:8.0f} ms")
    print(
        f"  plan edits saved {result['edits']} (refused as conflicts: {result['conflicts']}), "
        f"reports sent {result['reports']}"
    )
    for name, value in result["written"].items():
        print(f"  {name:<20} {value}")
    verdict = "yes" if result["no_lost_writes"] else "NO: writes were lost or doubled"
    print(f"  successful updates == rows recorded: {verdict}")
    for error in result["errors"][:10]:
        print(f"  error: {error}")


def main() -> int:
    from bench import run_all

    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    with run_all.bench_site(plans_per_round=100) as base_url:
        result = load_test(base_url, seconds=seconds)
    print_load_result(result)
    return 0 if result["no_lost_writes"] and not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
