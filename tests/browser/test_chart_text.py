"""A name with plotly's pseudo-HTML is drawn as text in the chart, never as a live link."""

import pytest

from surveys.models import Institution

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LINK_NAME = '<a href="https://evil.example">Kota Jebakan</a>'


def test_an_institution_name_with_a_link_is_plain_text_in_the_comparison_chart(
    page, page_watch, log_in, inspector, bartim_2024
):
    Institution.objects.create(
        kpk_code="KOTA-X", name=LINK_NAME, type="kota", province="Kalimantan Tengah"
    )
    log_in(page, inspector.username)
    page.goto("/rounds/compare/?scope=province")
    page.wait_for_selector(".chart.chart-drawn svg.main-svg")
    chart = page.locator(".chart")
    assert chart.locator("a").count() == 0
    legend = chart.locator("text.legendtext").all_text_contents()
    assert LINK_NAME in legend
    assert page_watch.console_errors == []
