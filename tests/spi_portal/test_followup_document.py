"""The follow-up report as an official document: letterhead, number, date, addressee, signature
(page and PDF), overdue plans, the workbook's sheets and cells, the letterhead settings."""

import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from actionplans.models import PlanStatus, Recommendation
from surveys import services as survey_services
from surveys.logos import LOGO_MAX_BYTES, CheckedLogo
from surveys.models import PortalSettings
from tests.conftest import in_english
from tests.spi_portal.test_followup_report import make_plan

LETTERHEAD = {
    "letterhead_government": "Pemerintah Kabupaten Barito Timur",
    "letterhead_institution": "Inspektorat Daerah",
    "letterhead_address": "Jl. Contoh No. 1, Tamiang Layang",
    "regent_title": "Bupati Barito Timur",
    "signatory_title": "Inspektur Kabupaten Barito Timur",
    "signatory_name": "Dra. Siti <Contoh>",
    "signatory_nip": "197001012000031001",
    "signing_place": "Tamiang Layang",
    "document_number_pattern": "700/…/INSP/{year}",
}
DOCUMENT = {"number": "700/123/INSP/2026", "issued_on": "2026-12-01", "to": "kpk"}


def png_bytes(size=(40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (13, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def letterhead(inspector):
    logo = CheckedLogo(content=png_bytes(), content_type="image/png")
    return survey_services.portal_letterhead_update(
        actor=inspector, version=1, letterhead=LETTERHEAD, logo=logo
    )


def report(client, **query):
    return in_english(client).get(reverse("followup_report", args=[2024]), query)


def test_the_page_is_a_document_with_letterhead_number_date_addressee_and_signature(
    inspector_client, bartim_2024, letterhead
):
    page = report(inspector_client, **DOCUMENT).content.decode()
    for text in [
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "INSPEKTORAT DAERAH",
        "Jl. Contoh No. 1, Tamiang Layang",
        "700/123/INSP/2026",
        "Tamiang Layang, 1 Dec 2026",
        "The Leadership of the Corruption Eradication Commission (KPK)",
        "Inspektur Kabupaten Barito Timur",
        "Dra. Siti &lt;Contoh&gt;",
        "NIP 197001012000031001",
        'src="data:image/png;base64,',
    ]:
        assert text in page, text
    assert page.index('id="r-summary"') < page.index('id="r-recommendations"')
    assert page.index('id="r-plans"') < page.index('id="signature-block"')


def test_without_choices_the_report_proposes_the_number_today_and_the_regent(
    inspector_client, bartim_2024, letterhead
):
    response = report(inspector_client)
    document = response.context["document"]
    assert document.number == f"700/…/INSP/{date.today().year}"
    assert document.addressee == "Bupati Barito Timur"
    assert document.issued_on == date.today()


def test_a_wrong_date_is_said_and_nothing_is_downloaded(inspector_client, bartim_2024):
    response = report(inspector_client, issued_on="31-31-2026", format="pdf")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Enter a valid date." in response.content.decode()


def test_an_overdue_plan_reads_overdue_not_active(inspector_client, bartim_2024, opd_a):
    late = make_plan(bartim_2024.round, opd_a, "Rencana terlambat")
    late.due_date = date.today() - timedelta(days=1)
    late.save(update_fields=["due_date"])
    done = make_plan(bartim_2024.round, opd_a, "Rencana selesai", Decimal(100), PlanStatus.DONE)
    done.due_date = late.due_date
    done.save(update_fields=["due_date"])
    response = report(inspector_client)
    states = {plan.title: plan.state for plan in response.context["plans"]}
    assert states == {"Rencana terlambat": "Overdue", "Rencana selesai": "Done"}
    assert response.context["overdue_count"] == 1
    assert ("Overdue", 1) in response.context["plan_states"]
    assert '<td class="plan-state">Overdue</td>' in response.content.decode()


def pdf_text(pdf: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "the PDF text check needs poppler-utils: apt-get install poppler-utils"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True).stdout


def test_the_pdf_carries_the_document_and_puts_the_plan_table_on_landscape_pages(
    inspector_client, bartim_2024, opd_a, letterhead, tmp_path
):
    make_plan(bartim_2024.round, opd_a, "Reformasi pengadaan", Decimal("40"))
    response = report(inspector_client, format="pdf", **DOCUMENT)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for line in [
        "PEMERINTAH KABUPATEN BARITO TIMUR",
        "700/123/INSP/2026",
        "1 Dec 2026",
        "Corruption Eradication Commission",
        "Inspektur Kabupaten Barito Timur",
        "NIP 197001012000031001",
        "Reformasi pengadaan",
    ]:
        assert line in text, line
    sizes = page_sizes(response.content, tmp_path)
    assert sizes[0] == "portrait" and sizes[-1] == "landscape"
    images = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "report.pdf")], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert len(images) == 1  # the logo, from its data: URI


def page_sizes(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "sizes.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True
    ).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            width, height = (float(n) for n in line.split("size:")[1].split("pts")[0].split("x"))
            sizes.append("landscape" if width > height else "portrait")
    return sizes


def test_without_pango_the_page_says_how_to_install_it_instead_of_failing(
    inspector_client, bartim_2024, monkeypatch
):
    monkeypatch.setattr("builtins.__import__", _failing_import(__import__, "weasyprint"))
    page = report(inspector_client)
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in page.content.decode()
    assert 'value="pdf"' not in page.content.decode()
    pdf = report(inspector_client, format="pdf")
    assert pdf.status_code == 503
    assert "apt-get install libpango-1.0-0" in pdf.content.decode()


def _failing_import(real_import, blocked):
    def fake(name, *args, **kwargs):
        if name == blocked:
            raise OSError("cannot load library 'libpango-1.0-0': no such file")
        return real_import(name, *args, **kwargs)

    return fake


def test_the_workbook_has_one_sheet_per_section_with_real_dates_and_numbers(
    inspector_client, bartim_2024, opd_a, letterhead
):
    recommendation = Recommendation.objects.create(round=bartim_2024.round, code="R1", text="X")
    plan = make_plan(bartim_2024.round, opd_a, "=cmd()", Decimal("40"))
    plan.recommendations.add(recommendation)
    response = report(inspector_client, format="xlsx", **DOCUMENT)
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "Recommendations", "Weak points", "Action plans"]
    plans = workbook["Action plans"]
    header = [cell.value for cell in plans[1]]
    assert header == [
        "Plan", "OPD", "Indicators", "Indicator names", "Recommendations", "Status", "Due",
        "Verified progress (%)", "Evidence files",
    ]  # fmt: skip
    row = {name: cell for name, cell in zip(header, plans[2], strict=True)}
    assert row["Plan"].value == "'=cmd()"
    assert row["Due"].is_date and row["Due"].value.date() == date(2025, 12, 31)
    progress = row["Verified progress (%)"]
    assert progress.value == 40 and progress.data_type == "n"
    assert row["Status"].value == "Overdue"
    summary = {r[0].value: r[1] for r in workbook["Summary"].iter_rows(min_row=2)}
    assert summary["Document number"].value == "700/123/INSP/2026"
    assert summary["Date"].is_date
    assert summary["Integrity index"].value == pytest.approx(67.78)
    assert summary["Overdue plans"].value == 1
    assert workbook["Recommendations"]["C2"].value == "In progress"
    assert workbook["Weak points"]["C2"].data_type == "n"


