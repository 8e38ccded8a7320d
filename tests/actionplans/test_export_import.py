import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from actionplans import importing, services
from actionplans.exporting import COLUMNS
from actionplans.importing import plans_import
from actionplans.models import ActionPlan
from surveys.exporting import neutralise
from surveys.importing import ImportRejected
from surveys.models import ImportBatch, ImportKind
from tests import hostile_files
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def _sheet_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("rencana.xlsx", buffer.getvalue())


def _export(client, file_format="xlsx"):
    response = client.get(reverse("actionplans:plan_export", args=[file_format]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def test_formula_like_text_is_neutralised():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [neutralise(v) for v in ("+1", "-1", "@SUM(A1)")] == ["'+1", "'-1", "'@SUM(A1)"]
    assert neutralise("Rapat koordinasi") == "Rapat koordinasi"
    assert neutralise(-5) == -5


def test_the_xlsx_export_has_plans_with_progress_and_no_formulas(
    inspector_client, round_2024, opd_a
):
    plan = make_plan(round_2024, opd_a, title="=1+1 SOP", finding="@cmd")
    ActionPlan.objects.filter(pk=plan.pk).update(verified_progress=45)
    header, row = _sheet_rows(_export(inspector_client))
    values = dict(zip(header, row, strict=True))
    assert header == COLUMNS
    assert values["title"] == "'=1+1 SOP"
    assert values["finding"] == "'@cmd"
    assert values["owner_opd_code"] == "DINKES"
    assert values["verified_progress"] == 45


def test_the_csv_export_is_scoped_to_the_users_opd(head_b_client, round_2024, opd_a, opd_b):
    make_plan(round_2024, opd_a, title="Milik A")
    make_plan(round_2024, opd_b, title="Milik B")
    rows = list(csv.reader(io.StringIO(_export(head_b_client, "csv").decode("utf-8-sig"))))
    assert [row[COLUMNS.index("title")] for row in rows[1:]] == ["Milik B"]


def test_an_exported_file_imports_back_with_changes_and_new_rows(
    inspector_client, inspector, round_2024, opd_a, opd_b
):
    plan = make_plan(round_2024, opd_a, title="Lama")
    header, row = _sheet_rows(_export(inspector_client))
    row[COLUMNS.index("title")] = "Baru"
    new_row = list(row)
    new_row[COLUMNS.index("id")] = None
    new_row[COLUMNS.index("owner_opd_code")] = "DISDIK"
    new_row[COLUMNS.index("indicator_codes")] = "PBJ;SDM"
    report = plans_import(_xlsx([header, row, new_row]), file_name="r.xlsx", actor=inspector)
    assert _rows(report) == ([3], [2], [])
    batch = ImportBatch.objects.get(kind=ImportKind.PLANS)
    assert (batch.rows_created, batch.rows_updated, batch.created_by) == (1, 1, inspector)
    plan.refresh_from_db()
    assert plan.title == "Baru"
    assert plan.version == 2
    assert plan.history.count() == 2
    created = ActionPlan.objects.exclude(pk=plan.pk).get()
    assert created.owner_opd == opd_b
    assert sorted(created.indicators.values_list("code", flat=True)) == ["PBJ", "SDM"]


def test_reimporting_an_unchanged_export_changes_nothing(inspector_client, inspector, plan_a):
    rows = _sheet_rows(_export(inspector_client))
    report = plans_import(_xlsx(rows), file_name="r.xlsx", actor=inspector)
    assert _rows(report) == ([], [], [2])
    assert not ImportBatch.objects.exists()
    assert plan_a.history.count() == 1


def test_one_bad_row_rejects_the_whole_file_with_row_and_column(
    inspector_client, inspector, plan_a
):
    header, row = _sheet_rows(_export(inspector_client))
    good = list(row)
    good[COLUMNS.index("id")] = None
    bad = list(good)
    bad[COLUMNS.index("owner_opd_code")] = "TIDAKADA"
    bad[COLUMNS.index("indicator_codes")] = "XYZ"
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, good, bad]), file_name="r.xlsx", actor=inspector)
    places = {(error.row, error.column, error.value) for error in rejected.value.errors}
    assert (3, "owner_opd_code", "TIDAKADA") in places
    assert (3, "indicator_codes", "XYZ") in places
    assert ActionPlan.objects.count() == 1


