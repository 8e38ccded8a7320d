"""The one import pipeline: every kind shares its error type, hash check, batch and writes."""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from actionplans.models import ActionPlan
from bench.plan_file import plan_rows, xlsx
from surveys.importing import ImportRejected, RowError, import_file, planner_for
from surveys.models import ImportBatch, ImportKind, Institution, InstitutionResult
from tests.factories import importer

pytestmark = pytest.mark.django_db

HEADER = "year,institution_code,institution_name,internal,external,expert,correction_integrity"
ROWS = (
    "2024,KAB-A,Kabupaten A,66.93,84.27,56.79,1.12",
    "2024,KAB-B,Kabupaten B,70.10,80.00,60.00,0",
    "2023,KAB-A,Kabupaten A,65.00,83.00,55.00,0.50",
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def round_2024(methodology):
    return methodology[2024]


def _csv(*lines) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def _results(*lines, **options):
    options.setdefault("actor", importer())
    return import_file(ImportKind.RESULTS, _csv(*lines), file_name="results.csv", **options)


def _plans(content, **options):
    options.setdefault("actor", importer())
    return import_file(ImportKind.PLANS, content, file_name="plans.xlsx", **options)


def _statements(queries) -> int:
    """Queries, with consecutive INSERTs into one table counted once: SQLite's limit on the
    parameters of one statement splits a bulk insert into batches (PostgreSQL sends one)."""
    count, previous = 0, None
    for query in queries.captured_queries:
        sql = query["sql"]
        table = sql.split()[2] if sql.startswith("INSERT INTO") else None
        if table is None or table != previous:
            count += 1
        previous = table
    return count


def _plan_file(count, round_2024, opd_a, **extra):
    code = round_2024.dimensions.order_by("code").first().code
    return xlsx(plan_rows(count, year=2024, indicator_code=code, opd_code=opd_a.code, **extra))


def test_it_reports_every_kind_with_one_error_type(methodology, opd_a):
    with pytest.raises(ImportRejected) as results:
        _results(HEADER, "2024,KAB-A,Kabupaten A,66.93,840,56.79,0")
    rows = plan_rows(1, year=2024, indicator_code="NOPE", opd_code=opd_a.code)
    with pytest.raises(ImportRejected) as plans:
        _plans(xlsx(rows))
    for rejected in (results.value, plans.value):
        assert rejected.errors and all(type(e) is RowError for e in rejected.errors)
    assert (results.value.errors[0].row, results.value.errors[0].column) == (2, "external")
    assert (plans.value.errors[0].row, plans.value.errors[0].column) == (2, "indicator_codes")


def test_it_refuses_a_changed_file_in_one_place_for_every_kind(methodology, round_2024, opd_a):
    stale = "0" * 64
    with pytest.raises(ImportRejected) as results:
        _results(HEADER, *ROWS, expected_sha256=stale)
    with pytest.raises(ImportRejected) as plans:
        _plans(_plan_file(2, round_2024, opd_a), expected_sha256=stale)
    for rejected in (results.value, plans.value):
        assert [str(e) for e in rejected.errors][0].endswith(
            "has changed since it was checked; upload it again"
        )
    assert not InstitutionResult.objects.exists() and not ActionPlan.objects.exists()
    assert not ImportBatch.objects.exists()


def test_it_gives_each_kind_its_own_permission_and_label():
    assert planner_for(ImportKind.RESULTS).permission == "surveys.run_import"
    assert planner_for(ImportKind.INDICATOR_SCORES).permission == "surveys.run_import"
    assert planner_for(ImportKind.PLANS).permission == "actionplans.import_actionplan"
    assert "survey" not in str(ImportKind.PLANS.label).lower()
    assert "survey" not in planner_for(ImportKind.PLANS).refusal().lower()


def test_it_imports_plans_in_the_same_number_of_queries_at_10_and_100_rows(
    methodology, round_2024, opd_a
):
    counts = []
    for count in (10, 100):
        actor = importer()  # a fresh object: no permission cached from the run before
        cache.clear()  # nor in the permission cache
        content = _plan_file(count, round_2024, opd_a, title=f"R{count}")
        with CaptureQueriesContext(connection) as queries:
            report = _plans(content, actor=actor)
        assert report.created_count == count
        counts.append(_statements(queries))
    assert counts[0] == counts[1]
    assert ActionPlan.objects.count() == ActionPlan.history.count() == 110
    plan = ActionPlan.objects.get(title="R100 7")
    assert plan.indicators.count() == 1 and plan.history.get().history_user == actor
    assert plan.history.get().indicators.count() == 1  # the history row holds the relations


def test_it_writes_one_history_row_per_changed_result_with_the_batch(methodology):
    first = _results(HEADER, *ROWS)
    assert InstitutionResult.history.filter(history_type="+").count() == 3
    assert Institution.history.count() == 2
    changed = ROWS[1].replace("70.10", "71.00")
    second = _results(HEADER, ROWS[0], changed, ROWS[2], replace=True)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 1, 2)
    updates = InstitutionResult.history.filter(history_type="~")
    assert updates.count() == 1
    row = updates.get()
    assert (row.institution.kpk_code, str(row.internal)) == ("KAB-B", "71.00")
    assert row.import_batch_id == second.batch.pk != first.batch.pk
    assert row.history_user == importer()
    assert ImportBatch.objects.get(pk=second.batch.pk).sha256 == second.sha256


