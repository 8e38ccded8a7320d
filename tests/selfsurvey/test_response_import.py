"""Importing respondent-level exports into a campaign: the tools' files as they come, every
error with its file, row, column and why, and nothing written unless every row is valid."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from selfsurvey import answer_codec
from selfsurvey.models import BackgroundJob, Response, ResponseChannel, ResponseImport
from selfsurvey.response_import import import_file
from tests.selfsurvey.world import make_campaign

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


@pytest.fixture
def fresh(inspector, opd_a, opd_b):
    """A campaign over DINKES and DISDIK without responses."""
    return make_campaign(inspector, [opd_a, opd_b], name="Survei impor")


def run(campaign, actor, path, **options):
    return import_file(
        actor=actor, campaign=campaign, path=path, file_name=Path(path).name, **options
    )


def stored(campaign) -> list[tuple]:
    """(OPD code, group, {item code: value}) per imported response, in file order."""
    items = list(campaign.questionnaire.items.order_by("position"))
    width = items[-1].position + 1
    responses = list(campaign.responses.select_related("unit__opd").order_by("pk"))
    matrix = answer_codec.decode([r.answers for r in responses], width)
    rows = []
    for response, values in zip(responses, matrix, strict=True):
        answers = {
            i.code: int(values[i.position])
            for i in items
            if values[i.position] == values[i.position]
        }
        rows.append((response.unit.opd.code, response.unit.group, answers))
    return rows


def write(tmp_path, name, text) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts():
    return Response.objects.count(), ResponseImport.objects.count()


# --- the tools' exports -----------------------------------------------------------------------


def test_a_kobotoolbox_export_with_group_paths_and_indonesian_labels_imports(fresh, inspector):
    outcome = run(fresh, inspector, FILES / "kobo_export.csv")
    assert outcome.ok, outcome.errors
    assert (outcome.rows, outcome.created, outcome.source_format) == (4, 4, "kobo")
    assert stored(fresh) == [
        ("DINKES", "internal", {"I01": 4, "I02": 3, "I04": 0}),
        ("DISDIK", "external", {"E01": 2, "E03": 1}),
        ("DINKES", "internal", {"I01": 9, "I02": 1, "I04": 9}),
        ("DISDIK", "external", {"E01": 4, "E03": 0}),
    ]
    assert outcome.ignored_columns == [
        "start",
        "end",
        "today",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_index",
    ]
    batch = ResponseImport.objects.get()
    assert (batch.file_name, batch.source_format, batch.rows, batch.created_by) == (
        "kobo_export.csv",
        "kobo",
        4,
        inspector,
    )
    assert set(fresh.responses.values_list("channel", "import_batch")) == {
        (ResponseChannel.IMPORT, batch.pk)
    }


def test_a_google_forms_workbook_with_question_texts_as_headers_imports(fresh, inspector):
    outcome = run(fresh, inspector, FILES / "google_forms_export.xlsx")
    assert outcome.ok, outcome.errors
    assert (outcome.rows, outcome.created, outcome.source_format) == (3, 3, "google-forms")
    assert [code for _header, code in outcome.item_columns] == ["I01", "I02", "I03", "I04"]
    assert stored(fresh) == [
        ("DINKES", "internal", {"I01": 4, "I02": 2, "I03": 4, "I04": 1}),
        ("DISDIK", "internal", {"I01": 3, "I03": 9, "I04": 0}),
        ("DINKES", "internal", {"I01": 9, "I02": 4, "I03": 2, "I04": 9}),
    ]
    assert outcome.ignored_columns == ["Timestamp", "Email Address"]


def test_an_odk_central_export_with_dashed_group_paths_imports(fresh, inspector):
    outcome = run(fresh, inspector, FILES / "odk_export.csv")
    assert outcome.ok, outcome.errors
    assert (outcome.rows, outcome.created, outcome.source_format) == (3, 3, "odk")
    assert stored(fresh) == [
        ("DINKES", "internal", {"I01": 4, "I13": 3}),
        ("DISDIK", "external", {"E02": 2, "E06": 9}),
        ("DINKES", "external", {"E02": 1}),
    ]
    assert "meta-instanceID" in outcome.ignored_columns


def test_a_limesurvey_export_with_codes_in_its_question_headers_imports(fresh, inspector):
    outcome = run(fresh, inspector, FILES / "limesurvey_export.csv")
    assert outcome.ok, outcome.errors
    assert outcome.source_format == "limesurvey"
    assert stored(fresh) == [
        ("DISDIK", "expert", {"X01": 3, "X02": 4, "X08": 9}),
        ("DINKES", "internal", {"I01": 1}),
        ("DINKES", "expert", {"X01": 1, "X02": 2}),
    ]


def test_the_preview_shows_the_first_rows_as_they_will_be_stored(fresh, inspector):
    with translation.override("en"):
        outcome = run(fresh, inspector, FILES / "kobo_export.csv", dry_run=True)
    assert outcome.preview_columns == ["Row", "OPD", "Group", "I01", "I02", "I04", "E01", "E03"]
    assert outcome.preview_rows[0] == [2, "DINKES", "Internal", 4, 3, 0, "", ""]
    assert outcome.preview_rows[1] == [3, "DISDIK", "External", "", "", "", 2, 1]
    assert {(c["opd"], c["group"]): c["count"] for c in outcome.unit_counts} == {
        ("DINKES", "internal"): 2,
        ("DISDIK", "external"): 2,
    }


def test_a_dry_run_writes_nothing(fresh, inspector):
    before = counts()
    outcome = run(fresh, inspector, FILES / "kobo_export.csv", dry_run=True)
    assert outcome.ok and outcome.rows == 4 and outcome.created == 0
    assert outcome.batch is None
    assert counts() == before


def test_a_plain_file_with_semicolons_and_a_bom_and_blank_lines_imports(fresh, inspector, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(
        "\ufeffopd;group;I01;E01\nDINKES;internal;2;\n\nDISDIK;eksternal;;3\n".encode()
    )
    outcome = run(fresh, inspector, path)
    assert outcome.ok, outcome.errors
    assert (outcome.rows, outcome.source_format) == (2, "plain")
    assert stored(fresh) == [("DINKES", "internal", {"I01": 2}), ("DISDIK", "external", {"E01": 3})]


def test_a_file_of_one_groups_form_needs_no_group_column(fresh, inspector, tmp_path):
    path = write(tmp_path, "ahli.csv", "Unit kerja,X01,X02\nDinas Kesehatan,Setuju,1\n")
    outcome = run(fresh, inspector, path)
    assert outcome.ok, outcome.errors
    assert stored(fresh) == [("DINKES", "expert", {"X01": 3, "X02": 1})]


def test_a_windows_1252_file_is_read_and_says_so(fresh, inspector, tmp_path):
    path = tmp_path / "lama.csv"
    path.write_bytes("opd,group,I01,catatan\nDINKES,internal,3,caf\xe9\n".encode("cp1252"))
    outcome = run(fresh, inspector, path)
    assert outcome.ok, outcome.errors
    assert any("cp1252" in note for note in outcome.notes)


def test_progress_is_reported_up_to_every_row(fresh, inspector):
    seen = []
    run(fresh, inspector, FILES / "kobo_export.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4, 4)


# --- errors: file, row, column, why; nothing written ---------------------------------------------


def rejected(campaign, actor, path):
    before = counts()
    outcome = run(campaign, actor, path)
    assert not outcome.ok
    assert outcome.created == 0 and outcome.batch is None
    assert counts() == before
    return outcome


def test_an_unknown_opd_is_an_error_naming_its_row_and_column(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "OPD,group,I01\nDINKES,internal,4\nDISHUB,internal,3\n")
    outcome = rejected(fresh, inspector, path)
    (error,) = outcome.errors
    assert (error.file, error.row, error.column, error.value) == ("x.csv", 3, "OPD", "DISHUB")
    assert "bukan OPD kampanye ini" in error.message or "not an OPD" in error.message


def test_a_label_not_on_the_items_scale_is_an_error(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01\nDINKES,internal,Lumayan\n")
    (error,) = rejected(fresh, inspector, path).errors
    assert (error.row, error.column, error.value) == (2, "I01", "Lumayan")
    assert "I01" in error.message


def test_a_number_outside_the_scale_is_an_error(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01,I04\nDINKES,internal,5,1\nDINKES,internal,3,2\n")
    errors = rejected(fresh, inspector, path).errors
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "I01", "5"), (3, "I04", "2")]


def test_an_answer_to_an_item_of_another_group_is_an_error(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01,E01\nDINKES,external,,3\nDINKES,internal,,2\n")
    (error,) = rejected(fresh, inspector, path).errors
    assert (error.row, error.column, error.value) == (3, "E01", "2")
    assert "E01" in error.message


def test_an_unknown_group_and_an_empty_opd_are_errors(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01\n,internal,4\nDINKES,tamu,4\n")
    errors = rejected(fresh, inspector, path).errors
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "opd", ""), (3, "group", "tamu")]


def test_a_group_the_campaign_does_not_survey_in_that_opd_is_an_error(
    inspector, opd_a, opd_b, tmp_path
):
    from selfsurvey import services

    campaign = services.campaign_create(
        actor=inspector,
        name="Internal saja",
        questionnaire=services.default_questionnaire(actor=inspector),
        period_start="2026-03-01",
        period_end="2026-04-30",
        opds=[opd_a],
        groups=["internal"],
    )
    path = write(tmp_path, "x.csv", "opd,group,E01\nDINKES,external,3\n")
    (error,) = rejected(campaign, inspector, path).errors
    assert (error.row, error.column) == (2, "group")


def test_an_error_in_the_last_chunk_rolls_back_the_first(fresh, inspector, tmp_path, monkeypatch):
    from selfsurvey import response_import_read

    monkeypatch.setattr(response_import_read, "CHUNK_ROWS", 2)
    lines = ["opd,group,I01", *["DINKES,internal,4"] * 5, "DINKES,internal,7"]
    path = write(tmp_path, "x.csv", "\n".join(lines) + "\n")
    (error,) = rejected(fresh, inspector, path).errors
    assert error.row == 7


def test_errors_are_capped_and_the_rest_counted(fresh, inspector, tmp_path):
    lines = ["opd,group,I01", *["DINKES,internal,8"] * 70]
    outcome = rejected(fresh, inspector, write(tmp_path, "x.csv", "\n".join(lines)))
    assert (len(outcome.errors), outcome.more_errors, outcome.error_count) == (50, 20, 70)
    assert outcome.rejected().more == 20


def test_a_missing_opd_column_and_a_file_naming_no_item_are_errors(fresh, inspector, tmp_path):
    outcome = rejected(fresh, inspector, write(tmp_path, "x.csv", "nama,umur\nBudi,30\n"))
    assert [(e.row, e.column) for e in outcome.errors] == [(None, None), (1, "opd")]


def test_two_columns_naming_one_item_are_an_error(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01,grp/I01\nDINKES,internal,4,4\n")
    (error,) = rejected(fresh, inspector, path).errors
    assert (error.row, error.column) == (1, "grp/I01")


def test_a_file_that_is_not_a_table_is_an_error(fresh, inspector, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (error,) = rejected(fresh, inspector, path).errors
    assert error.file == "x.csv" and error.row is None


def test_only_the_inspectorate_imports(fresh, head_a):
    with pytest.raises(PermissionDenied):
        run(fresh, head_a, FILES / "kobo_export.csv", dry_run=True)
    assert counts() == (0, 0)


# --- the command line -------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_counts_per_opd(fresh, inspector):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_responses",
        "--campaign",
        fresh.name,
        str(FILES / "kobo_export.csv"),
        "--actor",
        "inspector",
        stdout=out,
        stderr=err,
    )
    assert fresh.responses.count() == 4
    assert "DINKES" in out.getvalue() and "4" in out.getvalue()
    assert "4/4" in err.getvalue()


def test_the_command_prints_each_error_and_fails(fresh, inspector, tmp_path):
    path = write(tmp_path, "x.csv", "opd,group,I01\nDISHUB,internal,4\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_responses",
            "--campaign",
            fresh.name,
            str(path),
            "--actor",
            "inspector",
            stderr=err,
            stdout=io.StringIO(),
        )
    assert "x.csv:2:opd:" in err.getvalue()
    assert counts() == (0, 0)


def test_the_command_dry_run_writes_nothing(fresh, inspector):
    out = io.StringIO()
    call_command(
        "import_responses",
        "--campaign",
        fresh.name,
        str(FILES / "odk_export.csv"),
        "--dry-run",
        "--actor",
        "inspector",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert counts() == (0, 0)
    assert "3" in out.getvalue()


# --- the web pages ----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, campaign, content, name="jawaban.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    url = reverse("selfsurvey:import_upload", kwargs={"pk": campaign.pk})
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def confirm(client, campaign, data):
    from django.urls import reverse

    url = reverse("selfsurvey:import_confirm", kwargs={"pk": campaign.pk})
    return client.post(url, data)


def test_the_upload_previews_the_counts_and_first_rows_and_writes_nothing(
    fresh, inspector_client, media
):
    content = (FILES / "kobo_export.csv").read_bytes()
    response = upload(inspector_client, fresh, content, "kobo_export.csv")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="count-rows">4<' in page and 'id="source-format">kobo<' in page
    assert "_submission_time" in page and 'id="preview-table"' in page
    table = response.context["counts"]
    assert [(row["opd"], row["cells"]) for row in table["rows"]] == [
        ("DINKES", [2, 0, 0]),
        ("DISDIK", [0, 2, 0]),
    ]
    assert counts() == (0, 0)


def test_confirming_imports_exactly_the_previewed_file_as_a_background_job(
    fresh, inspector_client, media, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    content = (FILES / "odk_export.csv").read_bytes()
    preview = upload(inspector_client, fresh, content, "odk_export.csv")
    data = preview.context["confirm_form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(inspector_client, fresh, data)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/job/{job.pk}/")
    job.refresh_from_db()
    assert (job.kind, job.state) == ("import", BackgroundJob.State.DONE)
    assert fresh.responses.count() == 3
    assert ResponseImport.objects.get().file_name == "odk_export.csv"
    fresh.refresh_from_db()
    assert fresh.scores_computed_at is not None  # the job recomputed after importing
    again = confirm(inspector_client, fresh, data)  # the kept file is gone once imported
    assert again.status_code == 302 and fresh.responses.count() == 3


def test_a_file_changed_since_its_preview_is_refused(fresh, inspector_client, media):
    from surveys import uploads

    preview = upload(inspector_client, fresh, (FILES / "odk_export.csv").read_bytes())
    data = preview.context["confirm_form"].initial
    with open(uploads.pending_path(data["token"]), "ab") as handle:
        handle.write(b"DINKES,internal,1,1,,,,,,,,\n")
    response = confirm(inspector_client, fresh, data)
    assert response.status_code == 302
    assert counts() == (0, 0)


def test_a_kept_file_older_than_a_day_is_refused(fresh, inspector_client, media):
    import os
    import time

    from surveys import uploads

    preview = upload(inspector_client, fresh, (FILES / "odk_export.csv").read_bytes())
    data = preview.context["confirm_form"].initial
    old = time.time() - 25 * 3600
    os.utime(uploads.pending_path(data["token"]), (old, old))
    response = confirm(inspector_client, fresh, data)
    assert response.status_code == 302
    assert counts() == (0, 0)


def test_a_wrong_file_shows_the_errors_table(fresh, inspector_client, media):
    response = upload(
        inspector_client, fresh, b"opd,group,I01\nDISHUB,internal,4\nDINKES,internal,7\n"
    )
    page = response.content.decode()
    assert 'id="error-table"' in page and "DISHUB" in page and 'id="preview-table"' not in page
    assert [(e.row, e.column) for e in response.context["outcome"].errors] == [
        (2, "opd"),
        (3, "I01"),
    ]


def test_a_file_over_the_size_limit_is_refused(fresh, inspector_client, media, monkeypatch):
    from selfsurvey.views import imports

    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    response = upload(inspector_client, fresh, (FILES / "odk_export.csv").read_bytes())
    assert response.context["refused"] and "outcome" not in response.context