def test_a_file_without_the_export_columns_is_rejected(inspector):
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([["judul"], ["x"]]), file_name="r.xlsx", actor=inspector)
    assert {error.column for error in rejected.value.errors} >= {"title", "owner_opd_code"}


def test_the_import_page_shows_errors_and_saves_nothing(inspector_client, opd_a, methodology):
    rows = [COLUMNS, ["", 2024, "Judul"] + [""] * (len(COLUMNS) - 3)]
    response = inspector_client.post(
        reverse("actionplans:plan_import"), {"file": _xlsx(rows), "dry_run": ""}
    )
    assert response.status_code == 200
    assert response.context["errors"]
    assert "row 2" in response.content.decode()
    assert not ActionPlan.objects.exists()


def _preview(client, rows):
    return client.post(reverse("actionplans:plan_import"), {"file": _xlsx(rows)})


def test_the_import_page_previews_and_confirm_writes_exactly_the_previewed_plans(
    inspector_client, inspector, round_2024, opd_a
):
    make_plan(round_2024, opd_a, title="Lama")
    header, row = _sheet_rows(_export(inspector_client))
    row[COLUMNS.index("id")] = None
    row[COLUMNS.index("title")] = "Rencana dari berkas"
    preview = _preview(inspector_client, [header, row])
    assert _rows(preview.context["report"])[0] == [2]
    assert not ActionPlan.objects.filter(title="Rencana dari berkas").exists()
    confirm = preview.context["confirm"]
    response = inspector_client.post(reverse("actionplans:plan_import_confirm"), confirm)
    assert response.status_code == 302
    assert ActionPlan.objects.filter(title="Rencana dari berkas").count() == 1
    assert ImportBatch.objects.get(kind=ImportKind.PLANS).created_by == inspector


def test_a_confirmation_with_another_hash_imports_nothing(inspector_client, round_2024, opd_a):
    make_plan(round_2024, opd_a, title="Lama")
    header, row = _sheet_rows(_export(inspector_client))
    row[COLUMNS.index("id")] = None
    preview = _preview(inspector_client, [header, row])
    tampered = preview.context["confirm"] | {"sha256": "0" * 64}
    inspector_client.post(reverse("actionplans:plan_import_confirm"), tampered)
    assert ActionPlan.objects.count() == 1


def test_an_opd_head_cannot_confirm_a_plan_import(head_a_client, round_2024):
    response = head_a_client.post(reverse("actionplans:plan_import_confirm"), {"token": "x"})
    assert response.status_code == 403


def _cell(row, column):
    return row[COLUMNS.index(column)]


def _set(row, column, value):
    row[COLUMNS.index(column)] = value
    return row


def _rows(report) -> tuple[list[int], list[int], list[int]]:
    """The spreadsheet rows a plan import creates, changes and leaves as they are."""
    return tuple(
        [change.row for change in changes]
        for changes in (report.created, report.updated, report.unchanged)
    )


def _messages(rejected) -> list[str]:
    return [str(error) for error in rejected.value.errors]


def test_the_export_carries_each_plans_version(inspector_client, inspector, plan_a):
    services.plan_update(actor=inspector, plan=plan_a, version=1, fields={"title": "Kedua"})
    header, row = _sheet_rows(_export(inspector_client))
    assert _cell(row, "version") == 2
    csv_rows = list(csv.reader(io.StringIO(_export(inspector_client, "csv").decode("utf-8-sig"))))
    assert csv_rows[1][COLUMNS.index("version")] == "2"


