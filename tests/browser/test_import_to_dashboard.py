from decimal import Decimal

import pytest

from surveys.models import ImportBatch, InstitutionResult

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RESULTS_CSV = (
    "year,institution_code,institution_name,internal,external,expert,"
    "correction_integrity,correction_prevalence,published_index\n"
    "2023,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,70.78,84.74,60.38,2.02,0,69.52\n"
    "2024,KAB-BARTIM,Pemerintah Kabupaten Barito Timur,66.93,84.27,56.79,1.12,0,67.78\n"
    "2024,KAB-KATINGAN,Pemerintah Kabupaten Katingan,70.10,80.00,60.00,0,0,\n"
)


def test_the_inspector_imports_a_results_file_and_sees_it_on_the_dashboard(
    page, page_watch, log_in, inspector, methodology, home, tmp_path
):
    results = tmp_path / "hasil-spi.csv"
    results.write_text(RESULTS_CSV, encoding="utf-8")
    log_in(page, inspector.username)

    page.goto("/rounds/import/")
    page.select_option("#id_kind", "results")
    page.set_input_files("#id_file", str(results))
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    assert page.inner_text("#count-created") == "3"
    assert page.inner_text("#count-updated") == "0"
    assert "KAB-KATINGAN" in page.inner_text("#preview ~ .table-responsive table")
    assert InstitutionResult.objects.count() == 0  # the preview writes nothing

    page.locator("form[action$='/import/confirm/'] button[type=submit]").click()
    assert "hasil-spi.csv" in page.inner_text(".alert-success")
    assert InstitutionResult.objects.count() == 3
    assert ImportBatch.objects.get().created_by == inspector
    stored = InstitutionResult.objects.get(round__year=2024, institution=home)
    assert stored.published_index == Decimal("67.78")

    page.goto("/dashboard/?year=2024")
    assert page.inner_text(".headline-index") == "67,78"
    charts = page.locator(".chart")
    assert charts.count() >= 3  # index against bands, groups, trend
    page.wait_for_function(
        "document.querySelectorAll('.chart').length"
        " === document.querySelectorAll('.chart.chart-drawn').length"
    )
    assert page.locator(".chart.chart-drawn svg.main-svg").count() >= charts.count()
    assert page_watch.console_errors == []