def test_the_workbook_speaks_indonesian_by_default(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("followup_report", args=[2024]), {"format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "data" not in workbook.sheetnames
    assert len(workbook.sheetnames) == 4
    assert workbook.sheetnames != ["Summary", "Recommendations", "Weak points", "Action plans"]


# --- the letterhead settings ----------------------------------------------------------------


def post_letterhead(client, logo=None, **changes):
    data = {"version": PortalSettings.load().version, **LETTERHEAD, **changes}
    if logo is not None:
        data["logo"] = logo
    return in_english(client).post(reverse("portal_letterhead"), data)


def test_the_inspectorate_sets_the_letterhead_and_its_logo_with_history(
    inspector_client, inspector, methodology
):
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = post_letterhead(inspector_client, logo, signatory_nip="19700101 200003 1 001")
    assert response.status_code == 302
    saved = PortalSettings.load()
    assert saved.signatory_nip == "197001012000031001"
    assert saved.letterhead_logo_type == "image/png"
    assert bytes(saved.letterhead_logo) == png_bytes()
    assert saved.history.first().history_user == inspector
    page = inspector_client.get(reverse("portal_settings")).content.decode()
    assert 'src="data:image/png;base64,' in page
    post_letterhead(inspector_client, remove_logo="on")
    assert PortalSettings.load().letterhead_logo_type == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "PNG or JPEG"),
        ("logo.png", b"GIF89a" + b"\x00" * 100, "PNG or JPEG"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "damaged"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * LOGO_MAX_BYTES, "at most 256"),
    ],
    ids=["svg", "gif named png", "broken png", "too big"],
)
def test_a_wrong_logo_is_refused_with_the_reason_and_nothing_changes(
    inspector_client, letterhead, name, content, message
):
    before = PortalSettings.load()
    logo = SimpleUploadedFile(name, content, content_type="image/png")
    response = post_letterhead(inspector_client, logo, signatory_name="Someone else")
    assert response.status_code == 400
    assert message in response.content.decode()
    after = PortalSettings.load()
    assert (after.version, after.signatory_name) == (before.version, before.signatory_name)
    assert bytes(after.letterhead_logo) == bytes(before.letterhead_logo)


