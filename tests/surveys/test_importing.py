import hashlib
import io
import time
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest
from django.apps import apps
from django.utils import translation

from surveys.importing import MAX_ERRORS, ImportRejected, RowError, import_file
from surveys.models import (
    ImportBatch,
    ImportKind,
    IndicatorScore,
    Institution,
    InstitutionResult,
)
from tests import hostile_files
from tests.factories import importer

RESULTS = ImportKind.RESULTS
SCORES = ImportKind.INDICATOR_SCORES
HEADER = "year,institution_code,institution_name,internal,external,expert,correction_integrity"
BARTIM_2024 = "2024,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,66.93,84.27,56.79,1.12"
SCORE_HEADER = "year,institution_code,group,indicator_code,score,respondents"


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever catalogue is installed."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _importer_exists(db):
    """Created before a test counts rows, so the import's actor is no row of its own."""
    importer()


def csv_file(*lines, encoding="utf-8"):
    return io.BytesIO(("\n".join(lines) + "\n").encode(encoding))


def run(kind, content, name="results.csv", **options):
    if isinstance(content, str):
        content = content.encode()
    options.setdefault("actor", importer())
    return import_file(kind, io.BytesIO(content), file_name=name, **options)


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def rejected(kind, content, name="results.csv", **options) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        run(kind, content, name, **options)
    return caught.value


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
BAD_INPUT = {
    "png renamed to csv": (RESULTS, PNG, None, None, "not a CSV or XLSX file"),
    "html renamed to csv": (
        RESULTS,
        b"<!DOCTYPE html><html><body>x</body></html>",
        None,
        None,
        "web page",
    ),
    "empty file": (RESULTS, b"", None, None, "is empty"),
    "header only": (RESULTS, HEADER + "\n", None, None, "no data rows"),
    "missing column": (
        RESULTS,
        "year,institution_code,internal,external\n2024,KAB-BARTIM,66.93,84.27\n",
        1,
        "expert",
        "is missing",
    ),
    "unknown column": (
        RESULTS,
        "year,institution_code,internal,external,expret\n2024,KAB-BARTIM,66.93,84.27,56.79\n",
        1,
        "expret",
        'did you mean "expert"?',
    ),
    "non-number": (
        RESULTS,
        f"{HEADER}\n{BARTIM_2024}\n2024,KAB-X,X,66.93,84.27,abc,0\n",
        3,
        "expert",
        "is not a number (expected a score from 0 to 100)",
    ),
    "score out of range": (
        RESULTS,
        f"{HEADER}\n2024,KAB-X,X,66.93,100.01,50,0\n",
        2,
        "external",
        "out of range",
    ),
    "negative correction": (
        RESULTS,
        f"{HEADER}\n2024,KAB-X,X,66.93,84.27,50,-1\n",
        2,
        "correction_integrity",
        "out of range",
    ),
    "three decimals": (
        RESULTS,
        f"{HEADER}\n2024,KAB-X,X,66.935,84.27,50,0\n",
        2,
        "internal",
        "more than two decimals",
    ),
    "unknown round": (
        RESULTS,
        f"{HEADER}\n2019,KAB-X,X,66.93,84.27,50,0\n",
        2,
        "year",
        "is not a survey round",
    ),
    "duplicate key": (
        RESULTS,
        f"{HEADER}\n{BARTIM_2024}\n2024,KAB-X,X,1,1,1,0\n{BARTIM_2024}\n",
        4,
        "institution_code",
        "repeats row 2",
    ),
    "blank required cell": (
        RESULTS,
        f"{HEADER}\n2024,KAB-X,X,66.93,,50,0\n",
        2,
        "external",
        "is empty",
    ),
    "new institution without a name": (
        RESULTS,
        f"{HEADER}\n2024,KAB-X,,66.93,84.27,50,0\n",
        2,
        "institution_name",
        "its name is needed",
    ),
    "unknown indicator": (
        SCORES,
        f"{SCORE_HEADER}\n2024,KAB-BARTIM,expert,XYZ,50,3\n",
        2,
        "indicator_code",
        "is not an indicator of SPI 2024",
    ),
    "unknown institution for indicator scores": (
        SCORES,
        f"{SCORE_HEADER}\n2024,KAB-NOWHERE,expert,TRN,50,3\n",
        2,
        "institution_code",
        "is not a known institution",
    ),
    "unknown group": (
        SCORES,
        f"{SCORE_HEADER}\n2024,KAB-BARTIM,citizens,TRN,50,3\n",
        2,
        "group",
        "expected one of",
    ),
    "negative respondents": (
        SCORES,
        f"{SCORE_HEADER}\n2024,KAB-BARTIM,expert,TRN,50,-3\n",
        2,
        "respondents",
        "not a whole number",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_changes_no_table_and_the_error_says_where(bartim_2024, case):
    kind, content, row, column, fragment = case
    before = row_counts()
    error = rejected(kind, content)
    assert row_counts() == before
    assert any(
        e.row == row and e.column == column and fragment in e.message for e in error.errors
    ), str(error)
    assert all(e.file == "results.csv" for e in error.errors)


def test_a_row_error_reads_like_a_sentence(methodology):
    error = rejected(RESULTS, f"{HEADER}\n{BARTIM_2024}\n2024,KAB-Y,Y,1,1,abc,0\n")
    assert str(error.errors[0]) == (
        'results.csv, row 3, column "expert": "abc" is not a number '
        "(expected a score from 0 to 100)"
    )


def test_all_row_errors_are_listed_at_once(methodology):
    error = rejected(RESULTS, f"{HEADER}\n2024,KAB-X,X,abc,1,1,0\n2019,KAB-Y,Y,1,1,1,0\n")
    assert [(e.row, e.column) for e in error.errors] == [(2, "internal"), (3, "year")]


def test_errors_are_capped_with_a_count_of_the_rest(methodology):
    rows = [f"2024,KAB-{n},X,abc,1,1,0" for n in range(MAX_ERRORS + 7)]
    error = rejected(RESULTS, "\n".join([HEADER, *rows]))
    assert len(error.errors) == MAX_ERRORS
    assert error.more == 7
    assert str(error).endswith("... and 7 more errors")


def test_a_ragged_row_is_rejected_with_its_row_number(methodology):
    error = rejected(RESULTS, f"{HEADER}\n{BARTIM_2024}\n{BARTIM_2024},9,9\n")
    assert "row 3 has 9 cells but the header has 7" in str(error)


def test_an_old_xls_file_is_rejected_with_advice(methodology):
    error = rejected(RESULTS, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "results.xls")
    assert "save it as .xlsx or CSV" in str(error)


def test_it_imports_results_and_creates_unknown_institutions(methodology):
    report = run(
        RESULTS,
        "year,institution_code,institution_name,institution_type,province,internal,external,"
        "expert,published_index\n"
        "2024,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,kabupaten,Kalimantan Tengah,"
        "66.93,84.27,56.79,67.78\n"
        "2023,KOTA-X,Kota X,City,Jawa Barat,70,80,60,\n",
    )
    assert (report.created_count, report.updated_count, report.unchanged_count) == (2, 0, 0)
    assert report.institutions_created == ["KAB-BARTIM", "KOTA-X"]
    city = Institution.objects.get(kpk_code="KOTA-X")
    assert (city.name, city.type, city.province) == ("Kota X", "kota", "Jawa Barat")
    result = InstitutionResult.objects.get(round__year=2024, institution__kpk_code="KAB-BARTIM")
    assert (result.internal, result.expert, result.published_index) == (
        D("66.93"),
        D("56.79"),
        D("67.78"),
    )
    assert result.correction_integrity == D("0")
    assert InstitutionResult.objects.get(institution=city).published_index is None


def test_known_institutions_keep_their_code_and_name(bartim_2024):
    run(RESULTS, f"{HEADER}\n2023,KAB-BARTIM,Another Name,70.78,84.74,60.38,2.02\n")
    home = Institution.objects.get(kpk_code="KAB-BARTIM")
    assert home.name == "Pemerintah Kabupaten Barito Timur"
    assert home.results.count() == 2


def test_a_semicolon_csv_with_decimal_commas_and_indonesian_headers_imports(methodology):
    content = (
        "\ufeffTahun ; Kode_Instansi;NAMA_INSTANSI;internal;eksternal;eksper;"
        "koreksi_integritas;koreksi_prevalensi;indeks\n"
        "2024;KAB-BARTIM;Pemerintah Kabupaten Barito Timur;66,93;84,27;56,79;1,12;0;67,78\n"
    )
    report = run(RESULTS, content)
    assert report.created_count == 1
    result = InstitutionResult.objects.get()
    assert (result.internal, result.external, result.expert) == (D("66.93"), D("84.27"), D("56.79"))
    assert (result.correction_integrity, result.published_index) == (D("1.12"), D("67.78"))


def test_a_cp1252_file_is_read_and_the_report_says_so(methodology):
    content = csv_file(HEADER, "2024,KAB-X,Kabupaten Tâna Toraja,70,80,60,0", encoding="cp1252")
    report = import_file(RESULTS, content, file_name="results.csv", actor=importer())
    assert Institution.objects.get(kpk_code="KAB-X").name == "Kabupaten Tâna Toraja"
    assert any("cp1252" in note for note in report.notes)


def workbook_bytes(rows, *, title="Sheet1", extra_sheet_first=False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if extra_sheet_first:
        sheet.title = "Notes"
        sheet.append(["not the data"])
        sheet = workbook.create_sheet(title)
    else:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_ROWS = [
    ["Tahun", "Kode Instansi", "Nama Instansi", "Internal", "Eksternal", "Eksper", "Indeks"],
    [2024, "KAB-BARTIM", "Pemerintah Kabupaten Barito Timur", 66.93, 84.27, 56.79, 67.78],
    [],
    [2025, "KAB-BARTIM", "Pemerintah Kabupaten Barito Timur", 72.07, 90.78, 62.83, 74.32],
]


def test_an_xlsx_file_imports_correctly(methodology):
    report = run(RESULTS, workbook_bytes(XLSX_ROWS), "results.xlsx")
    assert report.created_count == 2
    result = InstitutionResult.objects.get(round__year=2025)
    assert (result.internal, result.external, result.expert) == (D("72.07"), D("90.78"), D("62.83"))
    assert result.published_index == D("74.32")


def test_an_xlsx_keeps_spreadsheet_row_numbers_across_blank_rows(methodology):
    rows = [*XLSX_ROWS[:3], [2025, "KAB-BARTIM", "X", 72.07, "n/a", 62.83, 74.32]]
    error = rejected(RESULTS, workbook_bytes(rows), "results.xlsx")
    assert [(e.file, e.row, e.column, e.value) for e in error.errors] == [
        ("results.xlsx", 4, "Eksternal", "n/a")
    ]


def test_it_reads_the_named_sheet_of_a_workbook(methodology):
    content = workbook_bytes(XLSX_ROWS, title="Hasil", extra_sheet_first=True)
    assert run(RESULTS, content, "results.xlsx", sheet="Hasil").created_count == 2
    error = rejected(RESULTS, content, "results.xlsx", sheet="Data")
    assert 'has no sheet "Data" (its sheets: Notes, Hasil)' in str(error)


def test_a_zip_that_is_not_a_workbook_is_rejected(methodology):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    before = row_counts()
    assert "not a CSV or XLSX file" in str(rejected(RESULTS, buffer.getvalue(), "results.xlsx"))
    assert row_counts() == before


COSTLY_XLSX = {
    "a zip bomb (96 KB unpacking to 30 MB)": (
        lambda content: hostile_files.inflated(content, 30 * 1024 * 1024),
        "unpacks to 30.0\xa0MB, more than the limit of 20.0\xa0MB: too much data",
    ),
    "a part compressed 1000 times": (
        lambda content: hostile_files.inflated(content, 5 * 1024 * 1024),
        "is compressed suspiciously well (a zip bomb?): its part xl/worksheets/sheet1.xml",
    ),
    "thousands of parts": (
        lambda content: hostile_files.many_parts(content, 2001),
        "packed parts, more than the limit of 2000",
    ),
    "cells in the last column": (
        lambda content: hostile_files.far_cells(content, 200),
        'has too many cells to read in sheet "Sheet1" (the limit is 500000',
    ),
    "a cell a million rows down": (hostile_files.far_row, "has too many cells to read"),
}


@pytest.mark.parametrize("kind", [RESULTS, SCORES])
@pytest.mark.parametrize("build,expected", COSTLY_XLSX.values(), ids=COSTLY_XLSX.keys())
def test_an_xlsx_that_costs_far_more_to_read_than_it_weighs_is_refused_at_once(
    bartim_2024, kind, build, expected
):
    content = build(workbook_bytes(XLSX_ROWS))
    assert len(content) < 256 * 1024
    before = row_counts()
    started = time.perf_counter()
    error = rejected(kind, content, "hasil.xlsx")
    assert time.perf_counter() - started < 1
    assert str(error).startswith("hasil.xlsx: ")
    assert expected in str(error)
    assert row_counts() == before


def test_an_xlsx_whose_sheet_is_damaged_is_rejected(methodology):
    damaged = hostile_files.SHEET_START + b"<row><c><v>1</v></row>"
    content = hostile_files.with_sheet(workbook_bytes(XLSX_ROWS), damaged)
    assert "hasil.xlsx: is not a CSV or XLSX file" in str(rejected(RESULTS, content, "hasil.xlsx"))


def test_reimporting_a_changed_value_without_replace_changes_nothing(bartim_2024):
    before = row_counts()
    changed = BARTIM_2024.replace("56.79", "57.10")
    error = rejected(RESULTS, f"{HEADER}\n{changed}\n2024,KAB-NEW,New,1,1,1,0\n")
    assert row_counts() == before
    assert InstitutionResult.objects.get(pk=bartim_2024.pk).expert == D("56.79")
    (conflict,) = error.errors
    assert (conflict.row, conflict.column, conflict.value) == (2, "expert", "57.10")
    assert "would replace the stored value 56.79" in conflict.message


def test_with_replace_the_value_changes_and_history_keeps_the_old_value(bartim_2024, inspector):
    changed = BARTIM_2024.replace("56.79", "57.10")
    report = run(RESULTS, f"{HEADER}\n{changed}\n", replace=True, actor=inspector)
    assert [str(change) for change in report.updated] == [
        "row 2: KAB-BARTIM · 2024 (expert 56.79 → 57.10)"
    ]
    result = InstitutionResult.objects.get(pk=bartim_2024.pk)
    assert result.expert == D("57.10")
    assert result.import_batch == report.batch
    old, new = result.history.order_by("history_date")
    assert (old.expert, new.expert) == (D("56.79"), D("57.10"))
    assert new.history_user == inspector


def test_identical_rows_are_unchanged_and_write_nothing(bartim_2024):
    before = row_counts()
    report = run(RESULTS, f"{HEADER}\n{BARTIM_2024.replace('56.79', '56.790')}\n")
    assert (report.created_count, report.updated_count, report.unchanged_count) == (0, 0, 1)
    assert report.batch is None
    assert row_counts() == before


def test_columns_absent_from_the_file_are_left_as_stored(bartim_2024):
    content = "year,institution_code,internal,external,expert\n2024,KAB-BARTIM,66.93,84.27,56.79\n"
    assert run(RESULTS, content).unchanged_count == 1
    assert InstitutionResult.objects.get().published_index == D("67.78")


def test_a_dry_run_writes_nothing_and_reports_what_would_change(bartim_2024):
    before = row_counts()
    changed = BARTIM_2024.replace("66.93", "70.00")
    report = run(
        RESULTS, f"{HEADER}\n{changed}\n2024,KAB-NEW,New,1,2,3,0\n", dry_run=True, replace=True
    )
    assert row_counts() == before
    assert report.dry_run and report.batch is None
    assert [str(c) for c in report.updated] == ["row 2: KAB-BARTIM · 2024 (internal 66.93 → 70.00)"]
    assert [c.key for c in report.created] == ["KAB-NEW · 2024"]
    assert report.institutions_created == ["KAB-NEW"]
    assert report.preview_columns == HEADER.split(",")
    assert report.preview_rows[1] == ["2024", "KAB-NEW", "New", "1", "2", "3", "0"]


def test_an_applied_import_records_its_batch(methodology, inspector):
    content = f"{HEADER}\n{BARTIM_2024}\n2023,KAB-BARTIM,X,70.78,84.74,60.38,2.02\n".encode()
    report = run(RESULTS, content, actor=inspector)
    batch = ImportBatch.objects.get()
    assert report.batch == batch
    assert (batch.kind, batch.file_name, batch.created_by, batch.outcome) == (
        "results",
        "results.csv",
        inspector,
        "applied",
    )
    assert batch.sha256 == hashlib.sha256(content).hexdigest() == report.sha256
    assert (batch.rows_total, batch.rows_created, batch.rows_updated) == (2, 2, 0)
    assert set(InstitutionResult.objects.values_list("import_batch", flat=True)) == {batch.pk}


def test_a_file_that_changed_since_its_preview_is_rejected(methodology):
    content = f"{HEADER}\n{BARTIM_2024}\n"
    preview = run(RESULTS, content, dry_run=True)
    before = row_counts()
    error = rejected(RESULTS, content + "2023,KAB-X,X,1,1,1,0\n", expected_sha256=preview.sha256)
    assert "has changed since it was checked" in str(error)
    assert row_counts() == before
    assert run(RESULTS, content, expected_sha256=preview.sha256).created_count == 1


def test_it_imports_indicator_scores_with_indonesian_group_names(bartim_2024):
    content = (
        "tahun,kode_instansi,kelompok,kode_indikator,nilai,responden\n"
        "2024,KAB-BARTIM,Eksper,trn,56.53,12\n"
        "2024,KAB-BARTIM,eksternal,TRN,87.15,\n"
        "2024,KAB-BARTIM,internal,SDM,61.18,178\n"
    )
    report = run(SCORES, content, "scores.csv")
    assert report.created_count == 3
    expert = IndicatorScore.objects.get(group="expert")
    assert (expert.dimension.code, expert.score, expert.respondents) == ("TRN", D("56.53"), 12)
    assert IndicatorScore.objects.get(group="external").respondents is None
    assert expert.import_batch == report.batch


def test_an_indicator_score_change_needs_replace(bartim_2024):
    line = "2024,KAB-BARTIM,expert,TRN,{score},12"
    run(SCORES, f"{SCORE_HEADER}\n{line.format(score='56.53')}\n")
    error = rejected(SCORES, f"{SCORE_HEADER}\n{line.format(score='60')}\n")
    assert (error.errors[0].column, error.errors[0].value) == ("score", "60.00")
    run(SCORES, f"{SCORE_HEADER}\n{line.format(score='60')}\n", replace=True)
    assert IndicatorScore.objects.get().score == D("60")


def test_a_row_error_without_a_value_leaves_the_quotes_out():
    error = RowError("results.csv", 3, "expert", None, "is empty (a value is required)")
    assert str(error) == 'results.csv, row 3, column "expert": is empty (a value is required)'