def test_a_stale_export_is_a_conflict_named_by_row_and_nothing_is_written(
    inspector_client, inspector, round_2024, opd_a, opd_b
):
    first = make_plan(round_2024, opd_a, title="Pertama")
    second = make_plan(round_2024, opd_b, title="Kedua")
    header, *rows = _sheet_rows(_export(inspector_client))
    by_id = {_cell(row, "id"): row for row in rows}
    services.plan_update(
        actor=inspector, plan=first, version=1, fields={"title": "Diubah setelah ekspor"}
    )
    _set(by_id[first.pk], "title", "Dari berkas lama")
    _set(by_id[second.pk], "title", "Kedua dari berkas")
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, *rows]), file_name="lama.xlsx", actor=inspector)
    row_number = 2 + rows.index(by_id[first.pk])
    assert _messages(rejected) == [
        f'lama.xlsx, row {row_number}, column "version": plan {first.pk} was changed after this '
        "file was exported (file version 1, now 2); export the plans again and make your "
        "changes in the new file"
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.version) == ("Diubah setelah ekspor", 2)
    assert (second.title, second.version) == ("Kedua", 1)
    assert not ImportBatch.objects.exists()


def test_importing_the_same_export_twice_is_a_conflict_the_second_time(
    inspector_client, inspector, plan_a
):
    header, row = _sheet_rows(_export(inspector_client))
    _set(row, "title", "Baru")
    plans_import(_xlsx([header, row]), file_name="r.xlsx", actor=inspector)
    _set(row, "title", "Baru lagi")
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, row]), file_name="r.xlsx", actor=inspector)
    assert "(file version 1, now 2)" in _messages(rejected)[0]
    plan_a.refresh_from_db()
    assert (plan_a.title, plan_a.version) == ("Baru", 2)


def test_a_row_for_an_existing_plan_without_a_version_is_refused(
    inspector_client, inspector, plan_a
):
    header, row = _sheet_rows(_export(inspector_client))
    _set(row, "title", "Tanpa versi")
    _set(row, "version", None)
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, row]), file_name="r.xlsx", actor=inspector)
    assert _messages(rejected) == [
        f'r.xlsx, row 2, column "version": has no version: plan {plan_a.pk} is already in the '
        "portal, so its row needs the version it was exported with; export the plans again and "
        "make your changes in that file"
    ]
    plan_a.refresh_from_db()
    assert plan_a.title == "SOP layanan"


def test_a_file_without_the_version_column_may_create_plans_but_not_update_them(
    inspector_client, inspector, plan_a
):
    header, row = _sheet_rows(_export(inspector_client))
    keep = [i for i, name in enumerate(header) if name != "version"]
    new_row = _set(list(row), "id", None)
    old_style = [[line[i] for i in keep] for line in (header, row, new_row)]
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx(old_style), file_name="r.xlsx", actor=inspector)
    assert [(e.row, e.column) for e in rejected.value.errors] == [(2, "version")]
    report = plans_import(_xlsx([old_style[0], old_style[2]]), file_name="r.xlsx", actor=inspector)
    assert _rows(report)[0] == [2]


def test_a_version_newer_than_the_plan_is_refused(inspector_client, inspector, plan_a):
    header, row = _sheet_rows(_export(inspector_client))
    _set(row, "version", 7)
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, row]), file_name="r.xlsx", actor=inspector)
    assert "is newer than plan" in _messages(rejected)[0]


def test_a_save_between_check_and_write_is_a_conflict_and_nothing_is_written(
    inspector_client, inspector, round_2024, opd_a, monkeypatch
):
    plan = make_plan(round_2024, opd_a, title="Lama")
    header, row = _sheet_rows(_export(inspector_client))
    new_row = _set(list(row), "id", None)
    _set(row, "title", "Dari berkas")
    checked_row = importing._checked_row

    def checked_then_saved_elsewhere(*args):
        checked = checked_row(*args)
        ActionPlan.objects.filter(pk=plan.pk).update(title="Tersimpan", version=2)
        return checked

    monkeypatch.setattr(importing, "_checked_row", checked_then_saved_elsewhere)
    with pytest.raises(ImportRejected) as rejected:
        plans_import(_xlsx([header, new_row, row]), file_name="r.xlsx", actor=inspector)
    assert "row 3" in _messages(rejected)[0]
    assert "(file version 1, now 2)" in _messages(rejected)[0]
    # the stand-in for the other save ran inside the import's transaction, so it is undone too
    assert ActionPlan.objects.get().title == "Lama"
    assert not ImportBatch.objects.exists()


