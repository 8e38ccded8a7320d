"""The dashboard's charts in a real browser: the heat-map table is coloured by bands.css and
scrolls inside its own box on a phone; the OPD bars show every OPD with its whole name; axe finds
nothing serious. The world is the CSP tour's (scores with a missing group, OPDs with and without
verified progress)."""

import pytest

from tests.browser.test_csp_tour import world as world  # noqa: PLC0414 (the tour's world fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
WHITE = "rgb(255, 255, 255)"


def _dashboard(page, log_in, inspector, world, viewport=None):
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, inspector.username)
    page.goto(f"/dashboard/?year={world['year']}")
    page.wait_for_function("document.querySelectorAll('.chart:not(.chart-drawn)').length === 0")


def test_the_heat_map_cells_take_their_colour_from_the_bands_stylesheet(
    page, page_watch, log_in, inspector, world
):
    _dashboard(page, log_in, inspector, world)
    backgrounds = page.eval_on_selector_all(
        "#indicator-heat-table td.heat-cell:not(.heat-missing)",
        "cells => cells.map((cell) => getComputedStyle(cell).backgroundColor)",
    )
    assert backgrounds and all(colour not in (WHITE, "rgba(0, 0, 0, 0)") for colour in backgrounds)
    assert "rgb(198, 40, 40)" in backgrounds  # #c62828, the Rentan band of SPI 2024
    missing = page.locator("#indicator-heat-table td.heat-missing")
    assert missing.first.inner_text().split("\n")[0] == "—"  # then the hidden label


def test_the_heat_map_scrolls_inside_its_own_box_on_a_phone(
    page, page_watch, log_in, inspector, world
):
    _dashboard(page, log_in, inspector, world, viewport=PHONE)
    box = page.locator(".heat-scroll").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    overflow = page.eval_on_selector(".heat-scroll", "e => getComputedStyle(e).overflowX")
    assert overflow == "auto"


def test_the_opd_bars_show_every_opd_with_its_whole_name(
    page, page_watch, log_in, inspector, world
):
    _dashboard(page, log_in, inspector, world, viewport=PHONE)
    chart = page.locator("#chart-progress-caption").locator("xpath=..").locator(".chart")
    labels = chart.locator("g.ytick text").all_text_contents()
    assert sorted(labels) == ["Dinas Kesehatan", "Dinas Pendidikan"]
    chart_box = chart.bounding_box()
    for tick in chart.locator("g.ytick text").all():
        assert tick.bounding_box()["x"] >= chart_box["x"], "a label runs past the chart's edge"


def test_the_dashboard_with_its_heat_map_has_no_serious_accessibility_violation(
    axe_page, axe_violations, log_in, inspector, world
):
    _dashboard(axe_page, log_in, inspector, world, viewport=PHONE)
    assert axe_page.locator("#indicator-heat-table th[scope=row]").count() == 2
    assert axe_violations(axe_page) == []
