"""The follow-up document in a real browser at a phone's width and on a desktop: the letterhead's
logo (a data: image) and the report's stylesheet load under the CSP, no page scrolls sideways,
and the issue form's PDF button downloads the PDF with the chosen number."""

import pytest

from surveys import services as survey_services
from surveys.logos import CheckedLogo
from tests.spi_portal.test_followup_document import LETTERHEAD, pdf_text, png_bytes
from tests.spi_portal.test_followup_report import make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def report_ready(bartim_2024, opd_a, inspector):
    make_plan(bartim_2024.round, opd_a, "Seleksi terbuka JPT pratama berbasis sistem merit")
    logo = CheckedLogo(content=png_bytes(), content_type="image/png")
    survey_services.portal_letterhead_update(
        actor=inspector, version=1, letterhead=LETTERHEAD, logo=logo
    )


@pytest.mark.parametrize("width", [390, 1366])
def test_the_report_fits_the_screen_and_shows_its_letterhead(
    new_context, log_in, report_ready, width, tmp_path
):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, "inspector")
    page.goto("/reports/2024/")
    assert page.locator(".letterhead-logo").evaluate("img => img.naturalWidth") == 40
    assert page.locator(".letterhead").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.fill("#id_number", "700/77/INSP/2026")
    with page.expect_download() as download:
        page.locator("button[value=pdf]").click()
    assert download.value.suggested_filename == "laporan-tindak-lanjut-spi-2024.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert "700/77/INSP/2026" in pdf_text(pdf.read(), tmp_path)
