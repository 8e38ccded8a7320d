"""Red team: the attacks of issue 10, replayed over HTTP against production settings.

One gunicorn with three workers, DEBUG off and no Redis, so every worker keeps its own memory
cache, as a server set up from the README without REDIS_URL would. Each test replays one attack
that once got through and checks, from the database, that it changed nothing.
"""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import PASSWORD
from tests.servers import Browser, deployment

pytestmark = pytest.mark.system

SEED = f"""
from decimal import Decimal
from django.contrib.auth.models import Group, User
from actionplans.models import OPD, OPDMembership, ActionPlan, ProgressReport, Recommendation
from surveys.models import Dimension, Institution, InstitutionResult, RoundStatus, SurveyRound
from surveys.services import methodology_load_all

inspektorat, kepala = Group.objects.get(name="Inspektorat"), Group.objects.get(name="Kepala OPD")
root = User.objects.create_superuser("root", password="{PASSWORD}")
methodology_load_all(actor=root)
User.objects.create_user("nogroup", password="{PASSWORD}")
head = User.objects.create_user("head_a", password="{PASSWORD}")
head.groups.add(kepala)
dual = User.objects.create_user("dual", password="{PASSWORD}", is_staff=True)
dual.groups.add(inspektorat, kepala)
inspektorat_opd = OPD.objects.create(code="INSPEKTORAT", name="Inspektorat Daerah")
dinkes = OPD.objects.create(code="DINKES", name="Dinas Kesehatan")
OPDMembership.objects.create(user=dual, opd=inspektorat_opd, role="head")
OPDMembership.objects.create(user=head, opd=dinkes, role="head")
home = Institution.objects.create(
    kpk_code="KAB-BARTIM", name="Pemerintah Kabupaten Barito Timur", type="kabupaten",
    province="Kalimantan Tengah", is_home=True,
)
for year, scores in {{
    2023: ("66.93", "84.27", "56.79", "69.52"),
    2024: ("71.11", "81.11", "61.11", "73.19"),  # the draft: these numbers must never leak
}}.items():
    internal, external, expert, published = map(Decimal, scores)
    InstitutionResult.objects.create(
        round=SurveyRound.objects.get(year=year), institution=home, internal=internal,
        external=external, expert=expert, correction_integrity=Decimal("1.12"),
        correction_prevalence=Decimal("0"), published_index=published,
    )
SurveyRound.objects.filter(year=2023).update(status=RoundStatus.PUBLISHED)
for year, opd, status in ((2023, inspektorat_opd, "active"), (2024, dinkes, "draft")):
    survey_round = SurveyRound.objects.get(year=year)
    plan = ActionPlan.objects.create(
        round=survey_round, title=f"Rencana {{year}}", finding="Temuan", activity="Kegiatan",
        owner_opd=opd, start_date=f"{{year + 1}}-01-15", due_date=f"{{year + 1}}-12-31",
        status=status, created_by=dual,
    )
    plan.indicators.add(Dimension.objects.filter(round=survey_round).first())
    recommendation = Recommendation.objects.create(round=survey_round, code="R1", text="Saran")
    plan.recommendations.add(recommendation)
report = ProgressReport.objects.create(
    plan=ActionPlan.objects.get(round__year=2023), reporter=dual, percent=40,
    narrative="Capaian", report_date="2024-06-30",
)
print(report.pk)
"""

ROW = """
import json
from actionplans.models import ProgressReport
print(json.dumps(list(ProgressReport.objects.values("id", "plan_id", "status", "percent"))))
"""

# Every registered admin model that keeps history, with the first of its rows.
ADMIN_MODELS_WITH_HISTORY = """
import json
from django.contrib import admin
rows = []
for model in admin.site._registry:
    if hasattr(model, "history") and model.objects.exists():
        meta = model._meta
        rows.append([meta.app_label, meta.model_name, model.objects.order_by("pk").first().pk])
print(json.dumps(rows))
"""

WORKERS = 3
# the worker's process id and the path of every request, in the server's log
ACCESS_LOG = ("--access-logfile", "-", "--access-logformat", "served %(p)s %(U)s %(s)s")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with deployment(tmp_path_factory.mktemp("red-team"), redis=False) as portal:
        report_pk = int(portal.manage("shell", "--no-imports", "-c", SEED).split()[-1])
        portal.server = portal.start_server(workers=WORKERS, options=ACCESS_LOG)
        portal.report_pk = report_pk
        yield portal


def logged_in(portal, username):
    browser = Browser()
    server = portal.server
    browser.get(server.url("/accounts/login/"))
    answer = browser.post(
        server.url("/accounts/login/"), {"username": username, "password": PASSWORD}
    )
    assert answer.status == 302, answer.text[:500]
    return browser


def reports(portal):
    return json.loads(portal.manage("shell", "--no-imports", "-c", ROW))


def history_ids(portal, app, model, pk):
    script = (
        f"from django.apps import apps; m = apps.get_model('{app}', '{model}'); "
        f"print(list(m.history.filter(id={pk}).values_list('history_id', flat=True)))"
    )
    return json.loads(portal.manage("shell", "--no-imports", "-c", script))


