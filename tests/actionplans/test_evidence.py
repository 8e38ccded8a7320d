import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplans import services
from actionplans.evidence import display_name, evidence_check
from tests.factories import PDF_BYTES, ooxml_bytes, pdf_upload

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _refused(upload) -> str:
    with pytest.raises(ValidationError) as refused:
        evidence_check(upload)
    return " ".join(refused.value.messages)


def test_an_oversize_file_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    message = _refused(pdf_upload(content=PDF_BYTES + b"0" * 2048))
    assert "at most" in message


def test_an_html_page_renamed_pdf_is_refused():
    page = SimpleUploadedFile("laporan.pdf", b"<!doctype html><script>alert(1)</script>")
    assert "does not contain what its name says" in _refused(page)


def test_a_png_named_pdf_is_refused():
    assert "does not contain" in _refused(SimpleUploadedFile("foto.pdf", PNG_BYTES))


def test_an_unlisted_type_is_refused():
    assert "only PDF" in _refused(SimpleUploadedFile("run.exe", b"MZ" + b"\x00" * 64))


def test_a_zip_bomb_named_docx_is_refused():
    bomb = ooxml_bytes(payload=b"\x00" * (60 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    message = _refused(SimpleUploadedFile("laporan.docx", bomb))
    assert (
        message
        == "laporan.docx: unpacks to 60.0\xa0MB, more than the limit of 50.0\xa0MB: too much data"
    )


def test_a_suspiciously_well_compressed_docx_is_refused():
    packed = ooxml_bytes(payload=b"A" * (5 * 1024 * 1024))
    assert "compressed suspiciously" in _refused(SimpleUploadedFile("laporan.docx", packed))


def test_a_plain_zip_renamed_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "not a real XLSX" in _refused(SimpleUploadedFile("data.xlsx", buffer.getvalue()))


def test_a_docx_that_is_an_xlsx_is_refused():
    xlsx = ooxml_bytes(main_part="xl/workbook.xml")
    assert "not a real DOCX" in _refused(SimpleUploadedFile("surat.docx", xlsx))


def test_real_documents_are_accepted():
    assert evidence_check(SimpleUploadedFile("surat.docx", ooxml_bytes())).extension == "docx"
    xlsx = SimpleUploadedFile("data.XLSX", ooxml_bytes(main_part="xl/workbook.xml"))
    assert evidence_check(xlsx).extension == "xlsx"
    assert evidence_check(SimpleUploadedFile("foto.png", PNG_BYTES)).content_type == "image/png"


def test_a_path_traversal_name_is_refused_when_it_has_no_allowed_type():
    assert "only PDF" in _refused(SimpleUploadedFile("../../etc/passwd", PDF_BYTES))


def test_a_path_traversal_name_is_neutralised_and_never_reaches_the_disk(plan_a, head_a, settings):
    report = services.report_submit(
        actor=head_a,
        plan=plan_a,
        percent=10,
        narrative="x",
        files=[pdf_upload("../../../etc/cron.d/evil.pdf")],
    )
    evidence = report.evidence.get()
    assert evidence.original_name == "evil.pdf"
    assert evidence.file.name.startswith("evidence/")
    assert "evil" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.file.path.startswith(str(settings.MEDIA_ROOT))


def test_display_names_lose_folders_and_control_characters():
    assert display_name("..\\..\\windows\\win.ini") == "win.ini"
    assert display_name("laporan\x00.pdf") == "laporan_.pdf"
    assert len(display_name("a" * 400 + ".pdf")) == 150


def test_a_refused_upload_stores_no_report_and_no_file(head_a_client, plan_a, settings):
    response = head_a_client.post(
        reverse("actionplans:report_create", args=[plan_a.pk]),
        {
            "report_date": "2025-03-01",
            "percent": 40,
            "narrative": "x",
            "files": [SimpleUploadedFile("bukti.pdf", b"<html></html>")],
        },
    )
    assert response.status_code == 200
    assert "does not contain what its name says" in response.content.decode()
    assert not plan_a.reports.exists()
    assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_evidence_is_served_as_an_attachment_with_nosniff(head_a_client, evidence_a):
    response = head_a_client.get(evidence_a.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="laporan.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
