import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import ImportBatch, Institution, InstitutionResult

HEADER = "year,institution_code,institution_name,internal,external,expert,published_index\n"
GOOD = HEADER + "2024,KAB-A,Kab A,66.93,84.27,56.79,67.78\n2024,KAB-B,Kab B,70,80,60,\n"


@pytest.fixture
def importer_client(client, inspector):
    inspector.user_permissions.add(Permission.objects.get(codename="run_import"))
    client.force_login(inspector)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assert the source-language messages
    return client


def upload(client, content, name="results.csv", **extra):
    file = SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)
    return client.post(reverse("surveys:import"), {"kind": "results", "file": file, **extra})


def confirm(client, preview_response):
    form = preview_response.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    return client.post(reverse("surveys:import_confirm"), data)


def test_upload_previews_and_writes_nothing(importer_client, methodology):
    response = upload(importer_client, GOOD)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created_count == 2
    assert InstitutionResult.objects.count() == 0
    assert Institution.objects.count() == 0
    assert "KAB-A" in response.content.decode()


def test_confirm_writes_exactly_the_previewed_rows(importer_client, methodology, inspector):
    preview = upload(importer_client, GOOD)
    response = confirm(importer_client, preview)
    assert response.status_code == 302
    assert sorted(InstitutionResult.objects.values_list("institution__kpk_code", flat=True)) == [
        "KAB-A",
        "KAB-B",
    ]
    batch = ImportBatch.objects.get()
    assert batch.created_by == inspector
    assert batch.rows_created == 2


def test_a_bad_file_shows_row_and_column_and_writes_nothing(importer_client, methodology):
    response = upload(importer_client, HEADER + "2024,KAB-A,Kab A,abc,84.27,56.79,\n")
    [error] = response.context["rejected"].errors
    assert (error.row, error.column, error.value) == (2, "internal", "abc")
    assert str(error).replace('"', "&quot;") in response.content.decode()
    assert "confirm_form" not in response.context
    assert InstitutionResult.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_a_file_that_became_invalid_before_confirm_writes_nothing(importer_client, methodology):
    preview = upload(importer_client, GOOD)
    methodology[2024].year = 2099
    methodology[2024].save()
    response = confirm(importer_client, preview)
    assert response.status_code == 200
    assert response.context["rejected"].errors
    assert InstitutionResult.objects.count() == 0


def test_a_tampered_confirmation_is_refused(importer_client, methodology):
    preview = upload(importer_client, GOOD)
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields if form[name].value()}
    data["sha256"] = "0" * 64
    response = importer_client.post(reverse("surveys:import_confirm"), data)
    assert "has changed" in str(response.context["rejected"])
    assert InstitutionResult.objects.count() == 0


def test_an_oversize_upload_is_refused_with_a_clear_message(importer_client, methodology, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(importer_client, GOOD * 5)
    assert "larger than the limit" in response.context["refused"]
    assert InstitutionResult.objects.count() == 0


def test_a_file_of_the_wrong_type_is_refused(importer_client, methodology):
    response = upload(importer_client, b"\x89PNG\r\n\x1a\n", name="photo.png")
    assert "not a CSV or XLSX" in response.context["refused"]


def test_an_opd_user_cannot_reach_or_post_the_import(head_a_client, methodology):
    assert head_a_client.get(reverse("surveys:import")).status_code == 403
    file = SimpleUploadedFile("results.csv", GOOD.encode())
    response = head_a_client.post(reverse("surveys:import"), {"kind": "results", "file": file})
    assert response.status_code == 403
    assert head_a_client.post(reverse("surveys:import_confirm"), {}).status_code == 403
    assert InstitutionResult.objects.count() == 0