def test_a_logo_too_large_in_pixels_is_refused(inspector_client, letterhead):
    logo = SimpleUploadedFile("logo.png", png_bytes((2400, 10)), content_type="image/png")
    response = post_letterhead(inspector_client, logo)
    assert response.status_code == 400
    assert "2400 × 10 pixels" in response.content.decode()


def test_a_wrong_nip_is_refused(inspector_client, letterhead):
    response = post_letterhead(inspector_client, signatory_nip="12345")
    assert response.status_code == 400
    assert "A NIP has 18 digits." in response.content.decode()
    assert PortalSettings.load().signatory_nip == LETTERHEAD["signatory_nip"]


def test_an_opd_head_may_not_change_the_letterhead_nor_open_the_report(
    head_a_client, head_a, bartim_2024
):
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    assert post_letterhead(head_a_client, logo).status_code == 403
    with pytest.raises(survey_services.PermissionDenied):
        survey_services.portal_letterhead_update(actor=head_a, version=1, letterhead=LETTERHEAD)
    assert not PortalSettings.objects.exists()
    for query in ({}, {"format": "pdf"}, {"format": "xlsx"}):
        assert report(head_a_client, **query).status_code == 404


def test_the_report_reads_a_constant_number_of_queries(
    inspector_client, bartim_2024, opd_a, letterhead, django_assert_max_num_queries
):
    first = make_plan(bartim_2024.round, opd_a, "Satu")
    first.recommendations.add(
        Recommendation.objects.create(round=bartim_2024.round, code="R", text="X")
    )
    with CaptureQueriesContext(connection) as one_plan:
        report(inspector_client)
    for n in range(6):
        plan = make_plan(bartim_2024.round, opd_a, f"Rencana {n}")
        plan.recommendations.add(
            Recommendation.objects.create(round=bartim_2024.round, code=f"R{n}", text="X")
        )
    with django_assert_max_num_queries(len(one_plan.captured_queries)):
        report(inspector_client)


def test_the_settings_page_lists_what_each_save_changed(inspector_client, letterhead):
    post_letterhead(inspector_client, signatory_name="Inspektur Baru")
    logo = SimpleUploadedFile("logo.png", png_bytes((30, 30)), content_type="image/png")
    post_letterhead(inspector_client, logo, signatory_name="Inspektur Baru")
    page = in_english(inspector_client).get(reverse("portal_settings"))
    changed = [change["changed"] for change in page.context["changes"]]
    assert changed[:2] == [["logo"], ["name of the signatory"]]
