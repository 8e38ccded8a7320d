import csv
import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from surveys.models import Institution, InstitutionResult


def peer(code, name, province="Kalimantan Tengah", type_="kota"):
    return Institution.objects.create(kpk_code=code, name=name, province=province, type=type_)


def result(survey_round, institution, published):
    return InstitutionResult.objects.create(
        round=survey_round,
        institution=institution,
        internal=Decimal("70"),
        external=Decimal("80"),
        expert=Decimal("60"),
        published_index=Decimal(published),
    )


def test_peers_of_the_same_province_are_compared_across_rounds(inspector_client, bartim_2024):
    near = peer("KOTA-1", "Kota Satu")
    far = peer("KOTA-2", "Kota Dua", province="Papua")
    result(bartim_2024.round, near, "71.50")
    result(bartim_2024.round, far, "60.00")
    response = inspector_client.get(reverse("surveys:compare"), {"scope": "province"})
    names = [row["institution"].name for row in response.context["rows"]]
    assert names == ["Pemerintah Kabupaten Barito Timur", "Kota Satu"]
    years = response.context["years"]
    assert response.context["rows"][0]["values"][years.index(2024)] == Decimal("67.78")
    assert response.context["rows"][1]["values"][years.index(2024)] == Decimal("71.50")


def test_peers_picked_by_code(inspector_client, bartim_2024):
    far = peer("KOTA-2", "Kota Dua", province="Papua")
    result(bartim_2024.round, far, "60.00")
    response = inspector_client.get(
        reverse("surveys:compare"), {"scope": "codes", "codes": "KOTA-2"}
    )
    assert [r["institution"].kpk_code for r in response.context["rows"]] == ["KAB-BARTIM", "KOTA-2"]


def test_the_comparison_exports_csv_with_formulas_neutralised(inspector_client, bartim_2024):
    peer("=HYPERLINK", '=HYPERLINK("x")')
    response = inspector_client.get(
        reverse("surveys:compare"), {"scope": "province", "format": "csv"}
    )
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["institution_code", "institution_name"]
    assert rows[1][0] == "KAB-BARTIM"
    assert rows[1][rows[0].index("2024")] == "67.78"
    assert rows[2][1].startswith("'=")


def test_the_comparison_exports_xlsx(inspector_client, bartim_2024):
    response = inspector_client.get(reverse("surveys:compare"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("2024") + 1).value == 67.78