def test_it_changes_nothing_when_the_same_file_is_imported_again(methodology):
    _results(HEADER, *ROWS)
    history = InstitutionResult.history.count()
    again = _results(HEADER, *ROWS)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert again.batch is None and ImportBatch.objects.count() == 1
    assert InstitutionResult.history.count() == history


def test_it_writes_nothing_of_a_file_with_one_bad_row(methodology, round_2024, opd_a):
    with pytest.raises(ImportRejected):
        _results(HEADER, *ROWS, "2024,KAB-C,Kabupaten C,66.93,84.27,abc,0")
    rows = plan_rows(3, year=2024, indicator_code="X", opd_code=opd_a.code)
    code = round_2024.dimensions.order_by("code").first().code
    rows[1][rows[0].index("indicator_codes")] = code
    with pytest.raises(ImportRejected):
        _plans(xlsx(rows))
    assert not Institution.objects.exists() and not InstitutionResult.objects.exists()
    assert not ActionPlan.objects.exists() and not ImportBatch.objects.exists()
    assert not InstitutionResult.history.exists() and not ActionPlan.history.exists()


def test_it_checks_every_plan_write_against_the_actors_access(
    methodology, round_2024, opd_a, head_a
):
    with pytest.raises(PermissionDenied):
        _plans(_plan_file(2, round_2024, opd_a), actor=head_a)
    assert not ActionPlan.objects.exists()


def test_it_imports_plans_from_the_command_line_as_a_dry_run(
    methodology, round_2024, opd_a, tmp_path
):
    from django.core.management import call_command

    path = tmp_path / "plans.xlsx"
    path.write_bytes(_plan_file(3, round_2024, opd_a).getvalue())
    out = io.StringIO()
    call_command("import_plans", str(path), "--dry-run", stdout=out)
    assert "create 3 plans" in out.getvalue()
    assert not ActionPlan.objects.exists()


def test_it_previews_and_confirms_results_on_the_page_through_the_same_flow(
    inspector_client, methodology
):
    content = ("\n".join((HEADER, *ROWS)) + "\n").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("results.csv", content)
    page = inspector_client.post(reverse("surveys:import"), {"kind": "results", "file": upload})
    assert page.context["report"].created_count == 3
    confirm = page.context["confirm_form"].initial
    data = {k: confirm[k] for k in ("kind", "token", "sha256", "file_name")}
    tampered = inspector_client.post(reverse("surveys:import_confirm"), data | {"sha256": "0" * 64})
    with translation.override("id"):
        changed = translation.gettext("has changed since it was checked; upload it again")
    assert [e.message for e in tampered.context["rejected"].errors] == [changed]
    assert not InstitutionResult.objects.exists()
    inspector_client.post(reverse("surveys:import_confirm"), data)
    assert InstitutionResult.objects.count() == 3