def test_a_post_to_an_admin_history_page_changes_no_row(portal):
    root = logged_in(portal, "root")
    before = reports(portal)
    pk = portal.report_pk
    for history_id in history_ids(portal, "actionplans", "progressreport", pk):
        url = portal.server.url(f"/admin/actionplans/progressreport/{pk}/history/{history_id}/")
        root.get(url)
        root.post(url, {"status": "accepted", "percent": "100", "plan": "2", "_save": "1"})
    assert reports(portal) == before


DRAFT_PAGES = [
    "/rounds/2024/",
    "/rounds/2024/what-if/",
    "/rounds/2024/methodology/",
    "/dashboard/?year=2024",
    "/plans/round/2024/",
    "/plans/round/2024/recommendations/",
    "/reports/2024/",
    "/reports/2024/?format=xlsx",
    "/2024/",
    "/data/2024/results.csv",
    "/api/v1/rounds/2024/",
]
# pages across rounds: they may answer, but never with the draft's numbers
ROUND_LISTS = ["/rounds/", "/rounds/compare/", "/rounds/compare/?format=csv", "/dashboard/", "/"]
DRAFT_FIGURES = ("73,19", "73.19", "71,11", "71.11", "61,11", "61.11")


def leaked_figures(text: str) -> list[str]:
    return [figure for figure in DRAFT_FIGURES if figure in text]


@pytest.mark.parametrize("username", ["nogroup", "head_a"])
def test_a_draft_round_is_not_found_for_anyone_outside_the_inspectorate(portal, username):
    browser = logged_in(portal, username)
    for path in DRAFT_PAGES:
        answer = browser.get(portal.server.url(path))
        assert answer.status == 404, (path, answer.status)
        assert not leaked_figures(answer.text), path
    for path in ROUND_LISTS:
        answer = browser.get(portal.server.url(path))
        assert answer.status in (200, 403), (path, answer.status)
        assert not leaked_figures(answer.text), path


def test_the_inspectorate_reads_the_draft(portal):
    root = logged_in(portal, "root")
    assert "73,19" in root.get(portal.server.url("/rounds/2024/")).text


def fetch_all(server, paths) -> list[int]:
    """Several requests at a time, so that every idle worker answers some of them."""
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        return list(pool.map(lambda path: Browser().get(server.url(path)).status, paths))


def workers_that_served(server, path, since: int) -> set[str]:
    lines = server.log.read_text().splitlines()[since:]
    pattern = re.compile(rf"^served (\S+) {re.escape(path)} ")
    return {m.group(1) for m in map(pattern.match, lines) if m}


def statuses_from_every_worker(server, path, at_least=30) -> list[int]:
    """At least `at_least` answers for `path`, and more until each worker has given some."""
    since = len(server.log.read_text().splitlines())
    statuses = fetch_all(server, [path] * at_least)
    for _attempt in range(20):
        if len(workers_that_served(server, path, since)) == WORKERS:
            return statuses
        statuses += fetch_all(server, [path] * 2 * WORKERS)
    raise AssertionError(f"not every worker answered {path}:\n{server.log.read_text()}")


YEAR_URLS = ("/2023/", "/data/2023/results.csv", "/api/v1/rounds/2023/")


def test_an_unpublish_from_the_command_line_is_a_404_on_every_worker_at_once(portal):
    server = portal.server
    statuses_from_every_worker(server, "/healthz")  # every worker has booted
    for path in YEAR_URLS:
        assert set(statuses_from_every_worker(server, path)) == {200}  # and cached the year
    assert "69,52" in Browser().get(server.url("/2023/")).text

    portal.manage("unpublish_round", "2023", "--reason", "KPK mengoreksi data", "--actor", "root")

    for path in YEAR_URLS:
        assert set(statuses_from_every_worker(server, path)) == {404}
    portal.manage("publish_round", "2023", "--actor", "root")
    assert set(statuses_from_every_worker(server, "/2023/")) == {200}


def test_an_account_in_both_groups_cannot_accept_its_own_report(portal):
    dual = logged_in(portal, "dual")
    pk = portal.report_pk
    queue = dual.get(portal.server.url("/plans/verification/"))
    assert queue.status == 200
    assert f"/plans/reports/{pk}/verify/" not in queue.text
    verify = portal.server.url(f"/plans/reports/{pk}/verify/")
    assert dual.get(verify).status == 404
    assert dual.post(verify, {"outcome": "accepted", "note": "oke"}).status == 404
    assert [r["status"] for r in reports(portal) if r["id"] == pk] == ["pending"]


def test_no_admin_page_offers_to_delete_a_model_with_history(portal):
    root = logged_in(portal, "root")
    rows = json.loads(portal.manage("shell", "--no-imports", "-c", ADMIN_MODELS_WITH_HISTORY))
    assert len(rows) >= 8
    for app, model, pk in rows:
        base = portal.server.url(f"/admin/{app}/{model}/")
        changelist = root.get(base)
        assert changelist.status == 200, base
        assert "delete_selected" not in changelist.text, base
        change = root.get(f"{base}{pk}/change/")
        assert change.status == 200, base
        assert not re.search(rf"/admin/{app}/{model}/{pk}/delete/", change.text), base
        assert root.post(f"{base}{pk}/delete/", {"post": "yes"}).status in (403, 404), base
    assert (
        json.loads(portal.manage("shell", "--no-imports", "-c", ADMIN_MODELS_WITH_HISTORY)) == rows
    )