def test_an_edit_between_preview_and_confirm_is_a_conflict_on_the_page(
    inspector_client, inspector, plan_a
):
    header, row = _sheet_rows(_export(inspector_client))
    _set(row, "title", "Dari berkas")
    preview = _preview(inspector_client, [header, row])
    assert _rows(preview.context["report"])[1] == [2]
    services.plan_update(actor=inspector, plan=plan_a, version=1, fields={"title": "Lebih baru"})
    response = inspector_client.post(
        reverse("actionplans:plan_import_confirm"), preview.context["confirm"]
    )
    assert response.status_code == 200
    assert "was changed after this file was exported" in response.content.decode()
    plan_a.refresh_from_db()
    assert (plan_a.title, plan_a.version) == ("Lebih baru", 2)
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    "build,expected",
    [
        (lambda content: hostile_files.inflated(content, 30 * 1024 * 1024), "too much data"),
        (lambda content: hostile_files.far_cells(content, 200), "has too many cells to read"),
    ],
    ids=["zip bomb", "cells in the last column"],
)
def test_a_plan_file_that_costs_far_more_to_read_than_it_weighs_is_refused_at_once(
    inspector_client, inspector, plan_a, build, expected
):
    header, row = _sheet_rows(_export(inspector_client))
    content = build(_xlsx([header, _set(row, "id", None)]).read())
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as rejected:
        plans_import(io.BytesIO(content), file_name="bom.xlsx", actor=inspector)
    assert time.perf_counter() - started < 1
    assert _messages(rejected)[0].startswith("bom.xlsx: ")
    assert expected in _messages(rejected)[0]
    page = inspector_client.post(
        reverse("actionplans:plan_import"), {"file": SimpleUploadedFile("bom.xlsx", content)}
    )
    assert expected in page.content.decode()
    assert ActionPlan.objects.count() == 1
    assert not ImportBatch.objects.exists()


def _plan_file(tmp_path, rows):
    path = tmp_path / "rencana.xlsx"
    path.write_bytes(_xlsx(rows).read())
    return str(path)


def _command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_plans", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_plans_imports_a_file_as_the_actor(inspector_client, inspector, plan_a, tmp_path):
    header, row = _sheet_rows(_export(inspector_client))
    path = _plan_file(tmp_path, [header, _set(row, "title", "Dari baris perintah")])
    out, _err = _command(path, "--dry-run")
    assert "Dry run: nothing was written" in out
    assert "create 0 plans, change 1, leave 0" in out
    plan_a.refresh_from_db()
    assert plan_a.title == "SOP layanan"
    out, _err = _command(path, "--actor", "inspector")
    assert "Imported: 0 new plans, 1 changed, 0 unchanged." in out
    plan_a.refresh_from_db()
    assert (plan_a.title, plan_a.version) == ("Dari baris perintah", 2)
    assert ImportBatch.objects.get(kind=ImportKind.PLANS).created_by == inspector


def test_import_plans_refuses_a_stale_file_and_writes_nothing(
    inspector_client, inspector, plan_a, tmp_path
):
    header, row = _sheet_rows(_export(inspector_client))
    services.plan_update(actor=inspector, plan=plan_a, version=1, fields={"title": "Lebih baru"})
    path = _plan_file(tmp_path, [header, _set(row, "title", "Lama")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_plans", path, "--actor", "inspector", stderr=err)
    assert f"plan {plan_a.pk} was changed after this file was exported" in err.getvalue()
    plan_a.refresh_from_db()
    assert plan_a.title == "Lebih baru"


def test_import_plans_needs_an_account_that_may_import_plans(
    inspector_client, head_a, plan_a, tmp_path, monkeypatch
):
    header, row = _sheet_rows(_export(inspector_client))
    path = _plan_file(tmp_path, [header, _set(row, "title", "Baru")])
    with pytest.raises(CommandError, match="may not import action plans"):
        _command(path, "--actor", head_a.username)
    monkeypatch.setattr("surveys.management.actor.os_username", lambda: "operator")
    with pytest.raises(CommandError, match="No active portal account 'operator'"):
        _command(path)
    plan_a.refresh_from_db()
    assert plan_a.title == "SOP layanan"
    assert not ImportBatch.objects.exists()
