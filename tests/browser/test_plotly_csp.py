"""plotly.js draws, with its modebar styled, under the portal's strict CSP (no inline style)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_chart_through_the_plotly_include_draws_with_no_csp_violation(page, page_watch, settings):
    settings.ROOT_URLCONF = "tests.browser.plotly_csp_urls"
    response = page.goto("/plotly-csp-check/")
    assert "style-src 'self';" in response.headers["content-security-policy"] + ";"
    page.wait_for_selector(".chart.chart-drawn svg.main-svg")
    page.hover(".chart")
    modebar = page.wait_for_selector(".modebar")
    # The rules plotly.js would inject inline come from static/vendor/plotly/plotly.css.
    assert modebar.evaluate("element => getComputedStyle(element).position") == "absolute"
    injected = page.evaluate("document.querySelectorAll('head style').length")
    assert injected == 0
    assert page_watch.console_errors == []


def test_the_png_download_of_a_chart_works_under_the_csp(new_context, page_watch, settings):
    settings.ROOT_URLCONF = "tests.browser.plotly_csp_urls"
    page = new_context(accept_downloads=True).new_page()
    page.goto("/plotly-csp-check/")
    page.wait_for_selector(".chart.chart-drawn svg.main-svg")
    page.hover(".chart")
    with page.expect_download() as download_info:
        page.click(".modebar-btn[data-title='Download plot as a PNG']")
    download = download_info.value
    assert download.suggested_filename == "bars.png"
    assert download.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page_watch.console_errors == []
