import csv
import io
import json

import openpyxl
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import translation

from spi_portal.demo import DEMO_DIR
from surveys.models import ImportBatch, IndicatorScore, Institution, InstitutionResult
from surveys.services import NATIONAL_RESULTS

AS_INSPECTOR = ("--actor", "inspector")
BARTIM_ROWS = (
    "year,institution_code,institution_name,internal,external,expert,"
    "correction_integrity,correction_prevalence,published_index\n"
    "2022,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,73.03,80.32,71.54,3.60,0.16,67.81\n"
    "2024,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,66.93,84.27,56.79,1.12,0,67.78\n"
)


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever catalogue is installed."""
    with translation.override("en"):
        yield


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def failing_command(*args) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def results_file(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(BARTIM_ROWS, encoding="utf-8")
    return path


def test_import_results_prints_the_counts(methodology, inspector, results_file):
    out = command("import_results", str(results_file), *AS_INSPECTOR)
    assert "results.csv: 2 rows" in out
    assert "created 2, updated 0, unchanged 0" in out
    assert InstitutionResult.objects.count() == 2
    again = command("import_results", str(results_file), *AS_INSPECTOR)
    assert "created 0, updated 0, unchanged 2" in again
    assert "nothing was written" in again


def test_import_results_records_the_actor_on_the_batch_and_in_history(
    methodology, inspector, results_file
):
    command("import_results", str(results_file), "--actor", "inspector")
    assert ImportBatch.objects.get().created_by == inspector
    result = InstitutionResult.objects.first()
    assert {row.history_user for row in result.history.all()} == {inspector}
    institution = Institution.objects.get(kpk_code="KAB-BARTIM")
    assert {row.history_user for row in institution.history.all()} == {inspector}


def demo_scores_for_home(tmp_path):
    """The demo's indicator scores, for the `home` fixture's code (the demo's home has the code
    the national results gave it)."""
    text = (DEMO_DIR / "indicator_scores_2024.csv").read_text()
    path = tmp_path / "indicator_scores_2024.csv"
    path.write_text(text.replace("KAB-BARITO-TIMUR", "KAB-BARTIM"))
    return path


def test_import_indicator_scores_records_the_actor(methodology, inspector, home, tmp_path):
    command("import_indicator_scores", str(demo_scores_for_home(tmp_path)), *AS_INSPECTOR)
    assert ImportBatch.objects.get().created_by == inspector
    score = IndicatorScore.objects.first()
    assert score.history.get().history_user == inspector


def test_an_import_without_actor_is_recorded_as_the_os_users_account(
    methodology, inspector, results_file, monkeypatch
):
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "inspector")
    command("import_results", str(results_file))
    assert ImportBatch.objects.get().created_by == inspector


def test_an_import_nobody_can_be_recorded_for_is_refused_and_writes_nothing(
    methodology, inspector, results_file, monkeypatch
):
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "operator")
    before = row_counts()
    message, _err = failing_command("import_results", str(results_file))
    assert "No active portal account 'operator'" in message
    assert "pass --actor USERNAME" in message
    message, _err = failing_command("import_results", str(results_file), "--actor", "ghost")
    assert "No active portal account 'ghost'" in message
    assert row_counts() == before


def test_a_dry_run_needs_no_account(methodology, results_file, monkeypatch):
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "operator")
    assert "Dry run: nothing was written" in command(
        "import_results", str(results_file), "--dry-run"
    )


def test_import_results_dry_run_prints_what_would_change(bartim_2024, results_file):
    before = row_counts()
    changed = results_file.read_text().replace("56.79", "58.00")
    results_file.write_text(changed)
    out = command("import_results", str(results_file), "--dry-run", "--replace")
    assert row_counts() == before
    assert "Dry run: nothing was written" in out
    assert "create row 2: KAB-BARTIM · 2022" in out
    assert "update row 3: KAB-BARTIM · 2024 (expert 56.79 → 58.00)" in out


def test_import_results_without_replace_reports_the_conflict_and_fails(
    bartim_2024, inspector, results_file
):
    results_file.write_text(results_file.read_text().replace("56.79", "58.00"))
    before = row_counts()
    message, err = failing_command("import_results", str(results_file), *AS_INSPECTOR)
    assert row_counts() == before
    assert "nothing was imported" in message
    assert (
        'results.csv, row 3, column "expert": "58.00" would replace the stored value 56.79' in err
    )


def test_import_results_lists_every_error_on_stderr(methodology, inspector, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "year,institution_code,internal,external,expert\n2024,K,abc,1,1\n2019,L,1,1,1\n"
        "2024,M,1,1,1\n"
    )
    message, err = failing_command("import_results", str(path), *AS_INSPECTOR)
    assert message == "4 error(s); nothing was imported."
    assert err.splitlines() == [
        'bad.csv, row 2, column "internal": "abc" is not a number (expected a score from 0 to 100)',
        'bad.csv, row 3, column "year": "2019" is not a survey round in the portal '
        "(known rounds: 2021, 2022, 2023, 2024, 2025)",
        'bad.csv, row 3, column "institution_name": is empty; L is a new institution, '
        "so its name is needed",
        'bad.csv, row 4, column "institution_name": is empty; M is a new institution, '
        "so its name is needed",
    ]


def test_import_results_reads_the_sheet_option(methodology, inspector, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Readme"
    sheet = workbook.create_sheet("SPI")
    for line in csv.reader(io.StringIO(BARTIM_ROWS)):
        sheet.append(line)
    path = tmp_path / "kpk.xlsx"
    workbook.save(path)
    assert "created 2" in command("import_results", str(path), "--sheet", "SPI", *AS_INSPECTOR)


def test_import_indicator_scores_imports_the_demo_scores(methodology, inspector, home, tmp_path):
    path = demo_scores_for_home(tmp_path)
    out = command("import_indicator_scores", str(path), *AS_INSPECTOR)
    assert "created 19, updated 0, unchanged 0" in out
    assert IndicatorScore.objects.filter(institution=home).count() == 19


def test_a_missing_file_is_a_command_error(methodology):
    message, _err = failing_command("import_results", "/nonexistent/results.csv")
    assert "no such file" in message


def test_import_then_spi_index_round_trips_barito_timur(methodology, inspector, results_file):
    command("import_results", str(results_file), *AS_INSPECTOR)
    out = command("spi_index", "--round", "2024", "--format", "csv")
    (row,) = csv.DictReader(io.StringIO(out))
    assert row == {
        "institution_code": "KAB-BARTIM",
        "institution_name": "Pemerintah Kabupaten Barito Timur",
        "computed_index": "67.77",
        "published_index": "67.78",
        "difference": "0.01",
        "category": "Rentan",
        "flag": "",
    }


def test_spi_index_flags_2022_as_exceeding_the_tolerance(methodology, inspector, results_file):
    command("import_results", str(results_file), *AS_INSPECTOR)
    data = json.loads(command("spi_index", "--round", "2022", "--format", "json"))
    assert data == [
        {
            "institution_code": "KAB-BARTIM",
            "institution_name": "Pemerintah Kabupaten Barito Timur",
            "computed_index": 71.11,
            "published_index": 67.81,
            "difference": -3.3,
            "category": "Rentan",
            "flag": "exceeds_tolerance",
        }
    ]


def test_spi_index_prints_a_table_and_filters_by_institution(methodology, inspector, results_file):
    command("import_results", str(results_file), *AS_INSPECTOR)
    command("import_results", str(NATIONAL_RESULTS), "--create-institutions", *AS_INSPECTOR)
    lines = command("spi_index", "--round", "2024", "--institution", "KAB-BARTIM").splitlines()
    assert lines[0].split() == [
        "institution_code",
        "institution_name",
        "computed_index",
        "published_index",
        "difference",
        "category",
        "flag",
    ]
    assert len(lines) == 2
    assert lines[1].split()[-4:] == ["67.77", "67.78", "0.01", "Rentan"]
    assert len(command("spi_index", "--round", "2024").splitlines()) == 1 + 643  # KPK's 2024


def test_spi_index_refuses_an_unknown_round_or_institution(methodology):
    assert "no survey round 2019" in failing_command("spi_index", "--round", "2019")[0]
    message, _err = failing_command("spi_index", "--round", "2024", "--institution", "KAB-X")
    assert "KAB-X has no result in SPI 2024" in message


def test_load_demo_twice_is_idempotent(db):
    command("load_demo")
    after_first = row_counts()
    home = Institution.objects.get(is_home=True)
    assert (home.kpk_code, home.region_code) == ("KAB-BARITO-TIMUR", "6213")
    assert InstitutionResult.objects.count() == 3192  # KPK's national results, home included
    assert IndicatorScore.objects.filter(is_illustrative=True).count() == 19
    assert ImportBatch.objects.count() == 2
    command("load_demo")
    assert row_counts() == after_first
