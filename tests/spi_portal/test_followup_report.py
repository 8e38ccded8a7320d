import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from actionplans.models import PlanStatus, Recommendation
from tests.conftest import in_english
from tests.factories import stored_plan


def make_plan(survey_round, opd, title, progress=None, status=PlanStatus.ACTIVE):
    return stored_plan(survey_round, opd, title, status=status, verified_progress=progress)


def test_the_report_lists_every_plan_with_verified_progress(inspector_client, bartim_2024, opd_a):
    survey_round = bartim_2024.round
    recommendation = Recommendation.objects.create(round=survey_round, code="R1", text="Perbaiki")
    plan = make_plan(survey_round, opd_a, "Reformasi pengadaan", Decimal("100"), PlanStatus.DONE)
    plan.recommendations.add(recommendation)
    make_plan(survey_round, opd_a, "Rencana tanpa laporan")
    response = inspector_client.get(reverse("followup_report", args=[2024]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reformasi pengadaan" in html and "Rencana tanpa laporan" in html
    assert response.context["follow_up"]["rate"] == Decimal("100.0")
    assert response.context["index"].headline_index == Decimal("67.78")


def test_the_report_exports_the_same_numbers_as_xlsx(inspector_client, bartim_2024, opd_a):
    make_plan(bartim_2024.round, opd_a, "=cmd()", Decimal("40"))
    url = reverse("followup_report", args=[2024])
    response = in_english(inspector_client).get(url, {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Action plans"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("Plan")] == "'=cmd()"
    assert row[header.index("Verified progress (%)")] == 40
    assert row[header.index("Indicators")] == "PBJ"


def test_an_opd_head_cannot_open_the_report(head_a_client, bartim_2024):
    assert head_a_client.get(reverse("followup_report", args=[2024])).status_code == 404


def test_the_report_downloads_as_an_a4_pdf(inspector_client, bartim_2024, opd_a):
    make_plan(bartim_2024.round, opd_a, "Reformasi pengadaan", Decimal("40"))
    response = inspector_client.get(reverse("followup_report", args=[2024]), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].endswith('spi-2024.pdf"')
    assert len(response.content) > 5000
